"""Requests over days (issue 12, items 4-7): listening sessions, expiry, meaning, and how fast
an explicit request is reached."""

from __future__ import annotations

import datetime as dt

import numpy as np

from recommend import (
    SESSION_GAP_S,
    Catalogue,
    History,
    ListenerState,
    Planner,
    Point,
    Session,
    SessionEvent,
    Situation,
    mood_request,
)
from tests.recommend.catalogues import random_catalogue

EVENING = dt.datetime(2026, 11, 25, 19, 0).timestamp()
NEXT_DAY = dt.datetime(2026, 11, 26, 10, 0).timestamp()
CALM, ENERGETIC = Point(0.60, 0.20), Point(0.65, 0.90)


def energies(cat: Catalogue, indices: list[int]) -> list[float]:
    return [round(float(cat.energy[i]), 2) for i in indices]


def energetic_evening(seed: int = 7) -> Session:
    """An evening of energetic music: asked for, then eight tracks played to the end."""
    cat = random_catalogue(4000, 300, seed)
    session = Session(Planner(cat), ListenerState(Situation(EVENING, "evening")), length=10)
    session.on(SessionEvent("request", EVENING, target=ENERGETIC, request="energetic"))
    at = EVENING
    for _ in range(8):
        at += 240
        track = session.queue[0]
        session.on(SessionEvent("played", at, track, 240.0, 240.0))
    return session


def test_calm_the_next_day_starts_calm_not_where_yesterday_ended() -> None:
    session = energetic_evening()
    cat = session.planner.cat
    assert np.mean(energies(cat, session.played[-3:])) > 0.75  # the evening ended energetic
    plan = session.on(SessionEvent("request", NEXT_DAY, target=CALM, request="calm"))
    assert plan.start == plan.target  # nothing said where the listener is: taken as said
    assert max(energies(cat, session.queue[1:5])) < 0.3


def test_after_a_gap_the_voice_mood_says_where_the_listener_is() -> None:
    session = energetic_evening()
    mood = Point(0.3, 0.35)
    session.on(SessionEvent("mood_changed", NEXT_DAY, mood=mood, mood_confidence=0.7))
    plan = session.on(SessionEvent("request", NEXT_DAY + 5, target=CALM, request="calm"))
    assert plan.start == mood


def test_within_a_session_the_request_moves_on_from_the_last_track() -> None:
    """The gap is what matters: ten minutes later the last track still says where they are."""
    session = energetic_evening()
    cat = session.planner.cat
    last = cat.point(session.played[-1])
    plan = session.on(SessionEvent("request", EVENING + 8 * 240 + 600, target=CALM,
                                   request="calm"))  # fmt: skip
    assert plan.start == last


def test_a_request_expires_at_the_end_of_its_listening_session() -> None:
    session = energetic_evening()
    later = EVENING + 8 * 240 + SESSION_GAP_S + 60
    plan = session.on(SessionEvent("context_changed", later,
                                   situation=Situation(later, "night")))  # fmt: skip
    assert session.state.request is None and session.state.target is None
    assert not [e.reason for e in plan.entries[2:] if "energetic" in e.reason]
    assert any("a calm night" in e.reason for e in plan.entries[2:])  # kept: current, next


def test_a_replaced_request_is_named_no_more() -> None:
    session = energetic_evening()
    at = EVENING + 8 * 240 + 60
    plan = session.on(SessionEvent("request", at, target=CALM, request="calm"))
    reasons = [e.reason for e in plan.entries[1:]]
    assert not [r for r in reasons if "energetic" in r]
    assert any("calm you asked for" in r for r in reasons)


def test_a_request_mid_session_is_reached_by_the_next_track() -> None:
    """Only the track playing stays; the next one is the first re-planned and is there."""
    cat = random_catalogue(4000, 300, 11)
    session = Session(Planner(cat), ListenerState(Situation(EVENING, "evening")), length=10)
    session.on(SessionEvent("request", EVENING, target=CALM, request="calm"))
    for k in range(3):
        session.on(SessionEvent("played", EVENING + 240 * (k + 1), session.queue[0], 240, 240))
    plan = session.on(SessionEvent("request", EVENING + 800, target=ENERGETIC,
                                   request="energetic"))  # fmt: skip
    assert plan.start.distance(ENERGETIC) > 0.5
    assert plan.path[1] == plan.target
    assert min(energies(cat, session.queue[1:6])) > 0.8  # the issue: half way, then 0.15 a step
    assert plan.entries[1].reason.count("straight to the energetic you asked for") == 1


def test_a_large_jump_from_a_known_mood_takes_two_tracks_and_says_so() -> None:
    cat = random_catalogue(4000, 300, 12)
    session = Session(Planner(cat), ListenerState(Situation(EVENING, "evening")), length=10)
    tired = Point(0.4, 0.15)
    session.on(SessionEvent("mood_changed", EVENING, mood=tired, mood_confidence=0.8))
    plan = session.on(SessionEvent("request", EVENING + 5, target=ENERGETIC,
                                   request="energetic"))  # fmt: skip
    middle = Point((tired.valence + ENERGETIC.valence) / 2, (tired.energy + ENERGETIC.energy) / 2)
    assert plan.path[1] == middle and plan.path[2] == plan.target
    assert cat.point(session.queue[1]).distance(middle) < 0.1
    assert cat.point(session.queue[2]).distance(ENERGETIC) < 0.1
    assert "half way from your mood to the energetic you asked for" in plan.entries[1].reason


def test_the_voice_mood_target_still_eases_in() -> None:
    """Targets that nobody asked for (the voice, the clock) keep the iso principle."""
    cat = random_catalogue(4000, 300, 13)
    session = Session(Planner(cat), ListenerState(Situation(EVENING, "morning")), length=10)
    session.on(SessionEvent("mood_changed", EVENING, mood=Point(0.3, 0.1), mood_confidence=0.8))
    plan = session.plan
    steps = [a.distance(b) for a, b in zip(plan.path[2:], plan.path[3:], strict=False)]
    assert 0 < max(steps) <= 0.15 + 1e-9 and plan.path[2] != plan.target


def dark(cat: Catalogue) -> Catalogue:
    return cat.__class__(**{**cat.__dict__, "valence": (cat.valence * 0.35).astype(np.float32)})


def test_calm_on_a_dark_library_starts_with_its_quietest_tracks() -> None:
    lib = dark(random_catalogue(400, 40, 5))
    state = mood_request("calm", CALM).apply(ListenerState(Situation(EVENING, "evening")))
    plan = Planner(lib).plan(state, History(), 6, seed=1)
    quiet = float(np.quantile(lib.energy, 0.25))
    assert max(energies(lib, [e.index for e in plan.entries])) <= quiet
    assert "nothing nearer to 'calm'" in plan.entries[0].reason


def test_mood_words_have_a_main_axis_and_preferences() -> None:
    assert mood_request("calm", CALM).axis == "energy"
    assert mood_request("relaxing", Point(0.65, 0.15)).axis == "energy"
    assert mood_request("happy", Point(0.85, 0.65)).axis == "valence"
    assert mood_request("sad", Point(0.20, 0.25)).axis == "valence"
    assert mood_request("gloomy", Point(0.1, 0.4)).axis == "valence"  # not listed: its target
    assert mood_request("focused", Point(0.5, 0.4)).prefer_instrumental
    assert not mood_request("calm", CALM).prefer_instrumental


def test_focused_through_the_session_prefers_instrumental_tracks() -> None:
    """The daemon's path (a request event) applies the same preferences as the CLI."""
    cat = random_catalogue(3000, 200, 14)
    session = Session(Planner(cat), ListenerState(Situation(EVENING, "evening")), length=12)
    plan = session.on(SessionEvent("request", EVENING + 1, target=Point(0.5, 0.4),
                                   request="focused"))  # fmt: skip
    assert session.state.prefer_instrumental and session.state.axis == "energy"
    new = [e.index for e in plan.entries[1:]]
    assert all("prefer" in e.parts for e in plan.entries[1:])
    assert float(np.mean(cat.instrumentalness[new])) > float(np.mean(cat.instrumentalness)) + 0.1
