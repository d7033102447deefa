"""Short files are tracks and silent files are flagged (issue 13): a 0.8 s interlude is
listed, in its album and analysed from a loop of itself (low-confidence); digital silence and
near-silence are flagged; adaptive queues leave both out."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from library import AnalysisSettings, Scanner, Store, catalogue_rows
from moodplay._queue_cli import build_catalogue
from recommend import History, ListenerState, Planner, Point, Situation
from tests.library import oddfiles


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("short")
    music = folder / "music"
    music.mkdir()
    oddfiles.interlude(music)
    oddfiles.digital_silence(music)
    oddfiles.near_silence(music)
    for start in (0, 30, 90):
        oddfiles._cut(music / f"music {start}.ogg", start, 4, "-c:a", "libvorbis")
    path = folder / "lib.db"
    with Store(path) as store:
        Scanner(store, AnalysisSettings(excerpts=1, excerpt_s=3.0), 2).scan(
            [str(music)], ("ogg", "wav")
        )
    return path


def _rows(db: Path) -> dict[str, tuple[object, ...]]:
    with sqlite3.connect(db) as con:
        return {Path(r[0]).name: r[1:] for r in con.execute(
            "SELECT t.path, t.duration_s, a.low_confidence, a.silent, a.tempo_bpm, t.track_number "
            "FROM tracks t JOIN analysis a ON a.track_id = t.id")}  # fmt: skip


def test_a_short_interlude_is_a_low_confidence_track(db: Path) -> None:
    rows = _rows(db)
    duration, low, silent, tempo, track = rows["interlude.ogg"]
    reference = oddfiles.decoded_seconds(db.parent / "music" / "interlude.ogg")
    assert duration == pytest.approx(reference, rel=0.01)
    assert (low, silent, tempo, track) == (1, 0, None, 2)
    assert [r[1:3] for name, r in rows.items() if name.startswith("music")] == [(0, 0)] * 3
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT COUNT(*) FROM scan_errors").fetchone() == (0,)


def test_silence_and_near_silence_are_flagged(db: Path) -> None:
    rows = _rows(db)
    assert rows["silence.wav"][1:3] == (0, 1)
    assert rows["near silence.wav"][1:3] == (0, 1)


def test_adaptive_queues_leave_them_out(db: Path) -> None:
    with Store(db) as store:
        cat = build_catalogue(store)
        names = {r["id"]: r["title"] for r in catalogue_rows(store)}
    assert cat.size == 6  # all stay in the catalogue: albums and the user's queue play them
    pairs = zip(cat.track_ids, cat.adaptive, strict=True)
    left_out = {names[int(t)] for t, ok in pairs if not ok}
    assert left_out == {"Interlude", "silence", "near silence"}
    for target in (Point(0.9, 0.9), Point(0.1, 0.1), Point(0.5, 0.5)):
        state = ListenerState(Situation(1.7e9, "evening"), now=target, target=target)
        plan = Planner(cat).plan(state, History(), 6, seed=1)
        chosen = {names[e.track_id] for e in plan.entries}
        assert chosen and not chosen & left_out, target
