"""The sound-server watch: down, then up again, is reported once."""

from __future__ import annotations

import socket
from pathlib import Path

from player._watch import ServerWatch, pulse_socket


def test_pulse_socket_from_the_environment() -> None:
    assert pulse_socket({"PULSE_SERVER": "unix:/tmp/x/native"}) == Path("/tmp/x/native")
    assert pulse_socket({"PULSE_SERVER": "tcp:host:4713"}) is None
    assert pulse_socket({"XDG_RUNTIME_DIR": "/run/user/7"}) == Path("/run/user/7/pulse/native")


def test_came_back_once_after_the_server_returns(tmp_path: Path) -> None:
    path = tmp_path / "native"
    watch = ServerWatch(path, every_s=0.0)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    assert not watch.came_back(now=1.0)  # up from the start: nothing to recover
    server.close()
    path.unlink()
    assert not watch.came_back(now=2.0)  # down
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen()
    try:
        assert watch.came_back(now=3.0)  # back: restart the output
        assert not watch.came_back(now=4.0)  # once
    finally:
        server.close()


def test_no_socket_to_watch_is_never_reported() -> None:
    assert not ServerWatch(None, every_s=0.0).came_back(now=5.0)
