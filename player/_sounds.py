"""Short sounds played as voices of the mixer: spoken answers and earcons.

A sound is not a track: it belongs to no deck, is not paused with the music, and ends on its
own last sample. Because it is mixed into the output it is in what the speaker plays, so the
echo reference (a tap on the output) carries it and the music ducked under it is a mixer ramp.

The sound is converted once, on the caller's thread, to the mixer's format (float32, the
mixer's rate and channels; linear interpolation, enough for speech and chimes) and handed to a
ring that holds all of it, so the output thread never waits for it.
"""

from __future__ import annotations

import threading
import time

import numpy as np

from player._mixer import Mixer, Voice
from player._pcm import PcmRing

CUT_FADE_S = 0.005
"""A cut sound fades out over this long instead of clicking (240 frames at 48 kHz)."""
TAIL_S = 0.2
"""Seconds a sound is still on its way to the speaker after the mixer rendered its last frame:
the output stream's buffer (PortAudio's "high" latency, ~0.1-0.2 s on PulseAudio/ALSA)."""


class PlayingSound:
    """One sound in the mixer. ``done`` once its last frame (or its cut's fade) is rendered and
    the output's tail has passed; ``cut()`` fades it out in CUT_FADE_S. Thread-safe."""

    def __init__(self, mixer: Mixer, voice: Voice, frames: int, tail_s: float) -> None:
        self._mixer, self._voice, self.frames, self._tail_s = mixer, voice, frames, tail_s
        self._rendered_at: float | None = None
        self._lock = threading.Lock()

    @property
    def rendered(self) -> bool:
        """The mixer has rendered all of it (or its cut's fade): nothing more goes out."""
        return self._voice.state == "done"

    @property
    def played_frames(self) -> int:
        """Frames of the sound the mixer has rendered so far (at the mixer's rate)."""
        return self._voice.played

    @property
    def done(self) -> bool:
        """Rendered, and ``tail_s`` has passed since that was first seen (heard by now)."""
        with self._lock:
            if not self.rendered:
                return False
            if self._rendered_at is None:
                self._rendered_at = time.monotonic()
            return time.monotonic() - self._rendered_at >= self._tail_s

    def cut(self, fade_s: float = CUT_FADE_S) -> None:
        """Stop it: a fade of ``fade_s`` seconds to silence from the next sample rendered."""
        self._mixer.remove(self._voice, fade_s=fade_s)


class Sounds:
    """Plays PCM through ``mixer`` as voices of their own at amplitude ``gain`` (1.0: as
    given). ``tail_s``: see TAIL_S (0 for a mixer whose output is pulled by a test)."""

    def __init__(self, mixer: Mixer, gain: float = 1.0, tail_s: float = TAIL_S) -> None:
        if not (gain >= 0 and np.isfinite(gain)) or tail_s < 0:
            raise ValueError(f"Sounds needs gain >= 0 and tail_s >= 0, not {gain}, {tail_s}")
        self.mixer, self.gain, self.tail_s = mixer, gain, tail_s

    @property
    def latency_s(self) -> float:
        return self.tail_s

    def play(self, pcm: np.ndarray, rate_hz: int) -> PlayingSound:
        """Start ``pcm`` now: shape (n,) mono or (n, channels), int16 or float in [-1, 1], at
        ``rate_hz``. Raises ValueError for an empty sound, a bad shape or rate."""
        frames = to_mixer_format(pcm, rate_hz, self.mixer.rate, self.mixer.channels)
        ring = PcmRing(len(frames), self.mixer.channels)
        ring.write(frames)
        ring.mark_eos()
        voice = self.mixer.add(ring, self.gain)
        self.mixer.start(voice)
        return PlayingSound(self.mixer, voice, len(frames), self.tail_s)


def to_mixer_format(pcm: np.ndarray, rate_hz: int, rate: int, channels: int) -> np.ndarray:
    """``pcm`` (see ``Sounds.play``) as float32 frames of shape (m, channels) at ``rate``,
    resampled by linear interpolation; mono is copied to every channel."""
    if rate_hz <= 0 or pcm.ndim not in (1, 2) or pcm.shape[0] == 0:
        raise ValueError(f"a sound needs samples and a rate > 0: shape {pcm.shape}, {rate_hz}")
    x = pcm.astype(np.float32)
    if np.issubdtype(pcm.dtype, np.integer):
        x /= np.float32(-float(np.iinfo(pcm.dtype).min))
    mono = x if x.ndim == 1 else x.mean(axis=1)
    if x.ndim == 2 and x.shape[1] == channels:
        cols = [x[:, c] for c in range(channels)]
    else:
        cols = [mono] * channels
    if rate_hz != rate:
        n = max(1, round(len(mono) * rate / rate_hz))
        at = np.arange(n) * (rate_hz / rate)
        src = np.arange(len(mono))
        cols = [np.interp(at, src, c).astype(np.float32) for c in cols]
    return np.clip(np.stack(cols, axis=1), -1.0, 1.0).astype(np.float32)
