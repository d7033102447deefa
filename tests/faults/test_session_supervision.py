"""The session loop under supervision (issue 11, finding 1), in-process on the real player.

A loop step that fails is named in ``problems`` while commands are still carried out, and the
problem clears once it works; one that keeps failing ends the session thread with a clear
error (the daemon then exits with status 70); a session that does not answer gets HTTP 503."""

from __future__ import annotations

import asyncio
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from context import ContextSource
from library import Store
from moodplay import Config
from moodplay._daemon import _run_session
from moodplay._live import LiveSession
from moodplay._queue_cli import build_catalogue
from moodplay._supervise import SessionError
from moodplay._tracks import LiveLibrary, track_infos
from moodplay.web import HttpServer
from player import PlayerEvent
from tests.faults.conftest import until


def _session(db: Path) -> LiveSession:
    from player import open_vlc_player

    with Store(db) as store:
        library = LiveLibrary(build_catalogue(store), track_infos(store))
    return LiveSession(
        Config(), db, library, open_vlc_player("dummy", output="vlc"), ContextSource("desktop")
    )


@contextmanager
def _thread(session: LiveSession) -> Iterator[tuple[threading.Thread, list[BaseException]]]:
    stop, failure = threading.Event(), list[BaseException]()
    thread = threading.Thread(target=_run_session, args=(session, stop, failure), daemon=True)
    thread.start()
    try:
        yield thread, failure
    finally:
        stop.set()
        thread.join(timeout=10)
        session.player.stop()


def _failing(
    poll: Callable[[float], list[PlayerEvent]], broken: threading.Event
) -> Callable[[float], list[PlayerEvent]]:
    """The real player's poll, failing as EMFILE made it fail while ``broken`` is set."""

    def poll_or_fail(timeout_s: float = 0.0) -> list[PlayerEvent]:
        if broken.is_set():
            raise OSError(24, "Too many open files")
        return poll(timeout_s)

    return poll_or_fail


def _problems(session: LiveSession) -> dict[str, str]:
    """The session's problems, read on its thread."""
    found = session.submit(lambda: dict(session.problems)).result(timeout=10)
    assert isinstance(found, dict)
    return found


def test_a_failing_step_is_named_commands_still_work_and_it_clears(db: Path) -> None:
    session = _session(db)
    broken = threading.Event()
    session.player.poll = _failing(session.player.poll, broken)  # type: ignore[method-assign,assignment]
    with _thread(session) as (thread, failure):
        broken.set()
        until(lambda: _problems(session).get("player"), what="the player step named")
        assert "Too many open files" in session.problems["player"]
        volume = session.registry.resolve("volume_set", {"percent": 23})
        assert session.submit(volume).result(timeout=10) == 23
        broken.clear()
        until(lambda: not _problems(session), what="problem cleared")
        assert thread.is_alive() and not failure


def test_a_step_that_keeps_failing_ends_the_session_with_a_clear_error(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    session = _session(db)
    session.guard.give_up_s = 1.0
    broken = threading.Event()
    broken.set()
    session.player.poll = _failing(session.player.poll, broken)  # type: ignore[method-assign,assignment]
    with _thread(session) as (thread, failure):
        thread.join(timeout=20)
        assert not thread.is_alive()
    assert len(failure) == 1 and isinstance(failure[0], SessionError)
    assert "player step has failed" in str(failure[0])
    assert "moodplay: the session ended: the session's player step has failed" in (
        capsys.readouterr().err
    )


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def test_a_session_that_does_not_answer_gets_503_not_400(db: Path) -> None:
    session = _session(db)  # its thread never runs: nothing answers the inbox

    async def ask() -> list[tuple[int, str]]:
        server = HttpServer(session, "127.0.0.1", 0)
        port = await server.start()
        base = f"http://127.0.0.1:{port}/"
        try:
            return [await asyncio.to_thread(_get, base + path) for path in ("api/status", "health")]
        finally:
            await server.close()

    started = time.monotonic()
    (status_code, status_body), (health_code, health_body) = asyncio.run(ask())
    assert time.monotonic() - started < 60
    assert status_code == 503 and "session not answering" in status_body
    assert health_code == 503 and "session not answering" in health_body


def test_a_hung_session_loop_is_named_with_its_stack_and_the_watch_stops_the_daemon(
    db: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A loop step that never returns (libVLC's stop on a frozen sound server did this): the
    daemon's watch notices the loop has not come round, prints every thread's stack and records
    a SessionError (the daemon then exits with status 70)."""
    from moodplay._daemon import _watch

    session = _session(db)
    release = threading.Event()
    poll = session.player.poll

    def frozen(timeout_s: float = 0.0) -> list[PlayerEvent]:
        release.wait(60)
        return poll(timeout_s)

    session.player.poll = frozen  # type: ignore[method-assign]
    with _thread(session) as (thread, failure):

        async def watch() -> bool:
            done = asyncio.Event()
            await asyncio.wait_for(_watch(session, thread, done, failure, hang_s=1.5), 30)
            return done.is_set()

        try:
            assert asyncio.run(watch())
        finally:
            release.set()
    assert len(failure) == 1 and isinstance(failure[0], SessionError)
    assert "has not come round" in str(failure[0])
    err = capfd.readouterr().err
    assert "the stacks of all threads follow" in err and "in frozen" in err


def test_a_loop_that_comes_round_is_never_called_hung(db: Path) -> None:
    from moodplay._daemon import _watch

    session = _session(db)
    with _thread(session) as (thread, failure):

        async def watch() -> None:
            done = asyncio.Event()
            task = asyncio.create_task(_watch(session, thread, done, failure, hang_s=1.0))
            await asyncio.sleep(4)
            assert not done.is_set()
            task.cancel()

        asyncio.run(watch())
    assert not failure


def test_reads_between_ticks_do_not_run_the_loop_steps(db: Path) -> None:
    """Under 50 polling MPD clients every read ran the whole loop (player poll, timers, ...):
    a read is answered at once and the steps keep their tick."""
    session = _session(db)
    polls = [0]
    poll = session.player.poll

    def counted(timeout_s: float = 0.0) -> list[PlayerEvent]:
        polls[0] += 1
        return poll(timeout_s)

    session.player.poll = counted  # type: ignore[method-assign]
    with _thread(session) as (thread, failure):
        session.submit(lambda: None).result(timeout=10)
        before = polls[0]
        reads = 2000
        for _ in range(reads):
            session.submit(lambda: session.changes).result(timeout=10)
        assert polls[0] - before < reads / 2
        assert thread.is_alive() and not failure
