"""The Speex acoustic echo canceller (Debian's ``libspeexdsp1``) through ctypes.

Source: SpeexDSP (Jean-Marc Valin, Xiph.Org; BSD licence), ``include/speex/speex_echo.h`` and
``speex_preprocess.h``; the canceller is the MDF (multidelay block frequency-domain) adaptive
filter of J.-M. Valin, "On Adjusting the Learning Rate in Frequency Domain Echo Cancellation
With Double-Talk", IEEE Trans. ASLP 15(3), 2007. Debian and Raspberry Pi OS ship it as
``libspeexdsp.so.1`` (x86_64 and aarch64): ``apt-get install libspeexdsp1``.

Chosen over WebRTC's AEC3 (the ``livekit`` wheels) by what matters here, commands recognised
after cancellation: measured in issue 14, AEC3 suppresses more but turns the talker down too
(3.4 dB at 0 dB music-to-speech, 13 dB at -10 dB) and the command decoder got fewer commands
after it than from the raw microphone; Speex keeps the speech intact. Speex does not look for
the delay: the reference must be aligned so that the echo path (acoustic delay plus the room's
reverberation) falls inside ``filter_len`` (``voice._echo`` does that).

The only module that loads libspeexdsp. Not thread-safe: one canceller per audio stream, fed
from one thread.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
from contextlib import suppress
from typing import Any

import numpy as np

from voice._asr import EngineError, Int16Array

LIBRARY = "libspeexdsp.so.1"
SPEEX_ECHO_SET_SAMPLING_RATE = 24
SPEEX_PREPROCESS_SET_DENOISE = 0
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS = 20
SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE = 22
SPEEX_PREPROCESS_SET_ECHO_STATE = 24
"""Request numbers of ``speex_echo_ctl`` / ``speex_preprocess_ctl`` (speex_echo.h,
speex_preprocess.h)."""

FRAME = 256
"""Samples per canceller frame: 16 ms at 16 kHz (a microphone block of 512 is two)."""
FILTER_LEN = 4096
"""Taps of the adaptive filter: 256 ms at 16 kHz, the echo path it can model after the
reference is aligned (the room's tail past it is left as residual)."""


class EchoCancellerUnavailableError(EngineError):
    """libspeexdsp is not installed: the microphone is heard without cancellation."""


@functools.cache
def _load() -> Any:
    name = ctypes.util.find_library("speexdsp") or LIBRARY
    try:
        lib = ctypes.CDLL(name)
    except OSError as e:
        raise EchoCancellerUnavailableError(
            f"libspeexdsp is not available ({e}); apt-get install libspeexdsp1"
        ) from e
    _declare(lib)
    return lib


def _declare(lib: Any) -> None:
    p, i, i16 = ctypes.c_void_p, ctypes.c_int, ctypes.POINTER(ctypes.c_int16)
    lib.speex_echo_state_init.restype, lib.speex_echo_state_init.argtypes = p, [i, i]
    lib.speex_echo_state_destroy.restype, lib.speex_echo_state_destroy.argtypes = None, [p]
    lib.speex_echo_state_reset.restype, lib.speex_echo_state_reset.argtypes = None, [p]
    lib.speex_echo_cancellation.restype = None
    lib.speex_echo_cancellation.argtypes = [p, i16, i16, i16]
    lib.speex_echo_ctl.restype, lib.speex_echo_ctl.argtypes = i, [p, i, p]
    lib.speex_preprocess_state_init.restype = p
    lib.speex_preprocess_state_init.argtypes = [i, i]
    lib.speex_preprocess_state_destroy.restype = None
    lib.speex_preprocess_state_destroy.argtypes = [p]
    lib.speex_preprocess_ctl.restype, lib.speex_preprocess_ctl.argtypes = i, [p, i, p]
    lib.speex_preprocess_run.restype, lib.speex_preprocess_run.argtypes = i, [p, i16]


def _i16(a: np.ndarray) -> Any:
    return a.ctypes.data_as(ctypes.POINTER(ctypes.c_int16))


class SpeexCanceller:
    """Subtracts the echo of ``reference`` (what the speaker played, aligned) from the
    microphone, 16 kHz int16 both.

    ``residual_suppression`` adds Speex's preprocessor fed with the canceller's state: it
    attenuates the echo the filter left (by up to ``suppress_db``, less while near-end speech
    is active); its noise suppression stays off (the VAD and recogniser see the noise they
    were tuned on). Raises ``EchoCancellerUnavailableError`` without libspeexdsp."""

    def __init__(self, rate: int = 16_000, frame: int = FRAME, filter_len: int = FILTER_LEN, *,
                 residual_suppression: bool = False, suppress_db: int = -40) -> None:  # fmt: skip
        self._lib = lib = _load()
        self.frame, self.filter_len, self.rate = frame, filter_len, rate
        self._echo = lib.speex_echo_state_init(frame, filter_len)
        if not self._echo:
            raise EchoCancellerUnavailableError("speex_echo_state_init failed")
        self._ctl(lib.speex_echo_ctl, self._echo, SPEEX_ECHO_SET_SAMPLING_RATE, rate)
        self._pre = None
        if residual_suppression:
            self._pre = lib.speex_preprocess_state_init(frame, rate)
            self._ctl(lib.speex_preprocess_ctl, self._pre, SPEEX_PREPROCESS_SET_DENOISE, 0)
            lib.speex_preprocess_ctl(self._pre, SPEEX_PREPROCESS_SET_ECHO_STATE, self._echo)
            for req in (SPEEX_PREPROCESS_SET_ECHO_SUPPRESS,
                        SPEEX_PREPROCESS_SET_ECHO_SUPPRESS_ACTIVE):  # fmt: skip
                self._ctl(lib.speex_preprocess_ctl, self._pre, req, suppress_db)
        self._out = np.zeros(frame, np.int16)

    @staticmethod
    def _ctl(fn: Any, state: Any, request: int, value: int) -> None:
        v = ctypes.c_int(value)
        fn(state, request, ctypes.byref(v))

    def process(self, mic: Int16Array, reference: Int16Array) -> Int16Array:
        """The microphone with the echo removed, same length (int16). Both arrays hold the
        same number of samples, a multiple of ``frame``; ``reference[i]`` is what the speaker
        played that reaches the microphone at ``mic[i]`` or later (within ``filter_len``).
        Raises ValueError on other shapes."""
        if mic.shape != reference.shape or mic.shape[0] % self.frame:
            raise ValueError(f"mic {mic.shape} and reference {reference.shape}: same length, "
                             f"a multiple of {self.frame}")  # fmt: skip
        mic = np.ascontiguousarray(mic, np.int16)
        ref = np.ascontiguousarray(reference, np.int16)
        out = np.empty_like(mic)
        cancel, f = self._lib.speex_echo_cancellation, self.frame
        for i in range(0, mic.shape[0], f):
            cancel(self._echo, _i16(mic[i : i + f]), _i16(ref[i : i + f]), _i16(self._out))
            if self._pre is not None:
                self._lib.speex_preprocess_run(self._pre, _i16(self._out))
            out[i : i + self.frame] = self._out
        return out

    def reset(self) -> None:
        """Forget the echo path learned (a new device, a jump in the alignment)."""
        self._lib.speex_echo_state_reset(self._echo)

    def close(self) -> None:
        if self._pre is not None:
            self._lib.speex_preprocess_state_destroy(self._pre)
            self._pre = None
        if self._echo:
            self._lib.speex_echo_state_destroy(self._echo)
            self._echo = None

    def __del__(self) -> None:
        with suppress(Exception):  # interpreter shutdown: the library may be gone already
            self.close()
