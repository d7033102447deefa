"""The recommendation core: properties over random catalogues, learning, and edge cases."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from recommend import Feedback, History, ListenerState, Planner, Point, Settings, Situation
from tests.recommend.catalogues import random_catalogue

NIGHT = dt.datetime(2026, 11, 25, 23, 30).timestamp()
MORNING = dt.datetime(2026, 11, 25, 8, 0).timestamp()


def state(ts: float = NIGHT, part: str = "night", **kw: object) -> ListenerState:
    return ListenerState(Situation(ts, part), **kw)  # type: ignore[arg-type]


@settings(max_examples=40, deadline=None)
@given(n=st.integers(1, 300), artists=st.integers(1, 40), seed=st.integers(0, 10_000),
       length=st.integers(1, 25))  # fmt: skip
def test_queue_properties(n: int, artists: int, seed: int, length: int) -> None:
    cat = random_catalogue(n, artists, seed)
    history = History([Feedback(i % n, "played", NIGHT - 600 * (5 - i), "night") for i in range(5)])
    planner = Planner(cat)
    plan = planner.plan(state(), history, length, seed=seed)
    picks = [e.index for e in plan.entries]
    assert len(picks) == len(set(picks))  # no repeats inside the queue
    assert all(e.reason and math.isfinite(e.score) for e in plan.entries)
    assert all(math.isfinite(v) for e in plan.entries for v in e.parts.values())
    spacing = 3
    in_window = {fb.index for fb in history.events if fb.at > NIGHT - planner.repeat_window_s}
    heard = [fb.index for fb in history.events][-spacing:] + picks
    for i, pick in enumerate(picks):
        window = heard[i : i + spacing]  # the tracks just before this pick
        if cat.artist[pick] in cat.artist[window]:
            # an artist came back early: only allowed when no other artist was available
            others = set(np.unique(cat.artist)) - {int(cat.artist[j]) for j in window}
            free = [j for j in range(n) if int(cat.artist[j]) in others
                    and j not in picks[:i] and j not in in_window]  # fmt: skip
            assert not free
    if n > len(in_window) + length:
        assert not set(picks) & in_window  # nothing played inside the no-repeat window
    again = Planner(cat).plan(state(), history, length, seed=seed)
    assert [e.index for e in again.entries] == picks  # same seed, same queue


def test_the_clocks_target_is_reached_in_bounded_steps() -> None:
    """The iso principle for targets nobody asked for: from the voice mood, 0.15 at a time."""
    cat = random_catalogue(2000, 100, 1)
    plan = Planner(cat).plan(state(MORNING, "morning", now=Point(0.2, 0.1), now_confidence=0.7),
                             History(), 10, seed=1)  # fmt: skip
    steps = [a.distance(b) for a, b in zip([plan.start, *plan.path], plan.path, strict=False)]
    assert max(steps) <= 0.15 + 1e-6
    assert plan.path[-1].distance(plan.target) < 1e-9 and plan.path[0] != plan.target
    energies = [float(cat.energy[e.index]) for e in plan.entries]
    assert energies[-1] > energies[0] + 0.3
    assert "a bright morning" in " ".join(e.reason for e in plan.entries)


def test_learning_late_night_skips_lower_energy_only_at_night() -> None:
    cat = random_catalogue(400, 60, 2)
    planner = Planner(cat, Settings(no_repeat_hours=0))
    base_night = planner.plan(state(), History(), 20, seed=3)
    base_morning = planner.plan(state(MORNING, "morning"), History(), 20, seed=3)
    history = History()
    loud = [i for i in np.argsort(-cat.energy)[:60]]
    for day in range(1, 15):
        for k, i in enumerate(loud[:12]):
            at = NIGHT - day * 86_400 + 60 * k
            history.add(Feedback(int(i), "skipped", at, "night", position_s=8, duration_s=240))
    night = planner.plan(state(), history, 20, seed=3)
    morning = planner.plan(state(MORNING, "morning"), history, 20, seed=3)

    def mean_energy(plan: object) -> float:
        return float(np.mean([cat.energy[e.index] for e in plan.entries]))  # type: ignore[attr-defined]

    assert mean_energy(night) < mean_energy(base_night)
    assert abs(mean_energy(morning) - mean_energy(base_morning)) <= 0.05


def test_edge_cases_give_clear_results() -> None:
    empty = random_catalogue(0, 0)
    assert "library is empty" in Planner(empty).plan(state(), History(), 5, 0).message
    one = random_catalogue(1, 1)
    assert [e.index for e in Planner(one).plan(state(), History(), 5, 0).entries] == [0]
    single_artist = random_catalogue(30, 1)
    plan = Planner(single_artist).plan(state(), History(), 10, 0)
    assert len(plan.entries) == 10  # spacing cannot hold; the queue still fills
    banned = History([Feedback(i, "banned", NIGHT, "night") for i in range(30)])
    result = Planner(single_artist).plan(state(), banned, 10, 0)
    assert result.entries == [] and "banned" in result.message
    banned.add(Feedback(4, "unbanned", NIGHT, "night"))
    assert [e.index for e in Planner(single_artist).plan(state(), banned, 3, 0).entries] == [4]


def test_unreachable_target_is_clipped_and_said() -> None:
    cat = random_catalogue(200, 20, 4)
    dark = cat.__class__(**{**cat.__dict__, "valence": cat.valence * 0.3,
                            "energy": cat.energy * 0.3})  # fmt: skip
    plan = Planner(dark).plan(state(target=Point(0.9, 0.9), request="happy"), History(), 5, 0)
    assert plan.target.valence <= 0.3 and plan.target.energy <= 0.3
    assert "the library has nothing nearer to 'happy'" in plan.entries[0].reason


def test_keep_holds_the_current_and_next_track() -> None:
    cat = random_catalogue(500, 50, 5)
    planner = Planner(cat)
    first = planner.plan(state(), History(), 10, 0)
    keep = [first.entries[0].index, first.entries[1].index]
    replanned = planner.plan(state(target=Point(0.9, 0.9), request="upbeat"), History(), 10, 1,
                             keep=keep)  # fmt: skip
    assert [e.index for e in replanned.entries[:2]] == keep
    assert replanned.entries[0].reason.startswith("already playing")


def test_wind_down_fills_about_half_an_hour_and_falls() -> None:
    cat = random_catalogue(1000, 80, 6)
    plan = Planner(cat).plan(state(now=Point(0.6, 0.7), wind_down=True), History(), 20, 0)
    minutes = float(sum(cat.duration_s[e.index] for e in plan.entries)) / 60
    assert 20 <= minutes <= 45
    energies = [float(cat.energy[e.index]) for e in plan.entries]
    assert energies[-1] < 0.25 < energies[0]
