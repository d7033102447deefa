"""The daemon steered by the real `mpc` binary and by python-mpd2, over loopback."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import run_moodplay, short_library
from tests.moodplay.daemon import mpc, running
from tests.moodplay.daemon import start as start_daemon
from tests.pulse import pulse_server

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd"), NAMES, seconds=20)


@pytest.fixture
def fresh_db(library_db: Path, tmp_path: Path) -> Path:
    """A copy per test: the daemon keeps its state in the database."""
    return Path(shutil.copy(library_db, tmp_path / "library.db"))


@pytest.fixture
def daemon(fresh_db: Path, tmp_path: Path) -> Iterator[tuple[int, subprocess.Popen[str]]]:
    with running(fresh_db, tmp_path) as d:
        yield d.mpd_port, d.proc


def test_mpc_controls_playback(daemon: tuple[int, subprocess.Popen[str]], fresh_db: Path) -> None:
    library_db = fresh_db
    port, proc = daemon
    assert "volume:100%" in mpc(port, "status").replace(" ", "")
    out = mpc(port, "play")
    assert "[playing]" in out and "Maxstack" in out
    first = mpc(port, "current").strip()
    time.sleep(1.5)
    mpc(port, "next")
    time.sleep(0.5)
    assert mpc(port, "current").strip() != first
    assert "volume: 30%" in mpc(port, "volume", "30")
    mpc(port, "sendmessage", "moodplay", "mood calm")
    mpc(port, "sendmessage", "moodplay", "like")
    assert "[paused]" in mpc(port, "pause")
    assert len(mpc(port, "playlist").splitlines()) >= 5
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
    with sqlite3.connect(library_db) as con:
        kinds = [r[0] for r in con.execute("SELECT kind FROM events")]
    assert "skipped" in kinds and "liked" in kinds


BAD_LINES = (
    (b"frobnicate", b'ACK [5@0] {} unknown command "frobnicate"'),
    (b'find "unterminated', b"ACK [5@0] {} Missing closing"),
    (b"ping \xff\xfe", b'ACK [2@0] {ping} wrong number of arguments for "ping"'),
    (b"ping", b"OK"),
)
"""As MPD 0.23 answers them (an invalid UTF-8 byte is text to MPD, not an error)."""


def test_python_mpd2_and_bad_input(daemon: tuple[int, subprocess.Popen[str]]) -> None:
    import mpd

    port, _ = daemon
    client = mpd.MPDClient()
    client.connect("127.0.0.1", port)
    assert client.status()["state"] == "stop"
    client.command_list_ok_begin()
    client.status()
    client.ping()
    results = client.command_list_end()
    assert results[0]["state"] == "stop"
    with pytest.raises(mpd.CommandError, match="Number too large: 150"):
        client.setvol(150)
    with pytest.raises(mpd.CommandError, match="not understood"):
        client.sendmessage("moodplay", "banana telephone")
    client.close()
    client.disconnect()
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        stream = raw.makefile("rwb")
        assert stream.readline().startswith(b"OK MPD ")
        for line, answer in BAD_LINES:
            stream.write(line + b"\n")
            stream.flush()
            assert stream.readline().startswith(answer), line


def test_not_loopback_needs_a_password(library_db: Path) -> None:
    result = run_moodplay("daemon", "--db", str(library_db), "--mpd-host", "0.0.0.0")
    assert result.returncode == 1 and "set --mpd-password" in result.stderr


def test_say_and_status_through_the_daemon(
    daemon: tuple[int, subprocess.Popen[str]], fresh_db: Path
) -> None:
    """No port given: the daemon on this database is found (its web port is any free one)."""
    port, _ = daemon
    db = ("--db", str(fresh_db))
    assert run_moodplay(*db, "say", "play").returncode == 0
    said = run_moodplay(*db, "say", "play something calm")
    assert said.returncode == 0 and "ok: play something calm" in said.stdout
    status = run_moodplay(*db, "status")
    assert status.stdout.startswith("play: Maxstack - ")
    bad = run_moodplay(*db, "say", "banana telephone")
    assert bad.returncode == 1 and "not understood" in bad.stderr
    gone = run_moodplay("status", "--port", "1")
    assert gone.returncode == 1 and "no moodplay daemon" in gone.stderr
    mpd = run_moodplay("status", "--port", str(port))
    assert mpd.returncode == 1 and "the MPD port (6600) is for `mpc`" in mpd.stderr


def test_kill_9_then_restart_resumes_paused(fresh_db: Path, tmp_path: Path) -> None:
    library_db = fresh_db
    with pulse_server(tmp_path / "pulse") as env:

        def start() -> tuple[int, subprocess.Popen[str]]:
            d = start_daemon(library_db, env)
            return d.mpd_port, d.proc

        port, proc = start()
        mpc(port, "play")
        mpc(port, "volume", "30")
        time.sleep(3.0)
        playing = mpc(port, "current").strip()
        proc.kill()  # kill -9: no chance to save anything on the way out
        proc.wait(timeout=10)
        port, proc = start()
        try:
            status = mpc(port, "status")
            assert "[paused]" in status and "volume: 30%" in status
            assert mpc(port, "current").strip() == playing
            elapsed = status.split("#1/")[1].split()[1].split("/")[0]  # e.g. "0:02/0:20"
            assert elapsed != "0:00"  # the position survived the kill
            assert "[playing]" in mpc(port, "play")
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=15)


def test_library_queries_and_seek(daemon: tuple[int, subprocess.Popen[str]]) -> None:
    port, _ = daemon
    assert mpc(port, "list", "artist").split() == ["Maxstack"]
    assert "Endgame: Singularity" in mpc(port, "list", "album")
    found = mpc(port, "search", "title", "nebu").splitlines()
    assert len(found) == 1 and "Nebula" in found[0]
    assert mpc(port, "find", "artist", "Maxstack").count("\n") == 6
    mpc(port, "play")
    time.sleep(0.5)
    mpc(port, "seek", "10")
    deadline = time.monotonic() + 3  # libVLC follows a seek asynchronously
    while "0:1" not in mpc(port, "status") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert re.search(r" 0:1[0-1]/", mpc(port, "status"))  # at 10 s, as mpc shows it
