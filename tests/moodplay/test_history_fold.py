"""Issue 12, item 9: the history is compacted in the store. Start-up reads a stored fold of the
events older than 60 days and the events after it; plans equal plans from every event; the fold
is made once, brought up to date weekly, dropped when an event it holds is forgotten, and made
again when it cannot be read or was made with other weights."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from library import Event, Store, forget_events, load_events, load_fold, record_event, save_fold
from moodplay._history_fold import (
    FOLD_AFTER_S,
    REFOLD_S,
    build_history,
    fold_from_bytes,
    fold_to_bytes,
)
from moodplay._queue_cli import build_catalogue
from recommend import KINDS, Feedback, History, ListenerState, Planner, SignalWeights, Situation

DAY_S = 86_400.0
NOW = 1_795_600_000.0
PARTS = ("night", "morning", "afternoon", "evening")


def _db(scanned_db: Path, tmp_path: Path, events: int = 3_000, days: float = 200) -> Path:
    db = Path(shutil.copy(scanned_db, tmp_path / "lib.db"))
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM tracks ORDER BY id")]
    rng = np.random.default_rng(4)
    kinds = ["played"] * 5 + ["skipped"] * 3 + ["liked", "disliked", "banned", "unbanned"]
    with Store(db) as store:
        for at in np.sort(rng.uniform(NOW - days * DAY_S, NOW, events)).tolist():
            kind = kinds[int(rng.integers(len(kinds)))]
            record_event(store, Event(ids[int(rng.integers(len(ids)))], kind, at,
                                      PARTS[int(at // 21_600) % 4],
                                      float(rng.uniform(0, 200)), 200.0))  # fmt: skip
    return db


def _every_event(store: Store, cat_ids: list[int]) -> History:
    index = {t: i for i, t in enumerate(cat_ids)}
    return History([Feedback(index[e.track_id], e.kind, e.at, e.part_of_day, e.position_s,
                             e.duration_s)
                    for e in load_events(store) if e.kind in KINDS])  # fmt: skip


def _same_plans(store: Store, history: History, now: float) -> None:
    cat = build_catalogue(store)
    every = _every_event(store, [int(t) for t in cat.track_ids])
    for part in PARTS:
        state = ListenerState(Situation(now, part))
        a = Planner(cat).plan(state, every, 8, seed=3)
        b = Planner(cat).plan(state, history, 8, seed=3)
        assert [(e.index, e.reason) for e in a.entries] == [(e.index, e.reason) for e in b.entries]
        assert [e.score for e in a.entries] == pytest.approx([e.score for e in b.entries])


def test_start_up_reads_the_fold_and_two_months_of_events(scanned_db: Path,
                                                          tmp_path: Path) -> None:  # fmt: skip
    db = _db(scanned_db, tmp_path)
    with Store(db) as store:
        cat = build_catalogue(store)
        history = build_history(store, cat, now=NOW)
        assert history.fold is not None and history.fold.cut == NOW - FOLD_AFTER_S
        assert load_fold(store) is not None
        assert history.events and min(fb.at for fb in history.events) >= NOW - FOLD_AFTER_S
        assert len(history.events) < 0.4 * len(load_events(store))  # 60 of 200 days
        _same_plans(store, history, NOW)


def test_the_fold_is_kept_for_a_week_then_brought_up_to_date(scanned_db: Path,
                                                             tmp_path: Path) -> None:  # fmt: skip
    db = _db(scanned_db, tmp_path)
    with Store(db) as store:
        cat = build_catalogue(store)
        first = build_history(store, cat, now=NOW).fold
        assert first is not None
        soon = build_history(store, cat, now=NOW + REFOLD_S - DAY_S)
        assert soon.fold is not None and soon.fold.cut == first.cut  # read back, not made
        later = NOW + REFOLD_S + DAY_S
        moved = build_history(store, cat, now=later)
        assert moved.fold is not None and moved.fold.cut == later - FOLD_AFTER_S
        _same_plans(store, moved, later)


def test_forgetting_events_the_fold_holds_drops_it(scanned_db: Path, tmp_path: Path) -> None:
    db = _db(scanned_db, tmp_path)
    with Store(db) as store:
        cat = build_catalogue(store)
        build_history(store, cat, now=NOW)
        forget_events(store, since=NOW - 10 * DAY_S)  # after the cut: the fold stays
        assert load_fold(store) is not None
        forget_events(store, since=NOW - 100 * DAY_S)  # inside it: gone
        assert load_fold(store) is None
        history = build_history(store, cat, now=NOW)
        _same_plans(store, history, NOW)
        forget_events(store)
        assert load_fold(store) is None
        assert build_history(store, cat, now=NOW).fold is None


def test_an_unreadable_fold_or_other_weights_fold_again(scanned_db: Path, tmp_path: Path,
                                                        caplog: pytest.LogCaptureFixture,
                                                        ) -> None:  # fmt: skip
    db = _db(scanned_db, tmp_path)
    with Store(db) as store:
        cat = build_catalogue(store)
        good = build_history(store, cat, now=NOW).fold
        assert good is not None
        back = fold_from_bytes(fold_to_bytes(good))
        assert back.cut == good.cut and back.parts == good.parts and back.key == good.key
        np.testing.assert_array_equal(back.acc, good.acc)
        save_fold(store, good.cut, b"garbage")
        with caplog.at_level(logging.WARNING):
            again = build_history(store, cat, now=NOW)
        assert "history fold unreadable" in caplog.text
        assert again.fold is not None
        _same_plans(store, again, NOW)
        other = build_history(store, cat, now=NOW, weights=SignalWeights(finished=0.5)).fold
        assert other is not None and other.key != good.key


def test_a_short_history_has_no_fold(scanned_db: Path, tmp_path: Path) -> None:
    db = _db(scanned_db, tmp_path, events=200, days=30)
    with Store(db) as store:
        history = build_history(store, build_catalogue(store), now=NOW)
        assert history.fold is None and len(history.events) == 200
        assert load_fold(store) is None
