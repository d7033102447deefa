"""Deck calls that never hold the caller for long, even when the engine hangs.

With a frozen sound server (a PulseAudio stopped with SIGSTOP, a hung PipeWire) libVLC 3's
``libvlc_media_player_stop`` never returns, and every other call on that media player waits for
the same locks. :class:`BoundedDecks` runs each call of the wrapped decks on one worker thread,
in call order, and waits for it at most ``patience_s``. A call that takes longer makes the output
"not responding": from then on every call returns at once — reads answer the last value read,
writes are dropped — until the stuck call returns, when the output is "back".

Writes are dropped rather than queued: while the output does not respond the player holds where
the sound stopped (``player._output``), and when it is back the player restarts the current
track on a new stream and loads the prepared one again, so nothing said to the decks meanwhile
needs saying later; replaying it would send stale work (a stop, load and play of a track long
skipped) into an engine that has just come back. So at most one call is ever outstanding: the
worker's queue never holds more than one, whatever the number of calls while stuck.

The worker is a daemon thread: one stuck for good does not keep the process from exiting.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from player._player import Decks

log = logging.getLogger(__name__)

PATIENCE_S = 1.0
"""How long a caller waits for one deck call, in seconds. libVLC's stop, the slowest call (it
joins the deck's threads), took 1-2 ms on a private PulseAudio server and at most 11 ms with
both cores of the 2-core test machine busy: a call still running after 1 s is hung, not slow.
And 1 s is the most a control client should wait (issue 11: "answers a normal client within
1 s throughout"). Going through the worker costs a read 20-50 us (was 1 us)."""

READ_FRESH_S = 0.05
"""A read answered by the engine this recently (and no write to that deck since) is answered
again from memory: under 50 MPD clients polling ``status`` each read went through the worker
(about half the session thread's time); libVLC's own position moves in ~0.3 s steps."""

_READS = {"get_volume": -1, "position_ms": 0, "length_ms": 0}
"""The reads, and what each answers before any value was read."""


@dataclass
class _Call:
    name: str
    deck: int
    args: tuple[Any, ...]
    done: threading.Event = field(default_factory=threading.Event)
    result: Any = None
    error: BaseException | None = None
    sent: float = field(default_factory=time.time)
    """When the caller made it (wall clock, for the reason)."""
    started: float = 0.0


class BoundedDecks:
    """A ``Decks`` whose calls hold the caller at most ``patience_s`` seconds each.

    Also an output watch (``player._output.OutputWatch``): ``change()`` says "lost" once when a
    call did not return in time, "back" once when it has. ``engine`` names the wrapped engine in
    ``reason``. Exceptions raised by the wrapped call reach the caller when the call returns in
    time; those of a call that returns late are logged."""

    def __init__(self, decks: Decks, patience_s: float = PATIENCE_S,
                 engine: str = "libVLC") -> None:  # fmt: skip
        if not patience_s > 0:
            raise ValueError(f"patience_s must be a number of seconds > 0, not {patience_s}")
        self._decks, self.patience_s, self.engine = decks, patience_s, engine
        self.volume_frozen_tail_s = decks.volume_frozen_tail_s
        self.exact_fades = bool(getattr(decks, "exact_fades", False))
        self._calls: queue.Queue[_Call] = queue.Queue(maxsize=1)
        self._lock = threading.Lock()
        self._stuck: _Call | None = None  # the call that did not return in time
        self._told_stuck = False  # "lost" told for it (then "back" is owed when it returns)
        self._back_owed = False
        self._cache: dict[tuple[str, int], int] = {}
        self._read_at: dict[tuple[str, int], float] = {}
        """When each cached value came from the engine (monotonic s); dropped on a write."""
        self.reason = ""
        """What is true while the output does not respond (the player's "output" event)."""
        self._worker = threading.Thread(target=self._work, name="player-decks", daemon=True)
        self._worker.start()

    @property
    def responding(self) -> bool:
        """False from a call that did not return in time until it returns."""
        return self._stuck is None

    # -- the Decks protocol ------------------------------------------------------------------

    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None:
        self._write("load", deck, path, start_s)

    def play(self, deck: int) -> None:
        self._write("play", deck)

    def chain(self, deck: int) -> None:
        """The mixer decks' gapless start (``player._mixdecks.MixerDecks.chain``)."""
        self._write("chain", deck)

    def crossfade(self, out_deck: int, in_deck: int, seconds: float, to_end: bool = False) -> None:
        """The mixer decks' exact crossfade (``player._mixdecks.MixerDecks.crossfade``)."""
        self._write("crossfade", out_deck, in_deck, seconds, to_end)

    def pause(self, deck: int, paused: bool) -> None:
        self._write("pause", deck, paused)

    def stop(self, deck: int) -> None:
        self._write("stop", deck)

    def set_volume(self, deck: int, percent: int) -> None:
        self._write("set_volume", deck, percent)

    def get_volume(self, deck: int) -> int:
        """The deck's volume; -1 while it has no audio output, or the last one read while
        the output does not respond."""
        return self._read("get_volume", deck)

    def set_mute(self, deck: int, muted: bool) -> None:
        self._write("set_mute", deck, muted)

    def position_ms(self, deck: int) -> int:
        """Milliseconds into the deck's track (the last known while the output does not
        respond)."""
        return self._read("position_ms", deck)

    def length_ms(self, deck: int) -> int:
        """The track's length in ms, <= 0 while not known."""
        return self._read("length_ms", deck)

    def seek_ms(self, deck: int, ms: int) -> None:
        self._write("seek_ms", deck, ms)

    def reopen(self, deck: int) -> None:
        self._write("reopen", deck)

    # -- the output watch --------------------------------------------------------------------

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        """ "lost" once when a call has not returned in time, "back" once when it has; else
        None. Cheap: it only looks at what the worker recorded (``now``/``force`` unused)."""
        with self._lock:
            if self._stuck is not None and not self._told_stuck:
                self._told_stuck, self._back_owed = True, True
                return "lost"
            if self._stuck is None and self._back_owed:
                self._told_stuck, self._back_owed = False, False
                return "back"
        return None

    # -- calls -------------------------------------------------------------------------------

    def _write(self, name: str, deck: int, *args: Any) -> None:
        if name in ("load", "reopen"):  # what was read of the old track no longer holds
            self._cache[("position_ms", deck)] = int(args[1] * 1000) if args else 0
            self._cache[("length_ms", deck)] = 0
        elif name == "seek_ms":
            self._cache[("position_ms", deck)] = max(0, int(args[0]))
        for read in _READS:
            self._read_at.pop((read, deck), None)
        self._call(name, deck, args)  # dropped while stuck: see the module's docstring

    def _read(self, name: str, deck: int) -> int:
        key, now = (name, deck), time.monotonic()
        if now - self._read_at.get(key, -READ_FRESH_S) < READ_FRESH_S:
            return self._cache[key]
        value = self._call(name, deck, ())
        if value is None:
            return self._cache.get(key, _READS[name])
        self._cache[key], self._read_at[key] = int(value), now
        return int(value)

    def _call(self, name: str, deck: int, args: tuple[Any, ...]) -> Any:
        """The call's result, or None when the output does not respond (dropped) or the call
        took longer than the patience (it runs on; the output counts as not responding)."""
        if self._stuck is not None:
            return None
        call = _Call(name, deck, args)
        self._calls.put_nowait(call)  # empty: the last call returned (else we'd be stuck)
        if not call.done.wait(self.patience_s):
            with self._lock:
                if not call.done.is_set():
                    self._stuck = call
                    self.reason = self._reason_for(call)
                    log.warning("player: %s", self.reason)
                    return None
        if call.error is not None:
            raise call.error
        return call.result

    def _reason_for(self, call: _Call) -> str:
        since = time.strftime("%H:%M:%S", time.localtime(call.sent))
        return (f"no sound output: the sound output is not responding ({self.engine}'s "
                f"{call.name} on deck {call.deck} has not returned since {since}; paused "
                "until it does)")  # fmt: skip

    def _work(self) -> None:
        while True:
            call = self._calls.get()
            call.started = time.monotonic()
            try:
                call.result = getattr(self._decks, call.name)(call.deck, *call.args)
            except Exception as e:  # the caller's, if it still waits; else only logged
                call.error = e
            with self._lock:
                call.done.set()
                if self._stuck is call:
                    self._returned(call)

    def _returned(self, call: _Call) -> None:
        """The stuck call came back (the lock held): calls go through again."""
        self._stuck = None
        took_s = time.monotonic() - call.started
        log.warning("player: %s's %s returned after %.1f s; the sound output responds again",
                    self.engine, call.name, took_s)  # fmt: skip
        if call.error is not None:
            log.warning("player: the late %s failed: %s", call.name, call.error)
        if call.name in _READS and call.result is not None:
            self._cache[(call.name, call.deck)] = int(call.result)
