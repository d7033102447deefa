"""Issue 12, item 9: the history is compacted. A fold of the events before a cut plus the events
after it gives the same aggregates (hence the same plans and reasons) as every event; a fold
folds again incrementally and is refused with other weights. (The stored blob:
tests/moodplay/test_history_fold.py.)"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from recommend import Feedback, History, ListenerState, Planner, Situation
from recommend._aggregates import Aggregates
from recommend._feedback import SignalWeights
from recommend._fold import fold_history
from tests.recommend.catalogues import random_catalogue
from tests.recommend.test_aggregates import NOW, PARTS, _history

ARRAYS = ("plays", "finished", "last", "artist_plays", "artist_finished", "artist_tracks",
          "artist_fond")  # fmt: skip
"""Compared as arrays; what is kept per part of day (codes in order of first use, so they
differ) is compared through ``read`` and ``prior_evidence`` by part name."""


def _with_bans(h: History, seed: int) -> History:
    rng = np.random.default_rng(seed)
    out = list(h.events)
    for k in rng.integers(0, max(1, len(out)), 6).tolist():
        at = out[k].at if out else NOW - 1000
        kind = "banned" if rng.random() < 0.7 else "unbanned"
        out.insert(k, Feedback(int(rng.integers(300)), kind, at, "evening"))
    return History(out)


def _in_time_order(h: History) -> History:
    """As the store gives them (ORDER BY at, id): the generator's times are not monotonic."""
    return History(sorted(h.events, key=lambda fb: fb.at))


def _split(h: History, cut: float) -> tuple[list[tuple[int, Feedback]], list[Feedback]]:
    """Events before the cut as (track id, event) — ids are index + 1 — and the rest."""
    old = [(fb.index + 1, fb) for fb in h.events if fb.at < cut]
    return old, [fb for fb in h.events if fb.at >= cut]


def _agree(a: Aggregates, b: Aggregates, cat_size: int) -> None:
    pool = np.arange(cat_size)
    for part in PARTS:
        got, want = a.read(pool, part, NOW), b.read(pool, part, NOW)
        for key in want:
            np.testing.assert_allclose(got[key], want[key], rtol=1e-9, atol=1e-9, err_msg=key)
        flat_a = [x for p, w in a.prior_evidence(part) for x in (p.valence, p.energy, w)]
        flat_b = [x for p, w in b.prior_evidence(part) for x in (p.valence, p.energy, w)]
        assert flat_a == pytest.approx(flat_b, rel=1e-9, abs=1e-9)
    rows_a, rows_b = a.slot[a.slot >= 0], b.slot[b.slot >= 0]
    assert sorted(np.flatnonzero(a.slot >= 0)) == sorted(np.flatnonzero(b.slot >= 0))
    for name in ARRAYS:
        x, y = getattr(a, name), getattr(b, name)
        if name.startswith("artist"):
            np.testing.assert_allclose(x, y, rtol=1e-9, atol=1e-9, err_msg=name)
        else:  # per track row: rows are numbered in a different order
            np.testing.assert_allclose(x[a.slot[a.slot >= 0]], y[b.slot[b.slot >= 0]],
                                       rtol=1e-9, atol=1e-9, err_msg=name)  # fmt: skip
    assert rows_a.size == rows_b.size
    assert a.banned == b.banned
    assert a.fond_total == pytest.approx(b.fond_total)


@settings(max_examples=25, deadline=None)
@given(events=st.integers(0, 400), seed=st.integers(0, 1000), at=st.floats(0.0, 1.0))
def test_a_fold_and_the_events_after_it_equal_every_event(events: int, seed: int,
                                                          at: float) -> None:  # fmt: skip
    cat = random_catalogue(300, 30, seed)
    cat = cat.__class__(**{**cat.__dict__, "track_ids": np.arange(1, 301, dtype=np.int64)})
    h, w = _in_time_order(_with_bans(_history(300, events, seed), seed)), SignalWeights()
    times = [fb.at for fb in h.events] or [NOW]
    cut = min(times) + at * (max(times) - min(times)) + 1e-3
    old, new = _split(h, cut)
    every = Aggregates(cat, w)
    every.ingest(h.events)
    folded = Aggregates(cat, w)
    folded.ingest_fold(fold_history(old, cut, w), cat)
    folded.ingest(new)
    _agree(folded, every, 300)


def test_folding_again_later_equals_one_fold() -> None:
    """The daemon folds a little more now and then: fold(fold(A), B) == fold(A + B)."""
    cat = random_catalogue(300, 30, 5)
    cat = cat.__class__(**{**cat.__dict__, "track_ids": np.arange(1, 301, dtype=np.int64)})
    h, w = _in_time_order(_with_bans(_history(300, 600, 5), 5)), SignalWeights()
    times = sorted(fb.at for fb in h.events)
    first, second = times[200] + 1e-3, times[450] + 1e-3
    a, _ = _split(h, first)
    ab, rest = _split(h, second)
    once = fold_history(ab, second, w)
    twice = fold_history([p for p in ab if p[1].at >= first], second, w,
                         previous=fold_history(a, first, w))  # fmt: skip
    one, two = Aggregates(cat, w), Aggregates(cat, w)
    one.ingest_fold(once, cat)
    two.ingest_fold(twice, cat)
    one.ingest(rest)
    two.ingest(rest)
    _agree(two, one, 300)


def test_a_plan_from_a_fold_is_the_plan_from_every_event() -> None:
    cat = random_catalogue(3_000, 300, 6)
    cat = cat.__class__(**{**cat.__dict__, "track_ids": np.arange(1, 3_001, dtype=np.int64)})
    h = _history(3_000, 3_000, 6)
    cut = sorted(fb.at for fb in h.events)[2_500] + 1e-3
    old, new = _split(h, cut)
    compact = History(new, fold=fold_history(old, cut, SignalWeights()))
    state = ListenerState(Situation(NOW, "evening"))
    a = Planner(cat).plan(state, h, 20, seed=4)
    b = Planner(cat).plan(state, compact, 20, seed=4)
    assert [e.index for e in a.entries] == [e.index for e in b.entries]
    assert [e.reason for e in a.entries] == [e.reason for e in b.entries]


def test_a_fold_is_refused_with_other_weights_or_after_events() -> None:
    cat = random_catalogue(50, 5, 7)
    cat = cat.__class__(**{**cat.__dict__, "track_ids": np.arange(1, 51, dtype=np.int64)})
    fold = fold_history([(1, Feedback(0, "played", NOW - 10, "evening", 240, 240))], NOW,
                        SignalWeights())  # fmt: skip
    with pytest.raises(ValueError, match="other signal weights"):
        Aggregates(cat, SignalWeights(finished=0.5)).ingest_fold(fold, cat)
    agg = Aggregates(cat, SignalWeights())
    agg.ingest([Feedback(3, "played", NOW, "evening", 240, 240)])
    with pytest.raises(ValueError, match="before every event"):
        agg.ingest_fold(fold, cat)
    with pytest.raises(ValueError, match="before the cut"):
        fold_history([(1, Feedback(0, "played", NOW, "evening"))], NOW, SignalWeights())


def test_tracks_gone_from_the_library_are_left_out_as_their_events_would_be() -> None:
    cat = random_catalogue(50, 5, 8)
    cat = cat.__class__(**{**cat.__dict__, "track_ids": np.arange(1, 51, dtype=np.int64)})
    events = [(999, Feedback(0, "played", NOW - 50, "evening", 240, 240)),
              (7, Feedback(0, "liked", NOW - 40, "evening"))]  # fmt: skip
    agg = Aggregates(cat, SignalWeights())
    agg.ingest_fold(fold_history(events, NOW, SignalWeights()), cat)
    assert agg.used == 1 and agg.slot[6] == 0 and agg.artist_fond.sum() == 2.0
