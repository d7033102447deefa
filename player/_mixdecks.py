"""Decks that play through moodplay's own mixer (experimental: ``[player] output = "mixer"``).

libVLC stays the decoder: each deck's media player hands its PCM (S16N, 48 kHz stereo, libVLC
converting and resampling) to the audio callbacks, which write it into a ``PcmRing`` per track.
The mixer (``player._mixer``) sums the rings with sample-accurate gain ramps in the callback of
one PortAudio output stream (``player._device``), 10 ms a block.

Clocks and drift. The output device's clock drives everything: the mixer takes exactly the
frames the device asks for, and libVLC's decoder thread blocks in the play callback while its
ring is full (RING_S), so it decodes exactly as fast as the device plays — no second clock is
followed, nothing is resampled, no frame dropped or doubled. libVLC's own clock still runs
beside it: libVLC 3 drops audio that reaches its output later than libVLC's clock says it is
due (measured: a play callback held 0.6 s at the start of a track lost 12,288 of 144,000
frames; 0.3 s lost none). Our consumption starts when the first frames arrive and libVLC's
clock ~0.3 s later (its file caching), so a playing track is never late by the device's drift
(100 ppm is 36 ms over a 6-minute track); a track waiting to start is held with libVLC paused
(its clock stops; measured: paused 3-5 s, then resumed, all frames came), and a paused track
pauses libVLC too. An underrun is a playing ring found empty before its stream's end
(``Mixer.stats``) or PortAudio reporting the device ran dry (``DeviceOutput.stats``).

Gapless, and "ended" when it is heard. ``load`` starts the track and pauses it at once: its
first block (~85 ms) waits in its ring. libVLC reports a track's end when its last frames are
in the ring, up to RING_S before they are heard: the owner then hears "drained", and ``chain``
starts the prepared track on the sample after the last of the current one. "ended" is posted
when the mixer has rendered that last sample (``Mixer.on_end``), so the player's current track
changes when the listener hears it change (plus the device's latency, ~0.1-0.2 s). ``play``
starts a track now (a skip, a crossfade: beside the other deck's); ``stop`` fades a track out
in STOP_FADE_S.

Every method here is a libVLC call or mixer bookkeeping; ``open_vlc_player`` wraps the decks
in ``player._bounded`` so each holds the caller at most 1 s, as with libVLC's own output.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, cast

import numpy as np

from player._keeper import OutputKeeper
from player._mixer import CHANNELS, RATE, Mixer, Voice
from player._pcm import PcmRing
from player._vlc import EventSink, VlcDecks

if TYPE_CHECKING:
    from player._device import DeviceOutput, Tap

RING_S = 1.0
"""Seconds of decoded audio a track may hold ahead of the device (384 KB a track). It covers
libVLC's end event (85-215 ms after the last frames) and the owner's answer to it, so the next
track is chained before the current one runs out."""
SET_RAMP_S = 0.02
"""A volume change moves over this long (no zipper noise); one before a track starts is exact."""
STOP_FADE_S = 0.005
"""A track stopped mid-way fades out over this long instead of clicking."""


class MixerDecks:
    """Two libVLC decks playing through one ``Mixer`` and output stream (the ``Decks``
    protocol of ``player._player``). ``open_output=False`` leaves the device closed (tests pull
    ``mixer.render`` themselves). Raises RuntimeError when libVLC or the device cannot start."""

    volume_frozen_tail_s = 0.0
    """Gains are applied by the mixer, up to the last sample."""
    exact_fades = True
    """Crossfades are ramps of the mixer (``crossfade``), not volumes the player steps."""

    def __init__(self, sink: EventSink | None = None, device: str | int | None = None,
                 *, rate: int = RATE, channels: int = CHANNELS, ring_s: float = RING_S,
                 open_output: bool = True,
                 may_reinitialise: Callable[[], bool] = lambda: True) -> None:  # fmt: skip
        self.mixer = Mixer(rate, channels)
        self._ring_frames = self.mixer.frames(ring_s)
        self._device = device
        self._may_reinitialise = may_reinitialise
        self.taps: list[Tap] = []
        """Called with every output block and its DAC time (``player._device.Tap``); kept
        across a reopened output stream."""
        self._voice: list[Voice | None] = [None, None]
        self._origin_ms = [0, 0]
        self._volume, self._muted = [100, 100], [False, False]
        self._started = [False, False]  # libVLC's play called since the last load
        self._path: list[Path | None] = [None, None]
        self._sink: EventSink = sink or (lambda kind, deck: None)
        self._ends = _Ends(self._sink)
        self.mixer.on_end = self._ends.voice_ended
        self._vlc = VlcDecks("adummy", None, self._engine_event, pcm=self, rate=rate,
                             channels=channels)  # fmt: skip
        self.keeper = self._keep_output() if open_output else None
        """Keeps the output stream open (``player._keeper``): an output watch for the
        Player; None when the device is not wanted."""

    def _keep_output(self) -> OutputKeeper:
        from player import _device  # sounddevice: only when the device is wanted

        def opener() -> DeviceOutput:
            return _device.DeviceOutput(self.mixer.render, self.mixer.rate, self.mixer.channels,
                                        self._device, taps=self.taps)  # fmt: skip

        def reinit() -> None:
            _device.reinitialise(self._may_reinitialise)

        return OutputKeeper(opener, reinit=reinit, listed=_device.output_listed,
                            starved=lambda: self.mixer.stats.starved_blocks)  # fmt: skip

    @property
    def output(self) -> DeviceOutput | None:
        """The output stream playing now, if any (a new one after the device came back)."""
        stream = self.keeper.stream if self.keeper is not None else None
        return cast("DeviceOutput | None", stream)

    def close(self) -> None:
        if self.keeper is not None:
            self.keeper.close()

    def _engine_event(self, kind: str, deck: int) -> None:
        """libVLC's event thread. Its end event says the input was read to its end (the
        decoder may still hold seconds of audio; on a short file it comes at once); the track
        ends at its drain (``pcm_drained``), or, for a track that never made audio (no drain
        comes), after ``player._mixer.INPUT_OVER_GRACE_S`` of nothing. It may also come late,
        for the media a load just replaced: then it only delays a seek's reload."""
        voice = self._voice[deck]
        if kind != "ended":
            self._sink(kind, deck)
        elif voice is not None:  # what libVLC still delivers plays; after it, the drain (or,
            self._ends.watch(deck, voice)  # failing that, Mixer.INPUT_OVER_GRACE_S of nothing)
            voice.input_over = True

    # -- the PcmSink: libVLC's decoder thread ------------------------------------------------

    def pcm(self, deck: int, frames: np.ndarray) -> None:
        voice = self._voice[deck]
        if voice is not None:
            voice.ring.write(frames)  # blocks while full: the device paces libVLC

    def pcm_drained(self, deck: int) -> None:
        """The track is decoded to its end, up to RING_S before it is heard: the owner hears
        "drained" now (time to chain the next track) and "ended" when the mixer has rendered
        its last sample. A drain before any frame (since the load or the seek) is the media a
        load just replaced, draining late: not this track's."""
        voice = self._voice[deck]
        if voice is not None and voice.ring.written > 0:
            self._ends.drained(deck, voice)

    def pcm_flushed(self, deck: int) -> None:
        # After the drain, libVLC flushes as it closes its output: the stream is over, what
        # waits is the track's end and is played. Before, a flush is a seek: drop what waits.
        voice = self._voice[deck]
        if voice is not None and not voice.ring.eos:
            voice.ring.clear()

    # -- the Decks protocol: the control thread ----------------------------------------------

    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None:
        self._let_go(deck)
        self._vlc.load(deck, path, start_s)  # stops the old media: its thread is free to go
        self._path[deck] = path
        ring = PcmRing(self._ring_frames, self.mixer.channels)
        self._voice[deck] = self.mixer.add(ring, self._gain(deck))
        self._origin_ms[deck] = int(start_s * 1000)
        self._vlc.play(deck)  # decode its first block now, then wait paused (its clock too)
        self._vlc.pause(deck, True)
        self._started[deck] = True

    def play(self, deck: int) -> None:
        """Play the deck's track now (beside the other deck's, in a crossfade); a track
        chained already plays on as it is."""
        voice = self._voice[deck]
        if voice is None:
            return
        if voice.state != "playing":
            self.mixer.start(voice)
        self._resume(deck)

    def chain(self, deck: int) -> None:
        """Play the deck's track from the sample after the other deck's last one (gapless),
        when the other's stream is over; else nothing (a late "drained": the owner starts it
        at "ended")."""
        voice, other = self._voice[deck], self._voice[1 - deck]
        if voice is not None and other is not None and self.mixer.follow(voice, other):
            self._resume(deck)

    def crossfade(self, out_deck: int, in_deck: int, seconds: float, to_end: bool = False) -> None:
        """Start ``in_deck``'s track rising from silence while ``out_deck``'s falls to it,
        equal-power, over ``seconds``; with ``to_end``, exactly until the last sample of
        ``out_deck``'s track (libVLC's length, or its ring once decoded to the end)."""
        into, out = self._voice[in_deck], self._voice[out_deck]
        if into is None:
            return
        end = self._end_frame(out_deck) if to_end else None
        self.mixer.crossfade(out, into, self.mixer.frames(seconds), end)
        self._resume(in_deck)

    def _reload(self, deck: int, path: Path, ms: int, old: Voice) -> None:
        """Load the track again from ``ms`` (libVLC's start time), playing or paused as it
        was."""
        playing, paused = old.state == "playing", old.paused
        self.load(deck, path, max(0, ms) / 1000)
        if playing:
            self.play(deck)
            if paused:
                self.pause(deck, True)

    def _end_frame(self, deck: int) -> int | None:
        """The ``Voice.played`` count at which the deck's track ends, when libVLC knows its
        length."""
        length_ms = self._vlc.length_ms(deck)
        if length_ms <= 0:
            return None
        return (length_ms - self._origin_ms[deck]) * self.mixer.rate // 1000

    def _resume(self, deck: int) -> None:
        if self._started[deck]:
            self._vlc.pause(deck, False)
        else:
            self._vlc.play(deck)
            self._started[deck] = True

    def pause(self, deck: int, paused: bool) -> None:
        voice = self._voice[deck]
        if voice is not None:
            self.mixer.pause(voice, paused)
        self._vlc.pause(deck, paused)

    def stop(self, deck: int) -> None:
        self._let_go(deck)
        self._vlc.stop(deck)
        self._started[deck] = False

    def _let_go(self, deck: int) -> None:
        """The deck's track leaves it: one still playing fades out in STOP_FADE_S (no click);
        a track chained to it starts at once; one crossfading in with it is at full level
        within STOP_FADE_S (a crossfade cut short)."""
        voice, self._voice[deck] = self._voice[deck], None
        other = self._voice[1 - deck]
        if other is not None:
            self.mixer.unfade(other, STOP_FADE_S)
        if voice is None or voice.state == "done":
            return
        voice.ring.close(keep=True)  # releases libVLC's thread if it waits for room
        self.mixer.remove(voice, fade_s=STOP_FADE_S)

    def set_volume(self, deck: int, percent: int) -> None:
        self._volume[deck] = max(0, min(200, percent))
        self._apply_gain(deck)

    def get_volume(self, deck: int) -> int:
        return self._volume[deck]

    def set_mute(self, deck: int, muted: bool) -> None:
        self._muted[deck] = muted
        self._apply_gain(deck)

    def _gain(self, deck: int) -> float:
        """The amplitude of libVLC's volume percent (cubic, as ``player._ramp`` assumes)."""
        return 0.0 if self._muted[deck] else (self._volume[deck] / 100) ** 3

    def _apply_gain(self, deck: int) -> None:
        voice = self._voice[deck]
        if voice is not None:  # a track not yet playing starts at its gain exactly
            self.mixer.ramp(voice, self._gain(deck), SET_RAMP_S if voice.state != "held" else 0)

    def position_ms(self, deck: int) -> int:
        """Where the deck's track is as heard from the mixer (frames played), in ms."""
        voice = self._voice[deck]
        if voice is None:
            return 0
        return self._origin_ms[deck] + voice.played * 1000 // self.mixer.rate

    def length_ms(self, deck: int) -> int:
        return self._vlc.length_ms(deck)

    def seek_ms(self, deck: int, ms: int) -> None:
        """Move the deck's track to ``ms``. libVLC 3 ignores a seek once it has read its input
        to the end (its end event; on short files long before the end is heard): the track is
        then loaded again from ``ms``, playing or paused as it was."""
        voice, path = self._voice[deck], self._path[deck]
        if voice is not None and voice.input_over and path is not None:
            self._reload(deck, path, ms, voice)
            return
        if voice is not None:
            voice.ring.clear()
            voice.played, self._origin_ms[deck] = 0, max(0, ms)
            voice.input_over, voice.starved = False, 0  # libVLC reads its input again
        self._vlc.seek_ms(deck, ms)

    def reopen(self, deck: int) -> None:
        """A new libVLC media player for ``deck`` (load again); while the output is lost, the
        keeper tries to open it now (a sound server that started after moodplay)."""
        self._let_go(deck)
        self._vlc.reopen(deck)
        self._started[deck] = False
        if self.keeper is not None and self.keeper.lost:
            self.keeper.renew()


class _Ends:
    """When each deck's track is over: decoded to its end (libVLC's drain, or its end event for
    a track that made no audio) and then rendered to its last sample by the mixer; "drained"
    is posted at the first, "ended" once at the second. Called from libVLC's threads and the
    output stream's thread."""

    def __init__(self, sink: EventSink) -> None:
        self._sink = sink
        self._lock = threading.Lock()
        self._waiting: list[tuple[Voice, int]] = []  # decoded, not yet rendered to the end

    def drained(self, deck: int, voice: Voice | None) -> None:
        if voice is None:  # the old media's drain as it stops (a load): no track to end
            return
        self.watch(deck, voice)  # before the end is marked: the mixer may end it at once
        voice.ring.mark_eos()
        self._sink("drained", deck)

    def watch(self, deck: int, voice: Voice) -> None:
        """Post "ended" when ``voice`` ends (its input is over: a drain may never come)."""
        with self._lock:
            self._waiting = [(v, d) for v, d in self._waiting if v.state != "done"]
            if not any(v is voice for v, _ in self._waiting):
                self._waiting.append((voice, deck))

    def voice_ended(self, voice: Voice) -> None:
        with self._lock:
            found = [(v, d) for v, d in self._waiting if v is voice]
            self._waiting = [(v, d) for v, d in self._waiting if v is not voice]
        for _, deck in found:
            self._sink("ended", deck)
