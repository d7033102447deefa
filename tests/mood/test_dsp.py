"""Loudness and tempo on signals with a known answer; the mel front end against librosa."""

from __future__ import annotations

import numpy as np
import pytest

from mood import estimate_tempo, integrated_loudness, log_mel
from mood._loudness import k_weighting_coefficients
from mood._melspec import hann, mel_filterbank


def _sine(freq: float, peak: float, seconds: float, sr: int, channels: int = 1) -> np.ndarray:
    t = np.arange(int(sr * seconds)) / sr
    mono = (peak * np.sin(2 * np.pi * freq * t)).astype(np.float32)
    return np.repeat(mono[:, None], channels, axis=1)


def test_k_weighting_at_48k_matches_bs1770_table() -> None:
    b1, a1, b2, a2 = k_weighting_coefficients(48000)
    np.testing.assert_allclose(b1, [1.53512485958697, -2.69169618940638, 1.19839281085285])
    np.testing.assert_allclose(a1, [1.0, -1.69065929318241, 0.73248077421585])
    np.testing.assert_allclose(b2, [1.0, -2.0, 1.0])
    np.testing.assert_allclose(a2, [1.0, -1.99004745483398, 0.99007225036621])


@pytest.mark.parametrize("sr", [44100, 48000])
def test_stereo_1khz_sine_at_minus_23_dbfs_is_minus_23_lufs(sr: int) -> None:
    # EBU Tech 3341 case 1: 997 Hz, -23 dBFS in both channels reads -23.0 LUFS.
    audio = _sine(997, 10 ** (-23 / 20), 20, sr, channels=2)
    assert integrated_loudness(audio, sr) == pytest.approx(-23.0, abs=0.1)


def test_mono_sine_is_3db_below_its_peak_level() -> None:
    audio = _sine(997, 0.1, 10, 48000)  # -20 dBFS peak, one channel
    assert integrated_loudness(audio, 48000) == pytest.approx(-23.01, abs=0.1)


def test_gating_ignores_silence_and_quiet_passages() -> None:
    sr = 48000
    loud = _sine(997, 10 ** (-23 / 20), 10, sr, channels=2)
    quiet = _sine(997, 10 ** (-60 / 20), 10, sr, channels=2)  # > 10 LU below: relative gate
    silence = np.zeros_like(loud)
    audio = np.concatenate([loud, silence, quiet, loud])
    assert integrated_loudness(audio, sr) == pytest.approx(-23.0, abs=0.2)
    assert integrated_loudness(silence, sr) is None


def test_k_weighting_lifts_highs_and_cuts_lows() -> None:
    sr = 48000
    level = {f: integrated_loudness(_sine(f, 0.1, 5, sr), sr) for f in (20, 997, 8000)}
    assert level[20] is not None and level[997] is not None and level[8000] is not None
    assert level[20] < level[997] - 10  # the 38 Hz high pass
    # The shelf adds ~4.0 dB at 8 kHz and already ~0.7 dB at 1 kHz (BS.1770 offsets that).
    assert level[8000] == pytest.approx(level[997] + 3.3, abs=0.2)


def _clicks(bpm: float, seconds: float = 15.0, sr: int = 16000) -> np.ndarray:
    y = np.zeros(int(sr * seconds), dtype=np.float32)
    rng = np.random.default_rng(int(bpm))
    decay = np.exp(-np.arange(400) / 80)
    for k in range(int(seconds * bpm / 60)):
        i = int(k * 60 / bpm * sr)
        n = min(400, y.shape[0] - i)
        y[i : i + n] += (rng.standard_normal(n) * decay[:n]).astype(np.float32)
    return y


@pytest.mark.parametrize("bpm", [60, 90, 128, 140, 174])
def test_click_track_tempo(bpm: float) -> None:
    mels = [log_mel(_clicks(bpm)) for _ in range(3)]
    tempo = estimate_tempo(mels)
    assert tempo is not None
    assert tempo == pytest.approx(bpm, rel=0.015)


def test_no_beat_gives_no_tempo() -> None:
    sr = 16000
    tone = np.sin(2 * np.pi * 440 * np.arange(sr * 15) / sr).astype(np.float32)
    assert estimate_tempo([log_mel(tone)]) is None
    assert estimate_tempo([log_mel(np.zeros(sr * 15, dtype=np.float32))]) is None


def test_mel_filterbank_and_window_match_librosa_and_scipy() -> None:
    librosa = pytest.importorskip("librosa")
    from scipy.signal import get_window

    ref = librosa.filters.mel(sr=16000, n_fft=1024, n_mels=128, fmin=0.0, fmax=8000.0)
    np.testing.assert_allclose(mel_filterbank(), ref, atol=1e-7)
    np.testing.assert_allclose(hann(640), get_window("hann", 640, fftbins=True), atol=1e-7)


def test_log_mel_matches_vibenet_extract_mel() -> None:
    pytest.importorskip("librosa")
    from vibenet.core import extract_mel

    rng = np.random.default_rng(0)
    y = (rng.standard_normal(16000 * 5) * 0.1).astype(np.float32)
    ours = log_mel(y)
    theirs = extract_mel(y, 16000)
    assert ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, atol=2e-3)
