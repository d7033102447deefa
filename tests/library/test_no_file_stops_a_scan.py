"""Whatever one file holds, the scan gets a result or a recorded failure for it, never an
exception: random WAV headers, rates, channel counts and sample values through the real
Analyser, and a file that takes longer than the per-file limit through the real Scanner."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

import numpy as np
import pytest

from library import Analysed, Analyser, AnalysisSettings, Failed, FileStat, Scanner, Store
from tests.conftest import copy_tracks

CASES = 40
FORMATS = ((1, 8), (1, 16), (1, 24), (1, 32), (3, 32), (3, 64))  # (WAV format tag, bits)


def _random_wav(rng: np.random.Generator) -> bytes:
    """A RIFF WAV whose header fields and samples are random, sometimes wildly so."""
    tag, bits = FORMATS[rng.integers(len(FORMATS))]
    rate = int(rng.choice([0, 1, 2, 7, 3999, 4000, 8000, 44100, 96000, 2**31 - 1,
                           int(rng.integers(1, 400_000))]))  # fmt: skip
    channels = int(rng.choice([0, 1, 2, 6, 64, 65, int(rng.integers(1, 300))]))
    frames = int(rng.integers(0, 3 * 48_000))
    width = bits // 8
    body = _samples(rng, tag, bits, frames * max(channels, 1))
    data_size = len(body) if rng.random() < 0.7 else int(rng.choice([0, 2**32 - 1, len(body) * 9]))
    block = max(channels, 1) * width
    fmt = struct.pack("<HHIIHH", tag, channels, rate, (rate * block) & 0xFFFFFFFF, block, bits)
    riff = struct.pack("<I", (36 + data_size) & 0xFFFFFFFF)
    head = b"RIFF" + riff + b"WAVEfmt " + struct.pack("<I", 16) + fmt
    return head + b"data" + struct.pack("<I", data_size) + body


def _samples(rng: np.random.Generator, tag: int, bits: int, count: int) -> bytes:
    if tag == 3:
        dtype = np.float32 if bits == 32 else np.float64
        values = rng.normal(0, rng.choice([1e-6, 0.3, 1e6]), count).astype(dtype)
        specials = np.array([np.nan, np.inf, -np.inf, 0.0], dtype=dtype)
        holes = rng.random(count) < rng.choice([0.0, 0.001, 0.5, 1.0])
        values[holes] = rng.choice(specials, int(holes.sum()))
        return values.tobytes()
    return rng.bytes(count * bits // 8)


def test_random_headers_and_samples_give_a_result_or_a_recorded_failure(tmp_path: Path) -> None:
    rng = np.random.default_rng(13)
    analyser = Analyser(AnalysisSettings(excerpts=2, excerpt_s=3.0))
    outcomes = {"analysed": 0, "failed": 0}
    for i in range(CASES):
        path = tmp_path / f"random {i}.wav"
        path.write_bytes(_random_wav(rng))
        st = path.stat()
        result = analyser.analyse(FileStat(str(path), st.st_size, st.st_mtime_ns))
        assert isinstance(result, Analysed | Failed), path
        if isinstance(result, Failed):
            assert result.stage in {"read", "tags", "probe", "decode", "analysis"}
            assert "could not handle this file" not in result.reason, (path, result.reason)
            outcomes["failed"] += 1
        else:
            assert np.isfinite([result.mood.valence, result.mood.energy]).all()
            outcomes["analysed"] += 1
    assert min(outcomes.values()) > 0, outcomes  # both kinds of outcome are exercised


def test_a_file_over_the_time_limit_is_recorded_and_the_scan_goes_on(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    copy_tracks(music, ["Awakening", "Coherence"])
    store = Store(tmp_path / "lib.db")
    try:
        # 1 ms: nothing is read, decoded and analysed that fast (a warm worker did 3 s in < 50 ms)
        settings = AnalysisSettings(excerpts=1, excerpt_s=3.0, file_timeout_s=0.001)
        summary = Scanner(store, settings, 2).scan([str(music)], ["ogg"])
    finally:
        store.close()
    assert summary.analysed == 0
    with sqlite3.connect(tmp_path / "lib.db") as con:
        rows = con.execute("SELECT stage, reason FROM scan_errors").fetchall()
    assert len(rows) == 2
    for stage, reason in rows:
        assert stage == "analysis"
        assert reason.startswith("reading this file took longer than 0 s"), reason


@pytest.mark.parametrize("raised", [ValueError("boom"), ZeroDivisionError("integer division")])
def test_any_exception_in_the_analysis_is_the_files_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, raised: Exception
) -> None:
    (path,) = copy_tracks(tmp_path, ["Awakening"])
    analyser = Analyser(AnalysisSettings(excerpts=1, excerpt_s=3.0))

    def explode(*_: object) -> None:
        raise raised

    monkeypatch.setattr(analyser, "_mood", explode)
    st = path.stat()
    result = analyser.analyse(FileStat(str(path), st.st_size, st.st_mtime_ns))
    assert isinstance(result, Failed)
    assert (result.stage, type(raised).__name__ in result.reason) == ("analysis", True)
