"""moodplay's mixer: voices (one per playing track) summed with sample-accurate gain ramps.

Pure numpy, no devices: ``Mixer.render(n)`` is what the output stream's callback calls for
each block (``player._device``), and what the tests call directly. Each voice reads its own
``PcmRing``; a voice that ``follows`` another starts on the sample after the other's last one,
in the same block — gapless, whatever the block size. All times are in frames of the mixer's
rate (48 kHz by default): a ramp asked for now starts on the next sample rendered.

Threads: ``render`` runs on the output stream's thread; every other method on a control thread.
One lock guards the voices; ``render`` holds it for the block's arithmetic only (~0.1 ms).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from player._pcm import PcmRing

RATE = 48_000
"""Frames a second, the one rate libVLC delivers and the device plays."""
CHANNELS = 2
INPUT_OVER_GRACE_S = 2.0
"""A voice whose input is over and that starves this long has ended: libVLC never drains a
track that made no audio (an undecodable file), nor one sought after its input was read to
the end (now reloaded: ``MixerDecks.seek_ms``). Longer than libVLC's restart after a seek or a
start (~0.6 s measured under load)."""


class GainRamp:
    """An amplitude that moves to a target over an exact number of frames.

    After ``to(target, frames)``, the k-th sample rendered (k = 1..frames) gets
    ``start + (target - start) * k / frames`` ("linear"), or on the equal-power curve
    ("power": ``start + (target - start) * sin(pi/2 * k / frames)`` rising, ``target + (start -
    target) * cos(pi/2 * k / frames)`` falling, so a fade in and a fade out of the same length
    keep in² + out² constant); from then on exactly ``target``."""

    def __init__(self, value: float = 1.0) -> None:
        self.value = float(value)
        self.target = float(value)
        self._start = self.value
        self._frames = 0
        self._done = 0
        self._power = False

    def to(self, target: float, frames: int = 0, shape: str = "linear") -> None:
        """Ramp from the current value to ``target`` (amplitude >= 0) over ``frames`` >= 0,
        ``shape`` "linear" or "power". Raises ValueError otherwise."""
        if not (target >= 0 and np.isfinite(target)) or frames < 0:
            raise ValueError(f"a gain ramp needs target >= 0 and frames >= 0: {target}, {frames}")
        if shape not in ("linear", "power"):
            raise ValueError(f"a gain ramp's shape is linear or power, not {shape!r}")
        self.target, self._start = float(target), self.value
        self._frames, self._done, self._power = int(frames), 0, shape == "power"
        if frames == 0:
            self.value = self.target

    @property
    def moving(self) -> bool:
        return self._done < self._frames

    def take(self, n: int) -> np.ndarray | float:
        """The gains of the next ``n`` samples: an array while ramping, else a float."""
        if not self.moving:
            return self.value
        k = min(n, self._frames - self._done)
        x = np.arange(self._done + 1, self._done + k + 1, dtype=np.float64) / self._frames
        gains = np.full(n, self.target, dtype=np.float64)
        gains[:k] = self._curve(x)
        self._done += k
        self.value = self.target if not self.moving else float(gains[k - 1])
        return gains

    def _curve(self, x: np.ndarray) -> np.ndarray:
        start, target = self._start, self.target
        if not self._power:
            return start + (target - start) * x
        if target >= start:
            return start + (target - start) * np.sin(np.pi / 2 * x)
        return target + (start - target) * np.cos(np.pi / 2 * x)


@dataclass
class Voice:
    """One stream in the mixer: a ring, its gain, and where it stands."""

    ring: PcmRing
    gain: GainRamp = field(default_factory=GainRamp)
    """The level (volume, track gain, ducking: linear ramps)."""
    fade: GainRamp = field(default_factory=GainRamp)
    """A crossfade's factor on top of the level (equal-power ramps, ``Mixer.crossfade``)."""
    state: str = "held"
    """held (filling, silent, perhaps following another) | playing | done."""
    paused: bool = False
    """A paused voice is silent and its position, ramps and followers wait."""
    follows: Voice | None = None
    """A held voice that starts on the sample after this one ends."""
    played: int = 0
    """Frames played (the track's position, from where it started)."""
    stop_after_ramp: bool = False
    input_over: bool = False
    """Its input was read to the end (libVLC's end event); the ring may still get frames."""
    starved: int = 0
    """Frames in a row it had nothing for."""


@dataclass
class MixerStats:
    blocks: int = 0
    frames: int = 0
    starved_frames: int = 0
    """Frames a playing voice had nothing for, after its first frame and before its stream's
    end: the decoder was late (an underrun of ours, heard as silence)."""
    starved_blocks: int = 0
    gapless_joins: int = 0
    """Voices started on the sample after the one they followed."""


class Mixer:
    """Voices summed into ``channels`` float32 at ``rate``, with a master gain."""

    def __init__(self, rate: int = RATE, channels: int = CHANNELS) -> None:
        self.rate, self.channels = rate, channels
        self.master = GainRamp(1.0)
        self.stats = MixerStats()
        self._voices: list[Voice] = []
        self._lock = threading.Lock()
        self._scratch = np.zeros((0, channels), dtype=np.float32)
        self._ended: list[Voice] = []
        self.on_end: Callable[[Voice], None] | None = None
        """Called on the output thread, after the block that rendered a voice's last sample
        (its stream over, not a voice removed): the track's end as heard, up to the device's
        latency. Must be quick and never block."""

    def frames(self, seconds: float) -> int:
        return max(0, round(seconds * self.rate))

    def add(self, ring: PcmRing, gain: float = 1.0) -> Voice:
        """A new held voice on ``ring`` (silent until ``start``)."""
        voice = Voice(ring, GainRamp(gain))
        with self._lock:
            self._voices.append(voice)
        return voice

    def start(self, voice: Voice, after: Voice | None = None) -> bool:
        """Play ``voice`` now, or — when ``after``'s stream is over and it plays or waits to —
        on the sample after ``after``'s last one. True when it was chained (gapless)."""
        with self._lock:
            if after is not None and after.state in ("playing", "held") and after.ring.eos:
                voice.state, voice.follows = "held", after
                return True
            voice.state, voice.follows = "playing", None
            return False

    def follow(self, voice: Voice, after: Voice) -> bool:
        """Chain the held ``voice`` to start on the sample after ``after``'s last one, when
        ``after``'s stream is over and it plays or waits to; else leave it held. True when
        chained."""
        with self._lock:
            if voice.state == "held" and after.state in ("playing", "held") and after.ring.eos:
                voice.follows = after
                return True
            return False

    def pause(self, voice: Voice, paused: bool) -> None:
        with self._lock:
            voice.paused = paused

    def ramp(self, voice: Voice, target: float, seconds: float) -> None:
        """Move ``voice``'s gain (amplitude) to ``target`` over ``seconds`` from the next
        sample rendered."""
        with self._lock:
            voice.gain.to(target, self.frames(seconds))

    def crossfade(self, out: Voice | None, into: Voice, frames: int,
                  out_end: int | None = None) -> int:  # fmt: skip
        """Start ``into`` now, its fade rising from silence while ``out``'s falls to it, both
        on the equal-power curve over the same ``frames`` from the next sample rendered. With
        ``out_end`` (the ``Voice.played`` count at which ``out``'s stream ends) the fade lasts
        exactly to ``out``'s last sample instead. Returns the frames it lasts."""
        with self._lock:
            if out is not None and out_end is not None:
                frames = out.ring.fill if out.ring.eos else out_end - out.played
            frames = max(0, frames)
            into.fade = GainRamp(0.0)
            into.fade.to(1.0, frames, "power")
            into.state, into.follows = "playing", None
            if out is not None:
                out.fade.to(0.0, frames, "power")
            return frames

    def unfade(self, voice: Voice, seconds: float) -> None:
        """End ``voice``'s crossfade: its fade factor to 1 over ``seconds`` (a fade cut
        short)."""
        with self._lock:
            if voice.fade.moving or voice.fade.value != 1.0:
                voice.fade.to(1.0, self.frames(seconds))

    def ramp_master(self, target: float, seconds: float) -> None:
        with self._lock:
            self.master.to(target, self.frames(seconds))

    def remove(self, voice: Voice, fade_s: float = 0.0) -> None:
        """Stop ``voice``: at once, or after a ramp to silence of ``fade_s`` (no click)."""
        with self._lock:
            if fade_s > 0 and voice.state == "playing" and not voice.paused:
                voice.gain.to(0.0, self.frames(fade_s))
                voice.stop_after_ramp = True
            else:
                voice.state = "done"
                self._forget(voice)

    @property
    def voices(self) -> int:
        return len(self._voices)

    # -- the output thread -------------------------------------------------------------------

    def render(self, n: int) -> np.ndarray:
        """The next ``n`` frames: shape (n, channels), float32, clipped to [-1, 1]."""
        out = np.zeros((n, self.channels), dtype=np.float32)
        if len(self._scratch) < n:
            self._scratch = np.zeros((n, self.channels), dtype=np.float32)
        with self._lock:
            # Those playing now: a voice that starts within this block is mixed from its sample.
            for voice in [v for v in self._voices if v.state == "playing" and not v.paused]:
                self._mix(voice, out, 0)
            gains = self.master.take(n)
            out *= gains if isinstance(gains, float) else gains[:, None].astype(np.float32)
            self.stats.blocks += 1
            self.stats.frames += n
            ended, self._ended = self._ended, []
        np.clip(out, -1.0, 1.0, out=out)
        if self.on_end is not None:
            for voice in ended:
                self.on_end(voice)
        return out

    def _mix(self, voice: Voice, out: np.ndarray, at: int) -> None:
        """Add ``voice`` into ``out[at:]``; when its stream ends there, the voice following it
        goes on from the next sample."""
        want = len(out) - at
        buf = self._scratch[:want]
        got = voice.ring.read(buf)
        gains = _product(voice.gain.take(want), voice.fade.take(want))
        if isinstance(gains, float):
            out[at : at + got] += buf[:got] * np.float32(gains)
        else:
            out[at : at + got] += buf[:got] * gains[:got, None].astype(np.float32)
        voice.played += got
        if voice.stop_after_ramp and not voice.gain.moving:
            voice.state = "done"
        elif got < want and (voice.ring.eos or self._given_up(voice, want - got)):
            voice.state = "done"
            self._ended.append(voice)
            for nxt in self._voices:
                if nxt.follows is voice and nxt.state == "held":
                    nxt.state, nxt.follows = "playing", None
                    self.stats.gapless_joins += 1
                    if not nxt.paused:
                        self._mix(nxt, out, at + got)
        elif got < want and voice.played > got:  # not before its first frame (start-up)
            self.stats.starved_frames += want - got
            self.stats.starved_blocks += 1
        if got == want:
            voice.starved = 0
        if voice.state == "done":
            self._forget(voice)

    def _given_up(self, voice: Voice, missing: int) -> bool:
        """A voice whose input is over (``Voice.input_over``) and that has had nothing to play
        for INPUT_OVER_GRACE_S is over: its decoder will give no more."""
        voice.starved += missing
        return voice.input_over and voice.starved >= self.frames(INPUT_OVER_GRACE_S)

    def _forget(self, voice: Voice) -> None:
        if voice in self._voices:
            self._voices.remove(voice)
        for other in self._voices:  # a voice that waited for this one now plays on its own
            if other.follows is voice:
                other.state, other.follows = "playing", None


def _product(a: np.ndarray | float, b: np.ndarray | float) -> np.ndarray | float:
    """Two ramps' gains, each a float (steady) or an array (moving), multiplied."""
    if isinstance(a, float) and isinstance(b, float):
        return a * b
    return np.asarray(a, dtype=np.float64) * np.asarray(b, dtype=np.float64)
