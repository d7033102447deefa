"""Integrated loudness per ITU-R BS.1770-4, streamed, in numpy.

The K-weighting filter (a high shelf and a high pass) is applied in the frequency domain, per
100 ms segment: a segment's K-weighted mean square is the sum of its power spectrum times |H|^2
(Parseval). The filter's impulse response is a few milliseconds long, so treating each segment
as periodic costs well under 0.1 LU on music and lets one FFT per segment also serve the audio
fingerprint. 400 ms gating blocks with 75 % overlap are means of four consecutive segments.
Channels are summed with weight 1.0 (mono and stereo, which is what music libraries hold).
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import numpy.typing as npt

Float64Array = npt.NDArray[np.float64]
FloatArray = npt.NDArray[np.float32] | npt.NDArray[np.float64]

SEGMENT_S = 0.1
BLOCK_SEGMENTS = 4  # 400 ms gating block, hop of one segment (75 % overlap)
ABSOLUTE_GATE_LUFS = -70.0
RELATIVE_GATE_LU = -10.0
_OFFSET_DB = -0.691


def k_weighting_coefficients(
    sr: int,
) -> tuple[Float64Array, Float64Array, Float64Array, Float64Array]:
    """(b_shelf, a_shelf, b_highpass, a_highpass) for sample rate ``sr`` (as libebur128).

    At 48 kHz these equal the coefficients tabulated in BS.1770-4.
    """
    k = math.tan(math.pi * 1681.974450955533 / sr)
    q = 0.7071752369554196
    vh = 10.0 ** (3.999843853973347 / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b_shelf = (
        np.array([(vh + vb * k / q + k * k), 2.0 * (k * k - vh), (vh - vb * k / q + k * k)]) / a0
    )
    a_shelf = np.array([a0, 2.0 * (k * k - 1.0), 1.0 - k / q + k * k]) / a0
    k = math.tan(math.pi * 38.13547087602444 / sr)
    q = 0.5003270373238773
    a0 = 1.0 + k / q + k * k
    b_hp = np.array([1.0, -2.0, 1.0])
    a_hp = np.array([a0, 2.0 * (k * k - 1.0), 1.0 - k / q + k * k]) / a0
    return b_shelf, a_shelf, b_hp, a_hp


def _response(b: Float64Array, a: Float64Array, omega: Float64Array) -> npt.NDArray[np.complex128]:
    z = np.exp(-1j * omega)
    response = (b[0] + b[1] * z + b[2] * z * z) / (a[0] + a[1] * z + a[2] * z * z)
    return np.asarray(response, dtype=np.complex128)


@lru_cache(maxsize=8)
def segment_weights(segment_len: int, sr: int) -> Float64Array:
    """Per-rfft-bin weights turning |X_k|^2 of one segment into its K-weighted mean square."""
    omega = 2 * np.pi * np.arange(segment_len // 2 + 1) / segment_len
    b1, a1, b2, a2 = k_weighting_coefficients(sr)
    gain = np.abs(_response(b1, a1, omega) * _response(b2, a2, omega)) ** 2
    one_sided = np.full(omega.shape, 2.0)
    one_sided[0] = 1.0
    if segment_len % 2 == 0:
        one_sided[-1] = 1.0
    return np.asarray(gain * one_sided / float(segment_len) ** 2, dtype=np.float64)


def segment_length(sr: int) -> int:
    return round(sr * SEGMENT_S)


class LoudnessMeter:
    """Accumulates per-segment power spectra; ``integrated_lufs()`` applies BS.1770 gating."""

    def __init__(self, sr: int) -> None:
        self._weights = segment_weights(segment_length(sr), sr)
        self._powers: list[Float64Array] = []

    def add_power_spectra(self, power: FloatArray) -> None:
        """``power``: (segments, bins) |rfft|^2 of one contiguous run of 100 ms segments,
        summed over channels (every channel has weight 1.0, so summing first is exact).
        Gating blocks never span two runs, so excerpts of a track can be added one by one."""
        self._powers.append(np.asarray(power @ self._weights, dtype=np.float64))

    def integrated_lufs(self) -> float | None:
        """Gated integrated loudness, or None when no block passes the absolute gate."""
        kernel = np.ones(BLOCK_SEGMENTS) / BLOCK_SEGMENTS
        runs = [
            np.convolve(p, kernel, mode="valid") for p in self._powers if p.size >= BLOCK_SEGMENTS
        ]
        if not runs:
            return None
        blocks = np.concatenate(runs)
        with np.errstate(divide="ignore"):
            loud = _OFFSET_DB + 10.0 * np.log10(blocks)
        blocks = blocks[loud > ABSOLUTE_GATE_LUFS]
        if blocks.size == 0:
            return None
        relative_gate = _OFFSET_DB + 10.0 * math.log10(blocks.mean()) + RELATIVE_GATE_LU
        with np.errstate(divide="ignore"):
            kept = blocks[_OFFSET_DB + 10.0 * np.log10(blocks) > relative_gate]
        return _OFFSET_DB + 10.0 * math.log10(kept.mean())


def segment_power_spectra(audio: npt.NDArray[np.float32], sr: int) -> FloatArray:
    """(segments, bins) power spectra of whole 100 ms segments of (frames, channels) audio,
    summed over channels. float32 halves the FFT's cost; the sums stay far above its epsilon."""
    n = segment_length(sr)
    whole = audio.shape[0] // n
    segs = audio[: whole * n].reshape(whole, n, audio.shape[1]).transpose(0, 2, 1)
    spec = np.fft.rfft(segs, axis=-1)
    return np.asarray((spec.real**2 + spec.imag**2).sum(axis=1), dtype=np.float32)


def integrated_loudness(audio: npt.NDArray[np.float32], sr: int) -> float | None:
    """Integrated loudness (LUFS) of a whole (frames, channels) signal."""
    meter = LoudnessMeter(sr)
    meter.add_power_spectra(segment_power_spectra(audio, sr))
    return meter.integrated_lufs()
