"""kill -9 or Ctrl-C in the middle of a scan: nothing committed is lost or duplicated."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import corpus_files, run_moodplay


@pytest.fixture
def library(tmp_path: Path) -> Path:
    folder = tmp_path / "music"
    folder.mkdir()
    for src in corpus_files():
        (folder / src.name).symlink_to(src)
    return folder


def _start_scan(folder: Path, db: Path, jobs: int = 1) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "moodplay", "scan", "--plain", "--jobs", str(jobs), "--db", str(db),
         str(folder)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
    )  # fmt: skip


def _analysed(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as con:
            return int(con.execute("SELECT count(*) FROM analysis").fetchone()[0])
    except sqlite3.OperationalError:
        return 0  # not created yet


def _wait_for(db: Path, count: int, proc: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while _analysed(db) < count:
        assert proc.poll() is None, "the scan ended before it could be interrupted"
        assert time.monotonic() < deadline, "the scan made no progress"
        time.sleep(0.05)


def _check_consistent(db: Path) -> int:
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        tracks = con.execute("SELECT count(*) FROM tracks").fetchone()[0]
        analysed = con.execute("SELECT count(*) FROM analysis").fetchone()[0]
        assert tracks == analysed, "a track row without its analysis (half a commit)"
        return int(tracks)


def test_kill_9_loses_nothing_committed_and_the_next_scan_continues(
    library: Path, tmp_path: Path
) -> None:
    db = tmp_path / "lib.db"
    proc = _start_scan(library, db)
    _wait_for(db, 3, proc)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    committed = _check_consistent(db)
    assert 3 <= committed < 16
    result = run_moodplay("scan", "--plain", "--no-map", "--db", str(db), str(library))
    assert result.returncode == 0, result.stderr
    assert f"{16 - committed} analysed, {committed} unchanged" in result.stdout
    assert _check_consistent(db) == 16


def test_ctrl_c_stops_cleanly_with_exit_130(library: Path, tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    proc = _start_scan(library, db)
    _wait_for(db, 2, proc)
    os.killpg(proc.pid, signal.SIGINT)  # what a terminal sends the foreground group
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "scan INTERRUPTED" in out
    assert "everything analysed so far is saved; run the scan again to go on" in out
    assert "Traceback" not in err
    committed = _check_consistent(db)
    result = run_moodplay("scan", "--plain", "--no-map", "--db", str(db), str(library))
    assert f"{16 - committed} analysed, {committed} unchanged" in result.stdout


def _grandchildren(pid: int) -> list[int]:
    """Processes two levels below ``pid``: the pool's workers (children of the forkserver)."""

    def children(p: int) -> list[int]:
        out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(p)], capture_output=True,
                             text=True, check=False).stdout  # fmt: skip
        return [int(x) for x in out.split()]

    return [g for c in children(pid) for g in children(c)]


def test_a_killed_worker_costs_nothing(library: Path, tmp_path: Path) -> None:
    """The OOM killer or a decoder crash takes a worker down: its files are retried alone."""
    db = tmp_path / "lib.db"
    proc = _start_scan(library, db, jobs=2)
    _wait_for(db, 2, proc)
    workers = _grandchildren(proc.pid)
    assert workers, "no worker processes found"
    os.kill(workers[0], signal.SIGKILL)
    out, err = proc.communicate(timeout=180)
    assert proc.returncode == 0, err
    assert "16 audio files, 16 analysed, 0 unchanged, 0 failed" in out, out
    assert _check_consistent(db) == 16
