"""Log-mel spectrogram exactly as vibenet feeds its EfficientNet, in numpy alone.

vibenet computes it with scipy and librosa's filterbank; a Raspberry Pi install should need
neither (librosa pulls numba/llvmlite), so the Slaney mel filterbank is rebuilt here. A parity
test compares both on real tracks.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import numpy.typing as npt

SAMPLE_RATE_HZ = 16_000
N_FFT = 1024
HOP = 320  # 20 ms
WIN = 640
N_MELS = 128
FMAX_HZ = 8000.0
TOP_DB = 80.0

Float32Array = npt.NDArray[np.float32]
Float64Array = npt.NDArray[np.float64]

_F_SP = 200.0 / 3  # Slaney: linear below 1 kHz, 3 mel per 200 Hz
_MIN_LOG_HZ = 1000.0
_MIN_LOG_MEL = _MIN_LOG_HZ / _F_SP
_LOGSTEP = np.log(6.4) / 27.0


def hz_to_mel(hz: Float64Array) -> Float64Array:
    log_part = _MIN_LOG_MEL + np.log(np.maximum(hz, 1e-10) / _MIN_LOG_HZ) / _LOGSTEP
    return np.where(hz >= _MIN_LOG_HZ, log_part, hz / _F_SP)


def mel_to_hz(mel: Float64Array) -> Float64Array:
    log_part = _MIN_LOG_HZ * np.exp(_LOGSTEP * (mel - _MIN_LOG_MEL))
    return np.where(mel >= _MIN_LOG_MEL, log_part, mel * _F_SP)


@lru_cache(maxsize=4)
def mel_filterbank(
    sr: int = SAMPLE_RATE_HZ, n_fft: int = N_FFT, n_mels: int = N_MELS, fmax: float = FMAX_HZ
) -> Float32Array:
    """Slaney-style, area-normalised triangles: librosa.filters.mel's defaults."""
    fft_hz = np.linspace(0.0, sr / 2, 1 + n_fft // 2)
    edges = mel_to_hz(np.linspace(0.0, float(hz_to_mel(np.array(fmax))), n_mels + 2))
    widths = np.diff(edges)
    ramps = edges[:, None] - fft_hz[None, :]
    lower = -ramps[:-2] / widths[:-1, None]
    upper = ramps[2:] / widths[1:, None]
    weights = np.maximum(0.0, np.minimum(lower, upper))
    weights *= (2.0 / (edges[2:] - edges[:-2]))[:, None]
    return weights.astype(np.float32)


@lru_cache(maxsize=4)
def hann(length: int) -> Float32Array:
    """Periodic Hann window (scipy.signal.get_window('hann', n, fftbins=True))."""
    n = np.arange(length)
    return (0.5 - 0.5 * np.cos(2 * np.pi * n / length)).astype(np.float32)


def log_mel(y: Float32Array) -> Float32Array:
    """(N_MELS, frames) log-power mel spectrogram in dB of 16 kHz mono ``y``, no centring."""
    if y.ndim != 1:
        raise ValueError(f"log_mel wants mono audio, got shape {y.shape}")
    if y.shape[0] < WIN:
        y = np.pad(y, (0, WIN - y.shape[0]))
    frames = np.lib.stride_tricks.sliding_window_view(y, WIN)[::HOP] * hann(WIN)[None, :]
    spec = np.fft.rfft(frames, n=N_FFT, axis=-1)
    power = (spec.real**2 + spec.imag**2).astype(np.float32)
    mel = (mel_filterbank() @ power.T).astype(np.float32)
    db = 10.0 * np.log10(np.maximum(mel, 1e-10))
    return np.asarray(np.maximum(db, db.max() - TOP_DB), dtype=np.float32)
