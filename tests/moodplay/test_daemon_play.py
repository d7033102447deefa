"""``moodplay daemon --play`` (``make run``) plays at once, and the log says what plays and why
(issue 15: a new user heard nothing until they spoke; journalctl showed only "ready")."""

from __future__ import annotations

import time
from pathlib import Path

from tests.conftest import short_library
from tests.moodplay.daemon import mpc, running


def test_daemon_play_starts_at_once_and_logs_what_and_why(tmp_path: Path) -> None:
    db = short_library(tmp_path, ("Awakening", "Coherence"), seconds=10)
    with running(db, tmp_path / "daemon", "--no-voice", "--play") as daemon:
        assert "[playing]" in mpc(daemon.mpd_port, "status")
        deadline = time.monotonic() + 10
        while not any("now playing" in line for line in daemon.lines):
            assert time.monotonic() < deadline, "".join(daemon.lines[-20:])
            time.sleep(0.1)
        line = next(line for line in daemon.lines if "now playing" in line)
        assert " by " in line and ": " in line.split(" by ", 1)[1], line


def test_daemon_without_play_waits(tmp_path: Path) -> None:
    db = short_library(tmp_path, ("Awakening",), seconds=10)
    with running(db, tmp_path / "daemon", "--no-voice") as daemon:
        assert "[playing]" not in mpc(daemon.mpd_port, "status")
