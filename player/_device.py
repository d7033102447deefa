"""The output device: one PortAudio stream (sounddevice) whose callback pulls from the mixer.

The only module of ``player/`` that imports sounddevice. PortAudio enumerates devices once, when
sounddevice is imported: ``PULSE_SERVER`` and the like must be set before this module loads.
The stream's clock is the one clock of the mixer path: each callback asks the mixer for exactly
the frames the device wants next.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import sounddevice as sd

Tap = Callable[[np.ndarray, float], None]
"""Called on the output stream's thread with each block as it will be heard (shape (n,
channels) float32, read-only by convention: copy what is kept) and the PortAudio stream time at
which its first frame reaches the device (``outputBufferDacTime``, seconds, the clock of
``DeviceOutput.time``). A tap must be quick and never block: the echo reference, the level
meter."""
log = logging.getLogger(__name__)

BLOCK_FRAMES = 480
"""Frames the mixer renders per callback: 10 ms at 48 kHz (the issue asks for <= 20 ms)."""
LATENCY = "high"
"""PortAudio's suggested latency: "high" (~0.1-0.2 s on ALSA/PulseAudio). Latency delays
what is heard, not the gap between tracks; a low one made underruns likelier here under load."""


@dataclass
class OutputStats:
    callbacks: int = 0
    underflows: int = 0
    """Callbacks told by PortAudio that the device ran dry before them (heard as a dropout)."""
    render_cpu_s: float = 0.0
    """CPU seconds spent in the callback (the mixer's arithmetic and the copy)."""
    thread_cpu_s: float = 0.0
    """CPU seconds of the callback's thread since its first callback (PortAudio's own work in
    that thread too)."""
    first_thread_cpu_s: float | None = None


class DeviceOutput:
    """A started output stream: ``render(n)`` gives the next n frames, shape (n, channels)
    float32. Raises ``RuntimeError`` (with PortAudio's words) when the device cannot open."""

    def __init__(self, render: Callable[[int], np.ndarray], rate: int, channels: int,
                 device: str | int | None = None,
                 block_frames: int = BLOCK_FRAMES, *,
                 taps: list[Tap] | None = None) -> None:  # fmt: skip
        self._render = render
        self.taps: list[Tap] = taps if taps is not None else []
        """Shared with the owner (``MixerDecks.taps``): a tap added later is called too."""
        self.stats = OutputStats()
        try:
            self._stream = sd.OutputStream(
                samplerate=rate, channels=channels, dtype="float32", blocksize=block_frames,
                device=device, latency=LATENCY, callback=self._callback,
            )  # fmt: skip
            self._stream.start()
        except sd.PortAudioError as e:
            raise RuntimeError(f"the output device cannot play: {e}") from e

    @property
    def active(self) -> bool:
        """False once the stream stopped by itself (the device or sound server went away)."""
        return bool(self._stream.active)

    def time(self) -> float:
        """PortAudio's stream time now, seconds (the clock of the taps' DAC times)."""
        return float(self._stream.time)

    def close(self) -> None:
        try:
            self._stream.close()
        except sd.PortAudioError as e:  # a device already gone: nothing left to close
            log.warning("player: closing the output stream: %s", e)

    def _callback(self, outdata: np.ndarray, frames: int, _time: Any, status: Any) -> None:
        cpu0 = time.thread_time()
        if self.stats.first_thread_cpu_s is None:
            self.stats.first_thread_cpu_s = cpu0
        if status.output_underflow:
            self.stats.underflows += 1
        outdata[:] = self._render(frames)
        for tap in self.taps:
            tap(outdata, float(_time.outputBufferDacTime))
        cpu1 = time.thread_time()
        self.stats.callbacks += 1
        self.stats.render_cpu_s += cpu1 - cpu0
        self.stats.thread_cpu_s = cpu1 - self.stats.first_thread_cpu_s
