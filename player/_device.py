"""The output device: one PortAudio stream (sounddevice) whose callback pulls from the mixer.

The only module of ``player/`` that imports sounddevice. PortAudio enumerates devices once, when
sounddevice is imported: ``PULSE_SERVER`` and the like must be set before this module loads.
The stream's clock is the one clock of the mixer path: each callback asks the mixer for exactly
the frames the device wants next.
"""

from __future__ import annotations

import logging
import threading
import time
import weakref
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
_OPEN: weakref.WeakSet[DeviceOutput] = weakref.WeakSet()
"""Output streams open in this process (``reinitialise`` would free them under their owner)."""

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
        _OPEN.add(self)

    @property
    def callbacks(self) -> int:
        """Callbacks so far: standing still while the stream plays means the device hangs."""
        return self.stats.callbacks

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
        finally:
            _OPEN.discard(self)

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


def output_listed() -> bool:
    """Whether PortAudio lists any device that can play (none when it was initialised with no
    sound server running)."""
    try:
        return any(d["max_output_channels"] > 0 for d in sd.query_devices())
    except sd.PortAudioError:
        return False


def reinitialise(may: Callable[[], bool] = lambda: True) -> bool:
    """Initialise PortAudio again so that it lists the devices there now: only while no output
    device is listed (``player._keeper``), no output stream of ours is open and ``may()`` says
    so (the daemon: no microphone stream open). PortAudio's termination frees every stream of
    the process, and a stream object used after that is a dangling pointer (a crash). Returns
    whether it was done."""
    if _OPEN or not may():
        return False
    log.warning("player: initialising PortAudio again to find an output device")
    sd._terminate()
    sd._initialize()
    return True


@dataclass(frozen=True)
class OutputProbe:
    """What ``probe_output`` found: the device PortAudio plays on, and whether it plays."""

    device: str
    """PortAudio's name of the output device ("" when none is listed)."""
    host_api: str
    """PortAudio's host API for it ("ALSA" on Linux: PulseAudio and PipeWire through ALSA's
    pulse plugin device, "pulse" or "default")."""
    error: str | None
    """Why a stream at the rate and channels asked could not play; None when it did."""


def probe_output(device: str | int | None = None, rate: int = 48_000, channels: int = 2,
                 timeout_s: float = 3.0) -> OutputProbe:  # fmt: skip
    """Open an output stream like the mixer's on ``device`` (None: the default), wait for its
    first callback and close it, within ``timeout_s`` seconds (a hung server holds a daemon
    thread, not the caller). Never raises."""
    name, host = _describe(device)
    result: list[str | None] = []
    thread = threading.Thread(target=lambda: result.append(_try_stream(device, rate, channels)),
                              name="probe-output", daemon=True)  # fmt: skip
    thread.start()
    thread.join(timeout_s)
    error = result[0] if result else f"the device did not answer within {timeout_s:.0f} s"
    return OutputProbe(name, host, error)


def _describe(device: str | int | None) -> tuple[str, str]:
    try:
        info = sd.query_devices(device, "output")
        return str(info["name"]), str(sd.query_hostapis(info["hostapi"])["name"])
    except (sd.PortAudioError, ValueError):
        return "", ""


def _try_stream(device: str | int | None, rate: int, channels: int) -> str | None:
    called = threading.Event()

    def callback(outdata: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
        outdata.fill(0)
        called.set()

    try:
        with sd.OutputStream(samplerate=rate, channels=channels, dtype="float32",
                             device=device, callback=callback):  # fmt: skip
            if not called.wait(1.0):
                return "the stream opened but the device never asked for sound"
    except (sd.PortAudioError, ValueError) as e:
        return str(e)
    return None
