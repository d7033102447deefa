"""The sound-server watch: going down and coming back are each reported once."""

from __future__ import annotations

import socket
from pathlib import Path

from player._watch import ServerWatch, pulse_socket


def test_pulse_socket_from_the_environment() -> None:
    assert pulse_socket({"PULSE_SERVER": "unix:/tmp/x/native"}) == Path("/tmp/x/native")
    assert pulse_socket({"PULSE_SERVER": "tcp:host:4713"}) is None
    assert pulse_socket({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/pulse/native")


def _listen(path: Path) -> socket.socket:
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    return server


def test_lost_and_back_once_each(tmp_path: Path) -> None:
    path = tmp_path / "native"
    watch = ServerWatch(path, every_s=0.0)
    server = _listen(path)
    assert watch.change(now=1.0) is None and not watch.down  # up from the start
    server.close()
    assert watch.change(now=2.0) == "lost" and watch.down
    assert watch.change(now=3.0) is None  # still down: said once
    path.unlink()  # a new server makes its socket again, as PulseAudio does
    server = _listen(path)
    try:
        assert watch.change(now=4.0) == "back" and not watch.down
        assert watch.change(now=5.0) is None  # once
    finally:
        server.close()


def test_checked_at_most_every_interval_unless_forced(tmp_path: Path) -> None:
    watch = ServerWatch(tmp_path / "nothing-listens", every_s=1.0)
    assert watch.change(now=10.0) is None  # never seen up: maybe not the server libVLC uses
    assert watch.down and watch.change(now=20.0) is None
    path = tmp_path / "native"
    watch = ServerWatch(path, every_s=1.0)
    server = _listen(path)
    try:
        assert watch.change(now=10.0) is None
        server.close()
        assert watch.change(now=10.5) is None  # too soon to look again
        assert watch.change(now=10.5, force=True) == "lost"
    finally:
        server.close()


def test_no_socket_to_watch_is_never_reported() -> None:
    assert ServerWatch(None, every_s=0.0).change(now=5.0) is None


def test_a_server_that_starts_later_is_reported_back_never_lost(tmp_path: Path) -> None:
    path = tmp_path / "native"
    watch = ServerWatch(path, every_s=0.0)
    assert watch.change(now=1.0) is None and watch.down
    server = _listen(path)
    try:
        assert watch.change(now=2.0) == "back"  # libVLC's stream must be opened again
        assert watch.change(now=3.0) is None
        server.close()
        assert watch.change(now=4.0) == "lost"  # seen up once: now it counts
    finally:
        server.close()


def test_a_server_that_takes_no_connections_is_told_apart_from_one_gone(tmp_path: Path) -> None:
    path = tmp_path / "native"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(0)  # never accepts: as a frozen server, once the kernel's queue is full
    watch = ServerWatch(path, every_s=0.0)
    try:
        now = 1.0
        while watch.change(now=now) != "lost":
            now += 1.0
            assert now < 20, "a server that never accepts must be told lost"
        assert "not responding" in watch.reason
    finally:
        server.close()
    path.unlink()
    assert watch.change(now=30.0) is None and watch.down  # still lost, told once
    assert "not responding" in watch.reason  # what was true when it was lost
