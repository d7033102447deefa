"""Connections like MPD's (issue 10; issue 11's bounded resources): ``[mpd] max_connections``,
``connection_timeout``, ``max_command_list_size`` and ``max_output_buffer_size`` on the real
daemon, set small in a config file so the test sees each limit act."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, running
from tests.moodplay.mpd_reference import Raw, pairs

LIMITS = """
[mpd]
max_connections = 5
connection_timeout = 2.0
max_command_list_size = 1
max_output_buffer_size = 64
"""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_limits"), ("Awakening", "Nebula"), 10)


@pytest.fixture
def small(db: Path, tmp_path: Path) -> Iterator[Daemon]:
    config = tmp_path / "config.toml"
    config.write_text(LIMITS)
    with running(db, tmp_path, "--no-voice", "--config", str(config)) as d:
        yield d


def closed(sock: socket.socket, within_s: float = 10.0) -> bool:
    """True when the server closes ``sock`` (reading gives end of file) within ``within_s``."""
    sock.settimeout(within_s)
    try:
        while sock.recv(65536):
            pass
    except (TimeoutError, ConnectionResetError) as e:
        return isinstance(e, ConnectionResetError)
    return True


def test_connections_past_max_connections_are_closed_and_others_served(small: Daemon) -> None:
    clients = [Raw(small.mpd_port) for _ in range(5)]
    extra = socket.create_connection(("127.0.0.1", small.mpd_port), timeout=10)
    assert closed(extra)  # no greeting: closed at once, as MPD does
    assert clients[0].ask("ping") == ["OK"]
    clients.pop().close()
    time.sleep(0.2)  # the server sees the close
    again = Raw(small.mpd_port)
    assert again.ask("ping") == ["OK"]
    for client in [*clients, again]:
        client.close()


def test_a_silent_client_is_disconnected_after_connection_timeout(small: Daemon) -> None:
    client = Raw(small.mpd_port)
    assert client.ask("ping") == ["OK"]
    assert closed(client.sock, within_s=15)


def test_an_idling_client_is_never_timed_out(small: Daemon) -> None:
    client = Raw(small.mpd_port)
    client.send("idle")
    assert client.quiet(4.0)  # twice the timeout: still connected, still idling
    client.send("noidle")
    assert client.answer() == ["OK"]
    assert client.ask("ping") == ["OK"]
    client.close()


def test_a_command_list_over_max_command_list_size_closes(small: Daemon) -> None:
    client = Raw(small.mpd_port)
    client.send("command_list_begin")
    for _ in range(200):  # 200 lines of 10 bytes: over 1 KiB
        client.send("ping xxxx")
    client.send("command_list_end")
    assert closed(client.sock)


def test_a_client_that_never_reads_is_dropped_not_buffered(small: Daemon) -> None:
    """Thousands of queue listings asked for and never read: the server closes the connection
    once more than max_output_buffer_size (64 KiB) waits, and others are still answered."""
    hog = socket.create_connection(("127.0.0.1", small.mpd_port), timeout=10)
    hog.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    request = b"playlistinfo\n" * 200
    dropped = False
    for _ in range(200):
        try:
            hog.sendall(request)
        except (BrokenPipeError, ConnectionResetError):
            dropped = True
            break
        time.sleep(0.01)
    assert dropped or closed(hog)
    other = Raw(small.mpd_port)
    assert dict(pairs(other.ask("status")))["state"] in ("stop", "pause")
    other.close()


def test_a_long_message_is_refused_with_the_reason(daemon: Daemon) -> None:
    client = Raw(daemon.mpd_port)
    assert client.ask(f"sendmessage moodplay {'x' * 1025}") == [
        "ACK [2@0] {sendmessage} message longer than 1024 bytes"
    ]
    assert client.ask("ping") == ["OK"]
    client.close()
