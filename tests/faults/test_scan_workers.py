"""Scan workers die with their scan (issue 11, finding 6): ``kill -9`` or SIGTERM of
``moodplay scan``, and ``kill -9`` of the daemon during ``mpc update``, leave no worker behind."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import CORPUS, corpus_files, short_library
from tests.faults.conftest import alive, descendants, until
from tests.moodplay.daemon import mpc
from tests.moodplay.daemon import start as start_daemon
from tests.pulse import pulse_server


def _workers(pid: int, at_least: int) -> list[int]:
    """Wait until ``pid`` has this many processes below it busy analysing (forkserver, workers)."""

    def found() -> list[int]:
        below = [p for p in descendants(pid) if alive(p)]
        return below if len(below) >= at_least else []

    return list(until(found, timeout_s=60, what=f"{at_least} scan processes under {pid}"))


def _all_gone(pids: list[int]) -> None:
    try:
        until(lambda: not [p for p in pids if alive(p)], timeout_s=10,
              what=f"no scan process left of {pids}")  # fmt: skip
    finally:
        for pid in pids:  # a failed test leaves nothing behind either
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["kill-9", "sigterm"])
def test_killing_a_scan_leaves_no_worker(tmp_path: Path, sig: signal.Signals) -> None:
    scan = subprocess.Popen(
        [sys.executable, "-m", "moodplay", "scan", "--plain", "--jobs", "2", "--db",
         str(tmp_path / "lib.db"), str(CORPUS)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        below = _workers(scan.pid, at_least=3)  # the forkserver and two workers
        time.sleep(1.0)  # the workers are inside their analysis now
        below = sorted(set(below) | set(descendants(scan.pid)))
        scan.send_signal(sig)
        scan.wait(timeout=30)
        _all_gone(below)
    finally:
        if scan.poll() is None:
            scan.kill()


def test_kill_9_of_the_daemon_during_a_rescan_leaves_no_worker(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    db = short_library(tmp_path / "lib", ("Awakening", "Coherence"), seconds=10)
    music = tmp_path / "lib" / "music"
    for src in corpus_files()[:6]:  # whole tracks, new to the library: the rescan analyses them
        shutil.copy(src, music / f"new {src.name}")
    with pulse_server(tmp_path / "pulse") as env:
        daemon = start_daemon(db, env, "--no-voice")
        try:
            mpc(daemon.mpd_port, "update")
            below = _workers(daemon.proc.pid, at_least=2)
            time.sleep(1.0)
            below = sorted(set(below) | set(descendants(daemon.proc.pid)))
            os.kill(daemon.proc.pid, signal.SIGKILL)
            daemon.proc.wait(timeout=10)
            _all_gone(below)
        finally:
            if daemon.proc.poll() is None:
                daemon.proc.kill()
