"""One always-on live session across a night on a fake clock (issue 12, items 3-5): the plan
follows the morning, the morning's skips are filed under morning, reasons name the part of day
in force, and a request made the evening before expires with its listening session."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from context import ContextSource
from moodplay._live import LiveSession
from recommend import History, ListenerState, Planner, Situation
from tests.moodplay.test_live_session import call, library_db, running_session

__all__ = ["library_db"]  # the module-scoped fixture, shared

T = TypeVar("T")
NIGHT = dt.datetime(2026, 11, 25, 23, 0).timestamp()  # a Wednesday
MORNING = dt.datetime(2026, 11, 26, 7, 30).timestamp()


class FakeClock:
    """The only fake: what time it is. Everything else runs for real."""

    def __init__(self, t: float) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def on_thread(live: LiveSession, read: Callable[[], T]) -> T:
    """Read live state on the session thread after a whole loop turn (the clock is looked at
    in the loop's steps, which a plain read between ticks does not run)."""
    live.turn().result(timeout=10)
    return live.submit(read).result(timeout=10)  # type: ignore[return-value]


def wait_playing(live: LiveSession) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and not on_thread(live, live.player.position_s):
        time.sleep(0.05)


def stored(db: Path) -> list[tuple[str, str, str]]:
    """(kind, part_of_day, the stored context's part_of_day) of every skip, oldest first."""
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT kind, part_of_day, context FROM events ORDER BY id").fetchall()
    return [(k, p, json.loads(c)["part_of_day"]) for k, p, c in rows if k == "skipped"]


def target_at(live: LiveSession, at: float, part: str) -> object:
    """The target a fresh planner gives this library at that time with no history."""
    state = ListenerState(Situation(at, part))
    return Planner(live.cat).plan(state, History(), 1, 0).target


def test_a_night_to_morning_session_follows_the_clock(library_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(library_db, tmp_path / "lib.db"))
    clock = FakeClock(NIGHT)
    with running_session(db, tmp_path, ContextSource("desktop", clock=clock)) as live:
        call(live, "play")
        wait_playing(live)
        clock.t = NIGHT + 300
        call(live, "next")  # a skip at night
        wait_playing(live)
        night = on_thread(live, lambda: live.queue.plan)
        assert night.target == target_at(live, NIGHT, "night")
        call(live, "pause")

        clock.t = MORNING  # the daemon sat paused all night; nobody restarted it
        plan = on_thread(live, lambda: live.queue.plan)
        assert on_thread(live, lambda: live.queue.state.situation.part_of_day) == "morning"
        assert plan.target == target_at(live, MORNING, "morning") != night.target
        call(live, "play")
        wait_playing(live)
        clock.t = MORNING + 120
        call(live, "next")  # a skip in the morning
        wait_playing(live)
        history = on_thread(live, lambda: list(live.queue.history.events))
        reasons = on_thread(live, lambda: [e.reason for e in live.queue.plan.entries[1:]])

    assert stored(db) == [
        ("skipped", "night", "night"),
        ("skipped", "morning", "morning"),
    ]
    assert [(f.kind, f.part_of_day) for f in history if f.kind == "skipped"][-2:] == [
        ("skipped", "night"),
        ("skipped", "morning"),
    ]
    assert not [r for r in reasons if "night" in r]
    assert any("a bright morning" in r for r in reasons)


def test_a_request_expires_with_its_listening_session(library_db: Path, tmp_path: Path) -> None:
    """Evening: "energetic"; the next morning's "play" plans for the morning, and no reason
    names the request any more."""
    db = Path(shutil.copy(library_db, tmp_path / "lib.db"))
    evening = dt.datetime(2026, 11, 25, 20, 0).timestamp()
    clock = FakeClock(evening)
    with running_session(db, tmp_path, ContextSource("desktop", clock=clock)) as live:
        call(live, "mood_request", mood="energetic")
        wait_playing(live)
        asked = on_thread(live, lambda: [e.reason for e in live.queue.plan.entries[2:]])
        assert all("energetic you asked for" in r for r in asked if "toward" in r)
        call(live, "stop")
        clock.t = MORNING
        call(live, "play")
        wait_playing(live)
        state = on_thread(live, lambda: live.queue.state)
        reasons = on_thread(live, lambda: [e.reason for e in live.queue.plan.entries])
    assert state.request is None and state.target is None
    assert state.situation.part_of_day == "morning"
    assert not [r for r in reasons if "energetic" in r]


def test_resuming_after_a_long_pause_opens_a_new_session(library_db: Path, tmp_path: Path) -> None:
    """Nothing about the clock's period changes (08:00 -> 10:30, a Thursday morning): only the
    resume tells the recommender, and the paused track gives way to a new request. "focused"
    through the daemon carries its instrumental preference."""
    db = Path(shutil.copy(library_db, tmp_path / "lib.db"))
    eight = dt.datetime(2026, 11, 26, 8, 0).timestamp()
    clock = FakeClock(eight)
    with running_session(db, tmp_path, ContextSource("desktop", clock=clock)) as live:
        call(live, "mood_request", mood="focused")
        wait_playing(live)
        state = on_thread(live, lambda: live.queue.state)
        assert state.prefer_instrumental and state.axis == "energy"
        call(live, "pause")
        clock.t = eight + 2.5 * 3600
        assert on_thread(live, lambda: live.queue.state.request) == "focused"  # no tick for it
        call(live, "play")
        assert on_thread(live, lambda: live.queue.state.request) is None
        call(live, "pause")
        paused = on_thread(live, lambda: live.player.current)
        clock.t += 3 * 3600
        call(live, "mood_request", mood="calm")
        wait_playing(live)
        now = on_thread(live, lambda: live.player.current)
        first = on_thread(live, lambda: live.queue.plan.entries[0].reason)
    assert now is not None and now != paused
    assert "calm you asked for" in first
