"""Tempo (BPM) from the onset strength of log-mel spectrograms, in numpy.

Onset strength is the mean positive spectral flux per 20 ms frame. Its autocorrelation, averaged
over a track's excerpts, is scored on a fine grid of beat periods by a comb of four multiples
(which gives sub-frame precision: a 20 ms frame alone would only resolve ~5 BPM at 120 BPM)
minus the comb at the half-way points (beats there mean the true tempo is faster),
weighted by a broad log-normal prior centred on 120 BPM to choose between metrical levels.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from mood._melspec import HOP, SAMPLE_RATE_HZ, Float32Array, Float64Array

FRAME_RATE = SAMPLE_RATE_HZ / HOP  # 50 frames per second
MIN_BPM = 40.0
MAX_BPM = 220.0
_COMB = 4
_PRIOR_CENTRE_BPM = 120.0
_PRIOR_OCTAVES = 1.0
_MIN_PEAK = 0.1  # normalised comb score below which there is no beat to speak of
_MIN_FLUX_STD_DB = 0.1  # a steady tone has (numerically) no onsets


def onset_strength(mel_db: Float32Array) -> Float64Array:
    flux = np.maximum(0.0, np.diff(mel_db.astype(np.float64), axis=1)).mean(axis=0)
    return np.asarray(flux - flux.mean(), dtype=np.float64)


def _autocorrelation(env: Float64Array, max_lag: int) -> Float64Array:
    n = env.shape[0]
    spec = np.fft.rfft(env, n=2 * n)
    acf = np.fft.irfft(spec.real**2 + spec.imag**2)[: max_lag + 1]
    acf /= np.arange(n, n - max_lag - 1, -1).clip(min=1)  # unbiased: lags see fewer pairs
    return acf / acf[0] if acf[0] > 0 else np.zeros_like(acf)


def _comb(acf: Float64Array, periods: Float64Array, offset: float) -> Float64Array:
    """Mean autocorrelation at (k - offset) * period for k = 1.._COMB, per period."""
    lags = periods[None, :] * (np.arange(1, _COMB + 1)[:, None] - offset)
    valid = lags < acf.shape[0] - 1
    values = np.where(valid, np.interp(lags, np.arange(acf.shape[0]), acf), 0.0)
    return np.asarray(values.sum(axis=0) / np.maximum(valid.sum(axis=0), 1), dtype=np.float64)


def estimate_tempo(mel_spectrograms: Sequence[Float32Array]) -> float | None:
    """BPM of the excerpts' shared beat, or None when they have no clear periodicity."""
    max_lag = int(np.ceil(_COMB * 60.0 / MIN_BPM * FRAME_RATE)) + 2
    acfs = []
    for mel in mel_spectrograms:
        env = onset_strength(mel)
        if env.shape[0] > 2 * 60.0 / MIN_BPM * FRAME_RATE and env.std() > _MIN_FLUX_STD_DB:
            acfs.append(_autocorrelation(env, min(max_lag, env.shape[0] - 1)))
    if not acfs:
        return None
    length = min(a.shape[0] for a in acfs)
    acf = np.mean([a[:length] for a in acfs], axis=0)
    periods = np.arange(60.0 / MAX_BPM * FRAME_RATE, 60.0 / MIN_BPM * FRAME_RATE, 0.02)
    comb = _comb(acf, periods, 0.0) - _comb(acf, periods, 0.5)
    bpm = 60.0 * FRAME_RATE / periods
    prior = np.exp(-0.5 * (np.log2(bpm / _PRIOR_CENTRE_BPM) / _PRIOR_OCTAVES) ** 2)
    best = int(np.argmax(comb * prior))
    return float(bpm[best]) if comb[best] > _MIN_PEAK else None
