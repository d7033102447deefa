"""The live session for real: scanned tracks, libVLC into a PulseAudio sink, events stored."""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from context import ContextSource
from library import Store
from moodplay import Config
from moodplay._commands import Call
from moodplay._live import LiveSession
from moodplay._queue_cli import build_catalogue
from moodplay._tracks import LiveLibrary, track_infos
from tests.conftest import short_library
from tests.pulse import pulse_environ

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("live"), NAMES, seconds=6)


NO_QUIET_HOURS = ContextSource("desktop", quiet_start="00:00", quiet_end="00:00")
"""The default context for these tests: quiet hours (22:00-07:00) cap the volume at 40 %, so a
test of volumes would pass by day and fail by night."""


@contextmanager
def running_session(db: Path, folder: Path, context: ContextSource | None = None
                    ) -> Iterator[LiveSession]:  # fmt: skip
    """A live session on ``db``, its own thread, libVLC into a private PulseAudio server
    (``context``: e.g. one on a fake clock)."""
    from player import open_vlc_player

    with Store(db) as store:
        library = LiveLibrary(build_catalogue(store), track_infos(store))
    with pulse_environ(folder / "pulse"):
        session = LiveSession(Config(), db, library, open_vlc_player("pulse"),
                              context or NO_QUIET_HOURS)  # fmt: skip
        stop = threading.Event()
        thread = threading.Thread(target=session.run, args=(stop,), name="session", daemon=True)
        thread.start()
        try:
            yield session
        finally:
            stop.set()
            thread.join(timeout=5)
            session.player.close()


@pytest.fixture
def live(library_db: Path, tmp_path: Path) -> Iterator[LiveSession]:
    with running_session(library_db, tmp_path) as session:
        yield session


def call(session: LiveSession, name: str, **args: object) -> object:
    return session.submit(session.registry.resolve(name, args)).result(timeout=10)


def events(db: Path) -> list[tuple[str, float]]:
    with sqlite3.connect(db) as con:
        return con.execute("SELECT kind, position_s FROM events ORDER BY id").fetchall()


def test_commands_drive_playback_and_every_event_is_stored(
    live: LiveSession, library_db: Path
) -> None:
    before = len(events(library_db))
    call(live, "play")
    time.sleep(1.0)
    first = live.player.current
    assert first is not None and str(call(live, "whats_playing")).endswith("by Maxstack")
    assert call(live, "why_this")
    call(live, "next")
    time.sleep(0.5)
    assert live.player.current is not None and live.player.current != first
    assert call(live, "volume_set", percent="30") == 30
    call(live, "like")
    banned = live.player.current
    call(live, "ban")
    assert live.player.current != banned
    assert banned.track_id not in [int(live.cat.track_ids[i]) for i in live.queue.queue]
    kinds = [k for k, _ in events(library_db)[before:]]
    assert kinds == ["skipped", "liked", "banned"]
    skipped_at = events(library_db)[before][1]
    assert 0.5 < skipped_at < 3.0  # the position at which it was skipped
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and "played" not in [k for k, _ in events(library_db)]:
        time.sleep(0.2)
    assert "played" in [k for k, _ in events(library_db)]  # a 6 s track played to its end


def test_bad_commands_are_reported_not_fatal(live: LiveSession) -> None:
    from moodplay._commands import CommandError

    with pytest.raises(CommandError):
        live.registry.resolve("volume_set", {"percent": "loud"})
    done = live.submit(Call("mood_request", {"mood": "nonexistent"}))
    with pytest.raises(KeyError):
        done.result(timeout=5)
    assert call(live, "volume_set", percent="40") == 40  # the loop is still running


def test_a_track_that_cannot_play_is_skipped_logged_and_stored(
    library_db: Path, tmp_path: Path
) -> None:
    """The file of the first planned track vanishes: playback goes on with the next one, the
    store says "failed", and the failure is not learned as a skip."""
    db = tmp_path / "lib.db"
    db.write_bytes(library_db.read_bytes())
    with running_session(db, tmp_path) as session:
        planned = session.submit(lambda: session.queue.plan.entries[0].track_id).result(5)
        learned = len(session.queue.history.events)  # from the stored history
        stored = len(events(db))
        first = session.tracks[int(str(planned))].path
        gone = first.rename(first.with_suffix(".away"))
        try:
            call(session, "play")
            deadline = time.monotonic() + 5
            while time.monotonic() < deadline and ("failed", 0.0) not in events(db)[stored:]:
                time.sleep(0.1)
            time.sleep(0.5)
            assert session.player.current is not None and session.player.current.path != first
            assert "file not found" in session.failures[-1]
            assert len(session.queue.history.events) == learned  # nothing learned from it
        finally:
            gone.rename(first)
    assert [k for k, _ in events(db)[stored:]] == ["failed"]


def test_a_request_far_from_what_plays_moves_on_at_once(
    live: LiveSession, library_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Issue 12: "play something energetic" during a calm track means now. The track playing
    gives way to the first re-planned one when it is farther than REQUEST_FITS from the
    request's target (here every track is: the five demo tracks lie within 0.2 of most
    targets once they are brought into the library's range); it is stored as "interrupted"
    (not a skip: nothing is learned); undo brings it back."""
    monkeypatch.setattr("moodplay._handlers.REQUEST_FITS", -1.0)
    call(live, "play")
    time.sleep(1.0)
    first = live.player.current
    assert first is not None
    learned = len(live.queue.history.events)
    before = len(events(library_db))
    call(live, "mood_request", mood="energetic")
    time.sleep(0.5)
    assert live.player.current is not None and live.player.current != first
    assert live.current_index() == live.queue.queue[0]
    assert [k for k, _ in events(library_db)[before:]] == ["interrupted"]
    assert len(live.queue.history.events) == learned  # nothing learned of it
    call(live, "undo")
    time.sleep(0.5)
    assert live.player.current == first
    assert [k for k, _ in events(library_db)[before:]] == []


def test_a_request_near_what_plays_lets_it_play_on(
    live: LiveSession, library_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("moodplay._handlers.REQUEST_FITS", 2.0)  # every track is near
    call(live, "play")
    time.sleep(1.0)
    first = live.player.current
    assert first is not None
    before = len(events(library_db))
    call(live, "mood_request", mood="energetic")
    time.sleep(0.5)
    assert live.player.current == first
    assert [k for k, _ in events(library_db)[before:]] == []
    assert live.queue.queue[0] == live.current_index()  # kept; the next is re-planned
