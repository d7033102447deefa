"""The track model against vibenet's own pipeline, on the real corpus."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from mood import LABELS, TrackAttributeModel, log_mel, plan_excerpts, to_model_rate

PARITY_TRACKS = ("A New Journey", "Orbital Elevator", "Coherence", "Chimes They Fade")


@pytest.fixture(scope="module")
def model() -> TrackAttributeModel:
    return TrackAttributeModel()


@pytest.fixture(scope="module")
def vibenet_model():  # type: ignore[no-untyped-def]
    pytest.importorskip("librosa", reason="the parity tests need vibenet's own dependencies")
    import vibenet

    return vibenet.load_model()


def _excerpt(path: Path, start_s: float, seconds: float) -> tuple[np.ndarray, int]:
    info = sf.info(str(path))
    audio, sr = sf.read(
        str(path), start=int(start_s * info.samplerate), frames=int(seconds * info.samplerate),
        dtype="float32", always_2d=True,
    )  # fmt: skip
    return audio.mean(axis=1), sr


def test_same_excerpt_matches_vibenet_within_002(
    corpus: list[Path], model: TrackAttributeModel, vibenet_model: object
) -> None:
    for path in (p for p in corpus if p.stem in PARITY_TRACKS):
        mono, sr = _excerpt(path, 30.0, 15.0)
        ours = model.predict([log_mel(to_model_rate(mono, sr))])
        theirs = vibenet_model.predict(mono, sr=sr)[0].to_dict()  # type: ignore[attr-defined]
        for label in LABELS:
            assert ours[label] == pytest.approx(theirs[label], abs=0.02), (path.stem, label)


def _spearman(a: list[float], b: list[float]) -> float:
    ra, rb = np.argsort(np.argsort(a)), np.argsort(np.argsort(b))
    return float(np.corrcoef(ra, rb)[0, 1])


def test_excerpt_summary_ranks_tracks_like_vibenet_whole_track(
    corpus: list[Path], scanned_db: Path, vibenet_model: object
) -> None:
    with sqlite3.connect(scanned_db) as db:
        rows = db.execute(
            "SELECT t.path, a.valence, a.energy FROM tracks t JOIN analysis a ON a.track_id = t.id"
        ).fetchall()
    ours = {path: (v, e) for path, v, e in rows}
    assert len(ours) == len(corpus)
    whole = {str(p): vibenet_model.predict(str(p))[0] for p in corpus}  # type: ignore[attr-defined]
    keys = sorted(ours)
    for i, attr in enumerate(("valence", "energy")):
        mine = [ours[k][i] for k in keys]
        ref = [getattr(whole[k], attr) for k in keys]
        assert _spearman(mine, ref) >= 0.9, attr
        assert float(np.mean(np.abs(np.subtract(mine, ref)))) <= 0.05, attr
        assert float(np.std(mine)) > 0.05, f"{attr} has no real spread: {mine}"
        assert max(mine) - min(mine) > 0.3, attr


def test_excerpt_plan_covers_short_tracks_whole_and_spreads_long_ones() -> None:
    short = plan_excerpts(40.0, 6, 15.0)
    assert short.starts_s == (0.0, 15.0, 30.0)
    long = plan_excerpts(600.0, 6, 15.0)
    assert len(long.starts_s) == 6
    assert long.starts_s[0] == pytest.approx(50 - 7.5)
    assert long.starts_s[-1] + long.length_s <= 600.0


def test_predict_rejects_excerpts_that_are_too_short(model: TrackAttributeModel) -> None:
    with pytest.raises(ValueError, match="at least 1 s"):
        model.predict([log_mel(np.zeros(8000, dtype=np.float32))])
