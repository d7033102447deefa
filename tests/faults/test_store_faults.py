"""The library database refusing writes while the daemon plays (issue 11, finding 1).

A write lock held by another process, a disk that fills: playback control keeps working, status
and /health name the problem, every acknowledged like is in the database once it takes writes
again, and the problem clears.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.faults.conftest import command, http, status, stored, until, write_lock
from tests.moodplay.daemon import Daemon, mpc, running


def _playing(d: Daemon) -> None:
    assert command(d.web, "play")[0] == 200
    until(lambda: status(d.web)["state"] == "play", what="playing")


def _store_problem(d: Daemon) -> str:
    problems = [p for p in status(d.web)["problems"] if "library database" in p]
    return problems[0] if problems else ""


def _control_works(d: Daemon) -> None:
    """Pause, play and volume through HTTP and MPD, each answered within the time-outs."""
    assert command(d.web, "pause")[0] == 200
    until(lambda: status(d.web)["state"] == "pause", what="paused")
    assert command(d.web, "play")[0] == 200
    until(lambda: status(d.web)["state"] == "play", what="playing again")
    mpc(d.mpd_port, "volume", "40")
    assert "volume: 40%" in mpc(d.mpd_port, "status")


@pytest.mark.slow
def test_a_write_lock_held_45_s_is_named_survived_and_the_likes_are_written_after(
    db: Path, tmp_path: Path
) -> None:
    with running(db, tmp_path, "--no-voice") as d:
        _playing(d)
        likes = stored(db, "liked")
        with write_lock(db):
            held = time.monotonic()
            assert command(d.web, "like") == (200, {"ok": True, "command": "like", "result": None})
            problem = until(lambda: _store_problem(d), what="the store problem in status")
            assert "locked" in problem and "1 listening event(s) kept in memory" in problem
            _control_works(d)
            assert command(d.web, "like")[0] == 200
            while time.monotonic() - held < 45:
                code, body = http(d.web + "health")
                assert code == 503 and "locked" in body["error"], body
                time.sleep(5)
        until(lambda: stored(db, "liked") == likes + 2, timeout_s=60, what="the likes written")
        until(lambda: http(d.web + "health")[0] == 200, timeout_s=10, what="healthy again")
        assert _store_problem(d) == ""
        _control_works(d)
    assert d.proc.returncode == 0


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 6 MB tmpfs as the data folder (skipped where mounting is not allowed)."""
    disk = tmp_path / "disk"
    disk.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=6m", "tmpfs", str(disk)],
                             capture_output=True, text=True, check=False)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def _fill(disk: Path) -> Path:
    filler = disk / "filler"
    with filler.open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError:
            pass
    return filler


@pytest.mark.slow
def test_a_full_disk_is_named_survived_and_the_likes_are_written_once_there_is_room(
    db: Path, tmp_path: Path, small_disk: Path
) -> None:
    on_disk = Path(shutil.copy(db, small_disk / "library.db"))
    with running(on_disk, tmp_path, "--no-voice") as d:
        _playing(d)
        likes = stored(on_disk, "liked")
        filler = _fill(small_disk)
        acknowledged = 0

        def refused() -> str:
            nonlocal acknowledged
            # Each like appends to the WAL; once the file has to grow, the full disk refuses.
            assert command(d.web, "like")[0] == 200
            acknowledged += 1
            return _store_problem(d)

        problem = until(refused, timeout_s=60, what="the disk-full problem in status")
        assert "full" in problem, problem
        code, body = http(d.web + "health")
        assert code == 503 and "full" in body["error"]
        _control_works(d)
        filler.unlink()
        until(lambda: stored(on_disk, "liked") == likes + acknowledged, timeout_s=60,
              what="every acknowledged like written")  # fmt: skip
        until(lambda: http(d.web + "health")[0] == 200, what="healthy again")
    assert d.proc.returncode == 0
