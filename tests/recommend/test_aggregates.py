"""Issue 12, item 9: the history is read through running aggregates, equal to walking the events,
and a re-plan never touches the old events."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommend import Feedback, History, ListenerState, Planner, Situation
from recommend._aggregates import Aggregates
from recommend._feedback import SignalWeights, summarise
from recommend._path import PART_OF_DAY_PRIORS, learned_prior
from tests.recommend.catalogues import random_catalogue

NOW = 1_795_600_000.0
PARTS = ("night", "morning", "afternoon", "evening")
KINDS = ("played", "skipped", "skipped", "liked", "disliked", "more_like_this")


def _history(n: int, events: int, seed: int) -> History:
    rng = np.random.default_rng(seed)
    h = History()
    for k in range(events):
        at = NOW - (events - k) * float(rng.uniform(60, 30_000))
        h.add(Feedback(int(rng.integers(n)), KINDS[int(rng.integers(len(KINDS)))], at,
                       PARTS[int(rng.integers(4))], float(rng.uniform(0, 300)), 240.0))  # fmt: skip
    return h


@settings(max_examples=25, deadline=None)
@given(events=st.integers(0, 400), seed=st.integers(0, 1000), part=st.sampled_from(PARTS))
def test_aggregates_equal_the_event_walk(events: int, seed: int, part: str) -> None:
    cat = random_catalogue(300, 30, seed)
    h, w = _history(300, events, seed), SignalWeights()
    agg = Aggregates(cat, w)
    for k in range(0, events + 1, 97):  # ingested in pieces, as events arrive
        agg.ingest(h.events[:k])
    agg.ingest(h.events)
    ev = summarise(h, cat, part, NOW, w)
    pool = np.arange(300)
    got = agg.read(pool, part, NOW)
    rows = ev.rows(pool)
    np.testing.assert_allclose(got["value"], ev.track[rows], atol=1e-9)
    np.testing.assert_array_equal(got["plays"], ev.plays[rows])
    np.testing.assert_array_equal(got["finished"], ev.finished[rows])
    np.testing.assert_allclose(got["ctx_finished"], ev.context_finished[rows], atol=1e-9)
    np.testing.assert_allclose(got["ctx_skips"], ev.context_skips[rows], atol=1e-9)
    np.testing.assert_allclose(got["artist"], ev.artist[cat.artist], atol=1e-9)
    np.testing.assert_array_equal(agg.artist_plays, ev.artist_plays[: agg.artist_plays.shape[0]])


def test_the_folded_prior_equals_the_prior_over_every_event() -> None:
    cat = random_catalogue(300, 30, 1)
    h = _history(300, 500, 1)
    planner = Planner(cat)
    for part in PARTS:
        every = []
        for fb in h.events:  # the walk the planner did before the aggregates
            if fb.part_of_day == part and fb.kind in ("played", "skipped"):
                from recommend._feedback import signal

                value = signal(fb, planner.s.weights)[0]
                weight = 1.0 if value > 0 else (-0.5 if value <= -0.4 else 0.0)
                if weight:
                    every.append((cat.point(fb.index), weight))
        folded = planner._prior_evidence(h, part)
        want = learned_prior(PART_OF_DAY_PRIORS[part], every)
        got = learned_prior(PART_OF_DAY_PRIORS[part], folded)
        assert abs(want.valence - got.valence) < 1e-9 and abs(want.energy - got.energy) < 1e-9


class _Gone:
    """An old event that must not be read again: any attribute but its time raises."""

    def __init__(self, at: float) -> None:
        object.__setattr__(self, "_at", at)

    def __getattr__(self, name: str) -> object:
        if name == "at":
            return object.__getattribute__(self, "_at")
        raise AssertionError(f"a re-plan read .{name} of an old event")


def test_a_replan_reads_no_old_event() -> None:
    """20,000 events; after the first plan every event but the last ten is replaced by one that
    raises when read. Re-plans (with and without a request) and new feedback still work."""
    cat = random_catalogue(5_000, 500, 2)
    h = _history(5_000, 20_000, 2)
    planner = Planner(cat)
    planner.plan(ListenerState(Situation(NOW, "evening")), h, 20, seed=0)
    h.events[:-10] = [_Gone(fb.at) for fb in h.events[:-10]]  # type: ignore[misc]
    h.add(Feedback(7, "played", NOW + 10, "evening", 240, 240))
    plan = planner.plan(ListenerState(Situation(NOW + 20, "evening")), h, 20, seed=1)
    assert len(plan.entries) == 20
