"""The streaming API: events in, queue out; current and next stay, the rest is re-planned."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from recommend import ListenerState, Planner, Point, Session, SessionEvent, Situation
from tests.recommend.catalogues import random_catalogue

T0 = dt.datetime(2026, 11, 25, 20, 0).timestamp()


@pytest.fixture
def session() -> Session:
    cat = random_catalogue(3000, 200, 3)
    return Session(Planner(cat), ListenerState(Situation(T0, "evening")), length=12, seed=1)


def test_a_request_replans_all_but_the_current_track(session: Session) -> None:
    before = session.queue
    plan = session.on(SessionEvent("request", T0 + 10, target=Point(0.9, 0.9), request="upbeat"))
    assert session.queue[:1] == before[:1]
    assert session.queue[1:] != before[1:]
    cat = session.planner.cat
    assert plan.path[1] == plan.target  # an explicit request: the next track is there
    assert cat.point(session.queue[1]).distance(plan.target) < 0.1
    assert plan.entries[1].reason.count("straight to the upbeat you asked for") == 1


def test_played_and_skipped_advance_the_queue(session: Session) -> None:
    first, second = session.queue[:2]
    session.on(SessionEvent("played", T0 + 200, index=first, position_s=200, duration_s=200))
    assert session.queue[0] == second
    session.on(SessionEvent("skipped", T0 + 210, index=second, position_s=8, duration_s=200))
    assert second not in session.queue and first not in session.queue
    assert len(session.queue) == 12


def test_ban_removes_the_track_and_it_never_returns(session: Session) -> None:
    current = session.queue[0]
    session.on(SessionEvent("banned", T0 + 5, index=current))
    assert current not in session.queue
    for k in range(30):
        track = session.queue[0]
        session.on(SessionEvent("played", T0 + 300 * (k + 1), index=track, position_s=300,
                                duration_s=300))  # fmt: skip
        assert current not in session.queue


def test_more_like_this_targets_the_current_tracks_mood(session: Session) -> None:
    current = session.queue[0]
    cat = session.planner.cat
    session.on(SessionEvent("more_like_this", T0 + 5, index=current))
    here = np.array([cat.valence[current], cat.energy[current]])
    later = [
        np.hypot(*(np.array([cat.valence[i], cat.energy[i]]) - here)) for i in session.queue[2:]
    ]
    assert float(np.mean(later)) < 0.15


def test_wind_down_and_previous_and_mood(session: Session) -> None:
    first = session.queue[0]
    session.on(SessionEvent("played", T0 + 200, index=first, position_s=200, duration_s=200))
    second = session.queue[0]
    session.on(SessionEvent("skipped", T0 + 230, index=second, position_s=20, duration_s=200))
    now_playing = session.queue[0]
    session.on(SessionEvent("previous", T0 + 240))
    assert session.queue[:2] == [second, now_playing]  # back one, then on as before
    session.on(SessionEvent("mood_changed", T0 + 220, mood=Point(0.2, 0.9), mood_confidence=0.6))
    assert session.state.now == Point(0.2, 0.9)
    plan = session.on(SessionEvent("wind_down", T0 + 230))
    cat = session.planner.cat
    assert cat.energy[plan.entries[-1].index] < 0.2
    with pytest.raises(ValueError, match="unknown session event"):
        session.on(SessionEvent("dance", T0))


def test_a_request_moves_on_from_the_track_now_playing(session: Session) -> None:
    """Nothing finished yet: the re-plan starts at the current (kept) track, never jumps."""
    current = session.queue[0]
    plan = session.on(SessionEvent("request", T0 + 10, target=Point(0.9, 0.9), request="upbeat"))
    assert plan.start == session.planner.cat.point(current)


def test_a_request_from_a_standstill_starts_at_the_request() -> None:
    """No voice mood and no recent track: the request is taken at its word (not the prior)."""
    cat = random_catalogue(3000, 200, 4)
    calm = Point(0.6, 0.2)
    state = ListenerState(Situation(T0, "morning"), target=calm, request="calm")
    plan = Session(Planner(cat), state, length=6, seed=1).plan
    assert plan.start.distance(calm) < 1e-9
    assert cat.point(plan.entries[0].index).distance(calm) < 0.1


def test_an_unreachable_target_keeps_the_axis_the_library_can_give() -> None:
    """A dark library asked for "calm" (bright and quiet) gets its quietest tracks."""
    cat = random_catalogue(400, 40, 5)
    dark = cat.__class__(**{**cat.__dict__, "valence": (cat.valence * 0.35).astype(np.float32)})
    state = ListenerState(Situation(T0, "evening"), target=Point(0.6, 0.2), request="calm")
    plan = Session(Planner(dark), state, length=6, seed=1).plan
    assert "nothing nearer" in plan.target_note
    assert plan.target.energy < 0.3 and plan.target.valence > float(np.median(dark.valence))


def test_a_replan_avoids_the_track_that_just_gave_way() -> None:
    """A small library: without ``avoid`` the track that gave way to a request could be
    planned first again (the request's nearest); with it, it is not planned at all."""
    cat = random_catalogue(5, 5, 21)
    for first in range(5):
        session = Session(Planner(cat), ListenerState(Situation(1.7e9, "evening")), length=4)
        plan = session.replan([], avoid=[first])
        assert first not in [e.index for e in plan.entries] and plan.entries
