"""The mixer's output stream kept open: noticed when it dies or hangs, opened again when it can.

With libVLC's own output, libVLC holds the sound server's connection; on the mixer path moodplay
holds it, in one PortAudio stream (``player._device``), and this keeper watches it from a thread
of its own so that nothing it does can hold the player's owner. What PortAudio does here
(measured on a private PulseAudio server through PortAudio's ALSA host and ALSA's pulse plugin):

- the server killed: the stream stops by itself at once (``active`` false); closing it returns
  at once, and a new stream opens on a server started again without listing devices again;
- the server frozen (SIGSTOP, a hung server): the stream stays "active" but its callback is no
  longer called; closing it, or opening another, hangs until the server goes on, and then the
  old stream plays on by itself;
- no server when PortAudio was initialised: it lists no device at all ("Error querying device
  -1") until it is initialised again, which ends every stream of the process (the
  microphone's too): done only while no output device is listed, at most every REINIT_S.

So the keeper reports the output "lost" when the stream stopped, could not open, or its
callback has not been called for STALL_S; and "back" once a stream plays again (the old one
going on, or a new one). It is an output watch (``player._output.OutputWatch``): the Player
holds playback while it is lost, as for libVLC's own output.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Protocol

log = logging.getLogger(__name__)

STALL_S = 1.0
"""A stream whose callback has not been called this long is hung (it is called every 10 ms)."""
RETRY_S = 1.0
"""How often a stream that cannot open is tried again."""
REINIT_S = 10.0
"""The least time between two re-initialisations of PortAudio (each leaks ~13 KB in its ALSA
host, measured by voice/_capture.py)."""
FIRST_OPEN_S = 1.0
"""How long the constructor waits for the first stream (a frozen server hangs the open)."""
DROPOUT_LOG_S = 60.0
"""Dropouts are logged at most this often, summed since the last line (a loaded machine may
run dry many times a minute: one line, not hundreds)."""
_TICK_S = 0.1
STOPPED = ("no sound output: the output device stopped (the sound server or device went away; "
           "paused until it returns)")  # fmt: skip
HUNG = ("no sound output: the output device is not responding (its callback has not been "
        "called since {since}; paused until it is)")  # fmt: skip
CANNOT_OPEN = "no sound output: the output device cannot open ({error}; paused until it can)"


class Stream(Protocol):
    """What the keeper needs of ``player._device.DeviceOutput``."""

    @property
    def active(self) -> bool: ...
    @property
    def callbacks(self) -> int: ...
    def close(self) -> None: ...


class OutputKeeper:
    """Keeps one output stream made by ``opener`` (which raises RuntimeError when the device
    cannot open) and reports it lost or back through ``change()``. ``reinit`` (None: never)
    initialises the audio library again while ``listed`` says no output device is listed.
    ``clock`` is monotonic seconds. ``starved`` (None: not counted) is how many blocks the
    mixer has had to fill with silence because a deck's decoder was late; with the stream's own
    ``stats.underflows`` (PortAudio: the device ran dry) they are the dropouts heard, logged
    (at most every DROPOUT_LOG_S) and kept in ``dropouts``."""

    def __init__(self, opener: Callable[[], Stream], *,
                 reinit: Callable[[], None] | None = None,
                 listed: Callable[[], bool] = lambda: True,
                 clock: Callable[[], float] = time.monotonic,
                 starved: Callable[[], int] | None = None) -> None:  # fmt: skip
        self._opener, self._reinit, self._listed, self._clock = opener, reinit, listed, clock
        self._starved = starved
        self.dropouts = (0, 0)
        """(PortAudio underflows, mixer blocks starved) since the keeper started."""
        self._counted = (0, 0)  # (this stream's underflows, the mixer's starved) already counted
        self._logged = ((0, 0), float("-inf"))  # dropouts at the last log line, and when
        self.stream: Stream | None = None
        self.reason = ""
        """Why there is no sound output, while lost (the player's "output" event)."""
        self._lost = False  # as last decided by the keeper's thread
        self._told_lost = False
        self._seen = (-1, 0.0)  # (callbacks, when that count was first seen)
        self._tried = float("-inf")
        self._reinit_at = float("-inf")
        self._stop = threading.Event()
        self._first = threading.Event()
        self._thread = threading.Thread(target=self._run, name="player-output", daemon=True)
        self._thread.start()
        self._first.wait(FIRST_OPEN_S)

    @property
    def lost(self) -> bool:
        """As last decided: there is no stream that plays."""
        return self._lost

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        """ "lost" once when the output is lost, "back" once when it plays again, else None.
        Only reads what the keeper's thread decided (never blocks; arguments unused)."""
        if self._lost != self._told_lost:
            self._told_lost = self._lost
            return "lost" if self._lost else "back"
        return None

    def renew(self) -> None:
        """Try to open a stream at the next tick, initialising PortAudio again first if no
        device is listed (a sound server that started after moodplay: ``player._watch``)."""
        self._tried, self._reinit_at = float("-inf"), float("-inf")

    def close(self, wait_s: float = 1.0) -> None:
        """Stop watching and close the stream, from the keeper's thread (a hung server holds
        that thread, not the caller), waiting for it at most ``wait_s`` seconds."""
        self._stop.set()
        self._thread.join(wait_s)

    # -- the keeper's thread -----------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._check()
            except Exception:  # the keeper never dies: log and go on
                log.exception("player: watching the output stream")
            self._first.set()
            self._stop.wait(_TICK_S)
        if self.stream is not None:
            self.stream.close()

    def _check(self) -> None:
        stream = self.stream
        if stream is None:
            self._try_open()
        elif not stream.active:
            self._set_lost(STOPPED)
            self.stream = None
            stream.close()  # returns at once on a stopped stream
            self._try_open()
        else:
            self._watch_calls(stream)
            self._count_dropouts(stream)

    def _count_dropouts(self, stream: Stream) -> None:
        under = int(getattr(getattr(stream, "stats", None), "underflows", 0))
        starved = self._starved() if self._starved is not None else 0
        new = (under - self._counted[0], starved - self._counted[1])
        if new == (0, 0):
            return
        self._counted = (under, starved)
        self.dropouts = (self.dropouts[0] + new[0], self.dropouts[1] + new[1])
        then, at = self._logged
        now = self._clock()
        if now - at >= DROPOUT_LOG_S:
            log.warning("player: sound dropouts: %d PortAudio underflows and %d mixer blocks "
                        "without sound since the last such line (%d and %d since start)",
                        self.dropouts[0] - then[0], self.dropouts[1] - then[1],
                        *self.dropouts)  # fmt: skip
            self._logged = (self.dropouts, now)

    def _watch_calls(self, stream: Stream) -> None:
        now, calls = self._clock(), stream.callbacks
        if calls != self._seen[0]:
            self._seen = (calls, now)
            if self._lost:  # a hung server went on: the old stream plays again
                self._set_back()
        elif now - self._seen[1] > STALL_S and not self._lost:
            since = time.strftime("%H:%M:%S", time.localtime(time.time() - (now - self._seen[1])))
            self._set_lost(HUNG.format(since=since))

    def _try_open(self) -> None:
        now = self._clock()
        if now - self._tried < RETRY_S:
            return
        self._tried = now
        if self._reinit is not None and not self._listed() and now - self._reinit_at > REINIT_S:
            self._reinit_at = now
            self._reinit()
        try:
            self.stream = self._opener()  # may hang on a frozen server: this thread waits
        except RuntimeError as e:
            self._set_lost(CANNOT_OPEN.format(error=e))
            return
        self._seen = (-1, self._clock())
        self._counted = (0, self._counted[1])  # a new stream counts its underflows from 0
        if self._lost:
            self._set_back()

    def _set_lost(self, reason: str) -> None:
        if not self._lost or reason != self.reason:
            log.warning("player: %s", reason)
        self.reason, self._lost = reason, True

    def _set_back(self) -> None:
        log.warning("player: the output device plays again")
        self._lost = False
