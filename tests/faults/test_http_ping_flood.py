"""Issue 11, finding 3: a WebSocket client that sends pings and never reads. Pongs are
coalesced and the backlog is bounded, so the daemon's memory stays flat and every other client
is answered."""

from __future__ import annotations

import base64
import os
import socket
import struct
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import short_library
from tests.faults.sound_helpers import daemon_and_pulse, rss_mb, status
from tests.moodplay.daemon import Daemon

PINGS = 1_000_000
"""The issue's 100k pings queue only ~13 MB of pongs even without a bound: ten times as many
make a test that fails without one (~+115 MB measured before the fix)."""
PAYLOAD = b"p" * 125  # the largest a control frame may carry
PONG = 0xA


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    db = short_library(tmp_path, ("Awakening", "Coherence"), seconds=5)
    with daemon_and_pulse(db, tmp_path, "--no-voice") as (d, _):
        yield d


def _open_events(url: str) -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # a reader that never reads
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
        .encode()
    )  # fmt: skip
    return sock


def _ping() -> bytes:
    mask = os.urandom(4)
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(PAYLOAD))
    return struct.pack("!BB", 0x80 | 0x9, 0x80 | len(PAYLOAD)) + mask + masked


def _answers_a_ping(url: str) -> bool:
    """A fresh client that reads: its ping is answered with a pong carrying its payload."""
    sock = _open_events(url)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 16)
    try:
        sock.sendall(_ping())
        data, deadline = bytearray(), time.monotonic() + 10
        while time.monotonic() < deadline:
            data += sock.recv(1 << 16)
            if bytes([0x80 | PONG, len(PAYLOAD)]) + PAYLOAD in data:
                return True
        return False
    finally:
        sock.close()


@pytest.mark.slow
def test_a_ping_flood_from_a_client_that_never_reads(daemon: Daemon) -> None:
    before = status(daemon.web)
    start_mb = rss_mb(daemon.proc.pid)
    flood = _open_events(daemon.web)
    burst = _ping() * 1000
    peak_mb = start_mb
    for _ in range(PINGS // 1000):
        try:
            flood.sendall(burst)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            break  # the daemon closed, or stopped reading, a client that never reads: allowed
        peak_mb = max(peak_mb, rss_mb(daemon.proc.pid))
    assert status(daemon.web)["queue"] == before["queue"]  # another client is answered
    peak_mb = max(peak_mb, rss_mb(daemon.proc.pid))
    assert _answers_a_ping(daemon.web)
    peak_mb = max(peak_mb, rss_mb(daemon.proc.pid))
    flood.close()
    print(f"daemon RSS {start_mb:.0f} MiB, at most {peak_mb:.0f} MiB over {PINGS} pings")
    assert peak_mb - start_mb < 50
