"""``undo`` on the live session for real (libVLC into a PulseAudio sink, events in SQLite), and
"play something calm" while paused: a request to play plays."""

from __future__ import annotations

import functools
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from moodplay._commands import CommandError
from moodplay._live import LiveSession
from moodplay._undo import UndoStack
from recommend import Point
from tests.conftest import short_library
from tests.moodplay.test_live_session import call, events, running_session

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("undo"), NAMES, seconds=40)


@pytest.fixture
def db(library_db: Path, tmp_path: Path) -> Path:
    return Path(shutil.copy(library_db, tmp_path / "library.db"))


@pytest.fixture
def live(db: Path, tmp_path: Path) -> Iterator[LiveSession]:
    with running_session(db, tmp_path) as session:
        yield session


def on_session(session: LiveSession, query: object) -> object:
    assert callable(query)
    return session.submit(query).result(timeout=10)


def playing(session: LiveSession) -> tuple[int | None, bool, float]:
    """(track id, paused, position) of what the player has, read on the session thread."""

    def read() -> tuple[int | None, bool, float]:
        current = session.player.current
        track = current.track_id if current else None
        return track, session.player.paused, session.player.position_s()

    got = on_session(session, read)
    assert isinstance(got, tuple)
    return got


def resumed_at(session: LiveSession) -> float:
    """Where the track now playing started: libVLC reports 0 until the decoder runs."""
    deadline = time.monotonic() + 5
    while (position := playing(session)[2]) <= 0.0 and time.monotonic() < deadline:
        time.sleep(0.02)
    return position


def kinds(db: Path) -> list[str]:
    return [k for k, _ in events(db)]


def learned(session: LiveSession) -> list[str]:
    return [fb.kind for fb in session.queue.history.events]


def test_the_stack_is_bounded_and_an_empty_one_refuses() -> None:
    stack, undone = UndoStack(depth=3), list[int]()
    for n in range(5):
        stack.push(f"command {n}", functools.partial(undone.append, n))
    assert len(stack) == 3
    assert [stack.undo() for _ in range(3)] == [f"undid: command {n}" for n in (4, 3, 2)]
    assert undone == [4, 3, 2]
    with pytest.raises(CommandError, match="nothing to undo"):
        stack.undo()


def test_undo_on_an_empty_stack_is_a_refusal_and_the_loop_goes_on(live: LiveSession) -> None:
    with pytest.raises(CommandError, match="nothing to undo"):
        call(live, "undo")
    assert call(live, "volume_set", percent="40") == 40
    assert call(live, "undo") == "undid: volume change to 40%"
    assert live.player.volume_pct == 100


def test_ban_undone_unbans_and_the_track_plays_on_where_it_was(live: LiveSession, db: Path) -> None:
    call(live, "play")
    time.sleep(2.5)
    banned, _, position = playing(live)
    assert banned is not None
    index = live.index_of(banned)
    call(live, "ban")
    assert kinds(db) == ["banned"] and live.queue.history.banned() == {index}
    assert playing(live)[0] != banned and index not in live.queue.queue

    def fresh_plan() -> list[int]:  # with nothing kept: may the planner pick it?
        q = live.queue
        return [e.index for e in q.planner.plan(q.state, q.history, len(NAMES), 7).entries]

    assert index not in on_session(live, fresh_plan)  # type: ignore[operator]
    assert call(live, "undo") == "undid: ban of " + str(call(live, "whats_playing"))
    assert kinds(db) == [] and live.queue.history.banned() == set()
    track, paused, _ = playing(live)
    assert track == banned and not paused
    assert position - 0.3 <= resumed_at(live) < position + 1.5
    assert index in on_session(live, fresh_plan)  # type: ignore[operator]


def test_like_and_dislike_undone_twice_are_unlearned(live: LiveSession, db: Path) -> None:
    call(live, "play")
    time.sleep(0.5)
    before = learned(live)
    call(live, "like")
    call(live, "dislike")
    assert kinds(db) == ["liked", "disliked"]
    assert learned(live) == [*before, "liked", "disliked"]
    assert str(call(live, "undo")).startswith("undid: dislike of ")
    assert kinds(db) == ["liked"] and learned(live) == [*before, "liked"]
    assert str(call(live, "undo")).startswith("undid: like of ")
    assert kinds(db) == [] and learned(live) == before


def test_next_undone_resumes_the_skipped_track_where_it_was(live: LiveSession, db: Path) -> None:
    call(live, "play")
    time.sleep(2.5)
    first, _, position = playing(live)
    call(live, "next")
    time.sleep(0.5)
    assert kinds(db) == ["skipped"] and playing(live)[0] != first
    assert first is not None and live.index_of(first) in live.queue.played
    assert call(live, "undo") == "undid: skip of " + str(call(live, "whats_playing"))
    track, paused, _ = playing(live)
    assert track == first and not paused
    assert position - 0.3 <= resumed_at(live) < position + 1.5
    assert kinds(db) == [] and "skipped" not in learned(live)
    assert live.index_of(first) not in live.queue.played


def test_volume_mute_and_transport_are_put_back(live: LiveSession) -> None:
    call(live, "volume_set", percent="30")
    call(live, "volume_up")
    assert live.player.volume_pct == 40
    assert call(live, "undo") == "undid: volume change to 40%"
    assert live.player.volume_pct == 30
    call(live, "mute")
    assert live.player.muted
    assert call(live, "undo") == "undid: mute"
    assert not live.player.muted
    call(live, "play")
    time.sleep(1.0)
    track, _, _ = playing(live)
    call(live, "pause")
    assert playing(live)[1]
    assert call(live, "undo") == "undid: pause"
    assert playing(live)[:2] == (track, False)
    time.sleep(1.5)
    position = playing(live)[2]
    call(live, "stop")
    assert playing(live)[0] is None
    assert call(live, "undo") == "undid: stop"
    again, paused, _ = playing(live)
    assert (again, paused) == (track, False)
    assert position - 0.3 <= resumed_at(live) < position + 1.5
    assert call(live, "undo") == "undid: play"  # the first "play": stopped again
    assert playing(live)[0] is None
    assert call(live, "undo") == "undid: volume change to 30%"
    assert live.player.volume_pct == 100


def test_mood_request_and_statement_are_put_back(live: LiveSession) -> None:
    moods = live.config.moods
    assert live.queue.state.target is None and live.queue.state.now is None
    call(live, "mood_request", mood="calm")
    assert live.queue.state.target == Point(*moods.targets["calm"])
    assert live.queue.state.request == "calm"
    call(live, "mood_statement", feeling="tired")
    assert live.queue.state.now == Point(*moods.feelings["tired"])
    assert call(live, "undo") == "undid: feeling tired"
    assert live.queue.state.now is None
    assert call(live, "undo") == "undid: request for something calm"
    assert live.queue.state.target is None and live.queue.state.request is None
    assert playing(live)[0] is None  # it was stopped before the request


def test_clear_undone_brings_back_the_users_queue(live: LiveSession) -> None:
    for name in ("Nebula", "Awakening", "Coherence"):
        call(live, "add", uri=f"{name}.ogg")
    call(live, "play")
    time.sleep(2.5)
    track, _, position = playing(live)
    pending = list(live.manual.pending)
    assert track is not None and len(pending) == 2 and live.mode == "manual"
    call(live, "clear")
    assert live.manual.pending == [] and playing(live)[0] is None
    assert call(live, "undo") == "undid: clearing the queue"
    assert live.manual.pending == pending and live.mode == "manual"
    again, paused, _ = playing(live)
    assert (again, paused) == (track, False)
    assert position - 0.3 <= resumed_at(live) < position + 1.5
    ids = [int(live.cat.track_ids[i]) for i in live.queue.queue[:3]]
    assert ids == [track, *[int(live.cat.track_ids[i]) for i in pending]]


def test_private_repeat_single_and_sleep_are_put_back(live: LiveSession) -> None:
    call(live, "private", on="on")
    call(live, "repeat", on="on")
    call(live, "single", on="1")
    call(live, "sleep", minutes="20")
    assert live.private and live.manual.repeat and live.manual.single
    assert call(live, "undo") == "undid: sleep timer: pausing in 20 minutes"
    assert live.sleep.deadline is None
    assert call(live, "undo") == "undid: single on"
    assert call(live, "undo") == "undid: repeat on"
    assert not live.manual.single and not live.manual.repeat
    assert call(live, "undo") == "undid: private on"
    assert not live.private


def test_undo_reaches_ten_commands_back(live: LiveSession) -> None:
    for percent in range(5, 65, 5):  # twelve changes: 5 .. 60 %
        call(live, "volume_set", percent=str(percent))
    for _ in range(10):  # the last ten were kept: back to where the third one started
        call(live, "undo")
    assert live.player.volume_pct == 10
    with pytest.raises(CommandError, match="nothing to undo"):
        call(live, "undo")


def test_a_request_to_play_plays_from_pause_and_stop(live: LiveSession) -> None:
    call(live, "play")
    time.sleep(0.5)
    call(live, "pause")
    assert playing(live)[1]
    call(live, "mood_request", mood="calm")
    track, paused, _ = playing(live)
    assert track is not None and not paused
    call(live, "stop")
    call(live, "mood_request", mood="happy")
    assert playing(live)[0] is not None and not playing(live)[1]
    call(live, "pause")
    call(live, "more_like_this")
    assert not playing(live)[1]
    call(live, "pause")
    call(live, "play_title", title="Nebula")
    track, paused, _ = playing(live)
    assert track is not None and live.tracks[track].title == "Nebula" and not paused
    assert call(live, "undo") == "undid: playing the title Nebula"
    assert playing(live)[1]  # paused again, on what played before
