"""Microphone capture with sounddevice: a callback stream into a bounded ring buffer.

The PortAudio callback only copies the block, with PortAudio's capture time of its first sample
(``inputBufferAdcTime``: the clock the player's output stream stamps its DAC times with, which
the echo canceller pairs them by), into a bounded deque (dropping the oldest block when the
consumer falls behind, counted in ``dropped``); everything else happens in the consumer's
thread. Audio stays in memory.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from voice._asr import SAMPLE_RATE_HZ, EngineError, Int16Array

log = logging.getLogger(__name__)

BLOCK = 512  # 32 ms, the VAD's chunk
BUFFER_BLOCKS = 256  # ~8 s of audio before the oldest is dropped
SOUND_CARDS = Path("/proc/asound/cards")
_OPEN: weakref.WeakSet[Microphone] = weakref.WeakSet()
"""Microphones with an input stream open in this process."""


def input_stream_open() -> bool:
    """Whether a microphone of this process holds a PortAudio input stream open: PortAudio
    must not be initialised again meanwhile (that frees the stream under its owner: a crash)."""
    return bool(_OPEN)


class MicrophoneUnavailableError(EngineError):
    """No usable input device: voice is disabled, nothing else fails."""


class Microphone:
    """``may_reinitialise``: asked before PortAudio is initialised again to list sound cards
    that changed (the daemon: not while its mixer's output stream is open, which that would
    free); when it says no, the old list is kept and the change looked at again next time."""

    def __init__(self, device: str | int | None = None, *,
                 may_reinitialise: Callable[[], bool] = lambda: True) -> None:  # fmt: skip
        self._sd = sd = _sounddevice()
        self.may_reinitialise = may_reinitialise
        self.device = _device(device)
        try:
            info = sd.query_devices(self.device, "input")
        except (ValueError, sd.PortAudioError) as e:
            raise MicrophoneUnavailableError(f"no input device ({e}); voice control is off") from e
        self.name = str(info["name"])
        self._blocks: deque[tuple[Int16Array, float]] = deque(maxlen=BUFFER_BLOCKS)
        self._ready = threading.Condition()
        self.dropped = 0
        self._stream: Any = None
        self._cards = _sound_cards()

    def _callback(self, indata: Any, frames: int, time: Any, status: Any) -> None:
        # PortAudio's thread: copy and notify, nothing else (no logging, no locks held long).
        with self._ready:
            if len(self._blocks) == self._blocks.maxlen:
                self.dropped += 1
            block = np.frombuffer(bytes(indata), dtype=np.int16).copy()
            self._blocks.append((block, float(time.inputBufferAdcTime)))
            self._ready.notify()

    def __enter__(self) -> Microphone:
        try:
            self._stream = self._sd.RawInputStream(
                samplerate=SAMPLE_RATE_HZ, blocksize=BLOCK, device=self.device, channels=1,
                dtype="int16", callback=self._callback,
            )  # fmt: skip
            self._stream.start()
            _OPEN.add(self)
        except self._sd.PortAudioError as e:
            raise MicrophoneUnavailableError(f"cannot open input device {self.name!r}: {e}") from e
        return self

    def __exit__(self, *exc: object) -> None:
        stream, self._stream = self._stream, None
        _OPEN.discard(self)
        if stream is not None:
            try:
                stream.stop()
                stream.close()
            except self._sd.PortAudioError as e:  # the server is gone: nothing left to close
                log.info("microphone: closing a broken stream: %s", e)

    def reopen(self) -> bool:
        """Open the stream again after it stopped delivering (the device or the sound server
        went away); False while it cannot be opened. The caller decides how often to try and
        what to log: this logs nothing.

        PortAudio lists devices once, at start; listing them again leaks ~13 KB in its ALSA
        host each time (measured), so it is re-initialised only when the sound cards changed
        (a device plugged in or out). A sound server that comes back needs no new list."""
        self.__exit__()
        cards = _sound_cards()
        if cards != self._cards and self.may_reinitialise():
            self._cards = cards
            self._sd._terminate()
            self._sd._initialize()
        try:
            self.__enter__()
        except MicrophoneUnavailableError:
            return False
        return True

    def blocks(self, timeout_s: float = 1.0) -> Iterator[Int16Array]:
        """Captured blocks in order; stops when no audio arrives for ``timeout_s``."""
        for block, _ in self.timed_blocks(timeout_s):
            yield block

    def timed_blocks(self, timeout_s: float = 1.0) -> Iterator[tuple[Int16Array, float]]:
        """Captured blocks in order with the PortAudio stream time (s) their first sample was
        captured at (0.0 where the host API gives none); stops when no audio arrives for
        ``timeout_s``."""
        while True:
            with self._ready:
                if not self._blocks and not self._ready.wait_for(
                    lambda: bool(self._blocks), timeout_s
                ):
                    return
                item = self._blocks.popleft()
            yield item


class PortAudioUnavailableError(MicrophoneUnavailableError):
    """PortAudio itself cannot be used (not installed, or its ALSA configuration is broken)."""

    def __init__(self, reason: str, fix: str) -> None:
        super().__init__(f"PortAudio {reason}; {fix}")
        self.reason, self.fix = reason, fix


def _sounddevice() -> Any:
    try:
        import sounddevice as sd
    except OSError as e:  # sounddevice loads libportaudio at import
        raise PortAudioUnavailableError(
            f"is not available ({e})", "apt-get install libportaudio2"
        ) from e
    except Exception as e:  # it initialises PortAudio at import too: a broken ~/.asoundrc
        raise PortAudioUnavailableError(
            f"cannot start ({e})", "check the ALSA configuration (~/.asoundrc)"
        ) from e
    return sd


def _sound_cards() -> str:
    """The kernel's list of sound cards ("" where there is none to read)."""
    try:
        return SOUND_CARDS.read_text()
    except OSError:
        return ""


def input_devices() -> list[str]:
    """Names of the devices PortAudio can record from, in its order."""
    sd = _sounddevice()
    return [str(d["name"]) for d in sd.query_devices() if int(d["max_input_channels"]) > 0]


def _device(device: str | int | None) -> str | int | None:
    if device in (None, ""):
        return None
    if isinstance(device, str) and device.isdigit():
        return int(device)
    return device
