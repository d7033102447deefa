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

Gapless. ``load`` starts the track and pauses it at once: its first block (~85 ms) waits in
its ring. ``play`` while the other deck's stream is over (libVLC's drain: the whole track is in
its ring) chains the new track to start on the sample after the last of the old one. libVLC
reports a track's end when its last frames are in the ring, up to RING_S before they are heard;
the player's "ended" comes that early, and a skip in that last second lets the rest play out.

Every method here is a libVLC call or mixer bookkeeping; ``open_vlc_player`` wraps the decks
in ``player._bounded`` so each holds the caller at most 1 s, as with libVLC's own output.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

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

    def __init__(self, sink: EventSink | None = None, device: str | int | None = None,
                 *, rate: int = RATE, channels: int = CHANNELS, ring_s: float = RING_S,
                 open_output: bool = True) -> None:  # fmt: skip
        self.mixer = Mixer(rate, channels)
        self._ring_frames = self.mixer.frames(ring_s)
        self._device = device
        self.taps: list[Tap] = []
        """Called with every output block and its DAC time (``player._device.Tap``); kept
        across a reopened output stream."""
        self._voice: list[Voice | None] = [None, None]
        self._tails: list[Voice] = []
        """Tracks let go at their end, still playing their last frames (the next chained)."""
        self._origin_ms = [0, 0]
        self._volume, self._muted = [100, 100], [False, False]
        self._started = [False, False]  # libVLC's play called since the last load
        self._vlc = VlcDecks("adummy", None, sink, pcm=self, rate=rate, channels=channels)
        self.output = self._open_output() if open_output else None

    def _open_output(self) -> DeviceOutput:
        from player._device import DeviceOutput  # sounddevice: only when the device is wanted

        return DeviceOutput(self.mixer.render, self.mixer.rate, self.mixer.channels, self._device,
                            taps=self.taps)  # fmt: skip

    def close(self) -> None:
        if self.output is not None:
            self.output.close()

    # -- the PcmSink: libVLC's decoder thread ------------------------------------------------

    def pcm(self, deck: int, frames: np.ndarray) -> None:
        voice = self._voice[deck]
        if voice is not None:
            voice.ring.write(frames)  # blocks while full: the device paces libVLC

    def pcm_drained(self, deck: int) -> None:
        voice = self._voice[deck]
        if voice is not None:
            voice.ring.mark_eos()

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
        ring = PcmRing(self._ring_frames, self.mixer.channels)
        self._voice[deck] = self.mixer.add(ring, self._gain(deck))
        self._origin_ms[deck] = int(start_s * 1000)
        self._vlc.play(deck)  # decode its first block now, then wait paused (its clock too)
        self._vlc.pause(deck, True)
        self._started[deck] = True

    def play(self, deck: int) -> None:
        voice = self._voice[deck]
        if voice is None:
            return
        other = self._voice[1 - deck]
        after = other if other is not None else (self._tails[-1] if self._tails else None)
        if not self.mixer.start(voice, after=after):
            self._cut_tails()  # started now (a skip, a new track): what ended makes way
        if self._started[deck]:
            self._vlc.pause(deck, False)
        else:
            self._vlc.play(deck)
            self._started[deck] = True

    def pause(self, deck: int, paused: bool) -> None:
        """Pause the deck's track, and the end of the one before it that still plays."""
        self._tails = [v for v in self._tails if v.state != "done"]
        for voice in [*self._tails, self._voice[deck]]:
            if voice is not None:
                self.mixer.pause(voice, paused)
        self._vlc.pause(deck, paused)

    def stop(self, deck: int) -> None:
        voice = self._voice[deck]
        if voice is not None and not voice.ring.eos:
            self._cut_tails()  # a stop, not the hand-over at a track's end
        self._let_go(deck)
        self._vlc.stop(deck)
        self._started[deck] = False

    def _let_go(self, deck: int) -> None:
        """The deck's track leaves it: a stream that is over plays out to its last sample (the
        next one may be chained to it); one cut short fades out in STOP_FADE_S."""
        voice, self._voice[deck] = self._voice[deck], None
        if voice is None:
            return
        if voice.ring.eos and (voice.state == "playing" or voice.follows is not None):
            self._tails = [*(v for v in self._tails if v.state != "done"), voice]
            return  # the mixer ends it on its last sample
        voice.ring.close(keep=True)  # releases libVLC's thread if it waits for room
        self.mixer.remove(voice, fade_s=STOP_FADE_S)

    def _cut_tails(self) -> None:
        for voice in self._tails:
            self.mixer.remove(voice, fade_s=STOP_FADE_S)
        self._tails = []

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
        voice = self._voice[deck]
        if voice is not None:
            voice.ring.clear()
            voice.played, self._origin_ms[deck] = 0, max(0, ms)
        self._vlc.seek_ms(deck, ms)

    def reopen(self, deck: int) -> None:
        """A new libVLC media player for ``deck`` (load again), and a new output stream when
        the old one stopped (the sound server went away and came back)."""
        self._let_go(deck)
        self._vlc.reopen(deck)
        self._started[deck] = False
        if self.output is not None and not self.output.active:
            self.output.close()
            self.output = self._open_output()
