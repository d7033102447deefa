"""Short of file descriptors (issue 11, finding 2's "session thread dies"): with a low
RLIMIT_NOFILE and every descriptor taken by idle connections, across a track change, the daemon
stays controllable once they go — or exits non-zero; never a process that no longer answers."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from moodplay._daemon import EXIT_SESSION
from moodplay._supervise import HANG_S
from tests.faults.conftest import command, http, status, until
from tests.moodplay.daemon import Daemon, _wait_ready
from tests.pulse import pulse_server

LIMIT = 64
"""Descriptors the daemon may open: it needs about 31 to play (libVLC, PulseAudio, SQLite)."""


def _low_limit() -> None:
    resource.setrlimit(resource.RLIMIT_NOFILE, (LIMIT, LIMIT))


@contextmanager
def short_of_fds(db: Path, folder: Path) -> Iterator[Daemon]:
    with pulse_server(folder / "pulse") as env:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moodplay", "daemon", "--db", str(db), "--mpd-port", "0",
             "--http-port", "0", "--no-voice"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True, errors="replace",
            env={**os.environ, **env}, preexec_fn=_low_limit,  # noqa: PLW1509  before threads matter: setrlimit only
        )  # fmt: skip
        daemon = Daemon(proc, env)
        try:
            _wait_ready(daemon)
            yield daemon
        finally:
            daemon.stop()


def _answers(web: str) -> bool:
    """The status answers (200); a 503 "session not answering" is not yet."""
    try:
        return http(web + "api/status", timeout_s=5)[0] == 200
    except OSError:
        return False


def _flood(port: int, count: int) -> list[socket.socket]:
    """Idle connections until the daemon has no descriptor left (connects then stall or drop)."""
    out = []
    for _ in range(count):
        try:
            out.append(socket.create_connection(("127.0.0.1", port), timeout=2))
        except OSError:
            break
    return out


@pytest.mark.slow
def test_out_of_descriptors_across_a_track_change_the_daemon_answers_after_or_exits(
    db: Path, tmp_path: Path
) -> None:
    with short_of_fds(db, tmp_path) as d:
        assert command(d.web, "play")[0] == 200
        until(lambda: status(d.web)["current"], what="a track playing")
        flood = _flood(d.mpd_port, 3 * LIMIT)
        assert len(flood) > 10
        time.sleep(25)  # the 20 s track ends meanwhile: the next one must open a file
        for sock in flood:
            sock.close()
        # Allowed: answering again, or gone with a non-zero status (a hung session loop is
        # noticed after HANG_S); never a process that no longer answers.
        until(lambda: d.proc.poll() is not None or _answers(d.web), timeout_s=HANG_S + 30,
              what="the daemon answering again or gone")  # fmt: skip
        if d.proc.poll() is not None:
            assert d.proc.returncode == EXIT_SESSION, "".join(d.lines[-40:])
            return
        view = status(d.web)
        assert view["volume"] != 37
        # Whatever the fault left playable, the session obeys: a command is carried out, or
        # refused with a reason (409), never left unanswered.
        code, answer = command(d.web, "play")
        assert code in (200, 409), answer
        assert command(d.web, "volume_set", percent=37)[0] == 200
        until(lambda: status(d.web)["volume"] == 37, what="the volume change obeyed")
        assert not [p for p in status(d.web)["problems"] if "failing" in p]
