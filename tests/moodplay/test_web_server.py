"""The HTTP stack's own behaviour on a real daemon (aiohttp under the routes): keep-alive,
HEAD, ``Allow`` on 405, gzip, the page's ETag and Range, silent connections closed, any bytes
answered with a 4xx or a close; the Origin allow-list; WebSocket pushes on change only."""

from __future__ import annotations

import base64
import gzip
import http.client
import json
import os
import socket
import struct
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moodplay.web._guard import Guard, RefusedError
from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, running

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")


@pytest.fixture(scope="module")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    folder = tmp_path_factory.mktemp("web_server")
    db = short_library(folder, NAMES, seconds=20)
    with running(db, folder / "run", "--no-voice") as d:
        yield d


def _conn(d: Daemon) -> http.client.HTTPConnection:
    parts = urlsplit(d.web)
    assert parts.hostname and parts.port
    return http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)


Answer = tuple[http.client.HTTPResponse, bytes]


def _ask(conn: http.client.HTTPConnection, method: str, path: str, body: object = None,
         headers: dict[str, str] | None = None) -> Answer:  # fmt: skip
    data = None if body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    conn.request(method, path, data, {**hdrs, **(headers or {})})
    answer = conn.getresponse()
    return answer, answer.read()


def test_keep_alive_head_allow_and_gzip(live: Daemon) -> None:
    conn = _conn(live)
    answer, body = _ask(conn, "GET", "/health")
    assert answer.status == 200 and json.loads(body) == {"status": "ok"}
    sock = conn.sock
    answer, body = _ask(conn, "GET", "/api/status")  # the same connection, kept open
    assert answer.status == 200 and conn.sock is sock and json.loads(body)["queue"]
    assert answer.headers["Cache-Control"] == "no-store"
    answer, body = _ask(conn, "HEAD", "/api/status")
    assert answer.status == 200 and body == b"" and answer.headers["Content-Type"].startswith(
        "application/json")  # fmt: skip
    answer, body = _ask(conn, "DELETE", "/api/status")
    assert answer.status == 405 and "GET" in answer.headers["Allow"]
    assert "not allowed" in json.loads(body)["error"]
    answer, body = _ask(conn, "GET", "/api/status", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(body))["queue"]
    conn.close()


def test_the_page_has_etag_range_and_gzip(live: Daemon) -> None:
    conn = _conn(live)
    answer, page = _ask(conn, "GET", "/")
    assert answer.status == 200 and b'id="mood-dot"' in page
    assert answer.headers["Content-Type"] == "text/html; charset=utf-8"
    etag = answer.headers["ETag"]
    answer, body = _ask(conn, "GET", "/", headers={"If-None-Match": etag})
    assert answer.status == 304 and body == b""
    answer, body = _ask(conn, "GET", "/index.html", headers={"Range": "bytes=0-14"})
    assert answer.status == 206 and body == page[:15]
    answer, body = _ask(conn, "GET", "/", headers={"Accept-Encoding": "gzip"})
    assert answer.headers["Content-Encoding"] == "gzip" and gzip.decompress(body) == page
    conn.close()


def test_a_silent_connection_is_closed(live: Daemon) -> None:
    from moodplay.web._server import KEEPALIVE_S

    parts = urlsplit(live.web)
    with socket.create_connection((parts.hostname, parts.port), timeout=KEEPALIVE_S + 10) as s:
        s.sendall(b"GET /api/status HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # and never the end
        started = time.monotonic()
        assert s.recv(1024) == b""
        assert time.monotonic() - started < KEEPALIVE_S + 5


PIECES = [b"GET / HTTP/1.1\r\n", b"POST /api/say HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n",
          b"Content-Length: 5\r\n", b"Content-Length: -1\r\n", b"Content-Length: x\r\n",
          b"Transfer-Encoding: chunked\r\n", b"\r\n", b"{}", b"\xff\xfe", b":", b" ",
          b"Content-Type: application/json\r\n", b"a" * 9000, b"Connection: close\r\n"]  # fmt: skip


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=40), max_size=8))
def test_any_bytes_get_an_answer_or_a_close_never_a_500(live: Daemon, parts: list[bytes]) -> None:
    """What the hand-written parser's fuzz test asked, now of aiohttp's: any bytes, then the
    client stops sending; the answer is never a 5xx, and the daemon answers the next client."""
    url = urlsplit(live.web)
    with socket.create_connection((url.hostname, url.port), timeout=15) as s:
        s.sendall(b"".join(parts))
        s.shutdown(socket.SHUT_WR)
        raw = b""
        while chunk := s.recv(65536):
            raw += chunk
    for line in raw.split(b"\r\n"):
        if line.startswith(b"HTTP/1."):
            assert line[9:10] != b"5", raw[:300]


def _ws_open(d: Daemon, headers: dict[str, str] | None = None) -> tuple[socket.socket, bytes]:
    parts = urlsplit(d.web)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    extra = "".join(f"{k}: {v}\r\n" for k, v in (headers or {}).items())
    sock.sendall(f"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 f"Sec-WebSocket-Version: 13\r\n{extra}\r\n".encode())  # fmt: skip
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    return sock, head


def _ws_message(sock: socket.socket) -> dict[str, Any]:
    def exactly(n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            assert chunk, "closed"
            out += chunk
        return out

    while True:
        b0, b1 = exactly(2)
        n = b1 & 0x7F
        if n == 126:
            (n,) = struct.unpack("!H", exactly(2))
        elif n == 127:
            (n,) = struct.unpack("!Q", exactly(8))
        payload = exactly(n)
        if b0 == 0x81:
            result = json.loads(payload)
            assert isinstance(result, dict)
            return result
        assert b0 == 0x89, hex(b0)  # only the heartbeat's pings come between


ORIGINS = [
    ("", 101), ("http://127.0.0.1:{port}", 101), ("http://localhost:{port}", 101),
    ("http://[::1]:{port}", 101), ("http://evil.example", 403),
    ("http://evil.example:{port}", 403), ("http://127.0.0.1:1", 403), ("null", 403),
]  # fmt: skip


@pytest.mark.parametrize(("origin", "expected"), ORIGINS)
def test_the_websocket_and_posts_only_from_this_daemons_page(live: Daemon, origin: str,
                                                            expected: int) -> None:  # fmt: skip
    port = urlsplit(live.web).port
    headers = {"Origin": origin.format(port=port)} if origin else {}
    sock, head = _ws_open(live, headers)
    sock.close()
    assert head.startswith(f"HTTP/1.1 {expected} ".encode()), head
    conn = _conn(live)
    answer, body = _ask(conn, "POST", "/api/command", {"command": "volume_set", "args":
                        {"percent": 50}}, headers)  # fmt: skip
    assert answer.status == (200 if expected == 101 else 403), body
    if expected == 403:
        assert "is not this daemon's page" in json.loads(body)["error"]


def test_origin_rules() -> None:
    local = Guard("127.0.0.1", 6680)
    assert local.origin_allowed("http://localhost:6680")
    assert not local.origin_allowed("https://localhost:6681")
    assert not local.origin_allowed("http://localhost:x")
    assert not local.origin_allowed("http://192.168.1.5:6680", "192.168.1.5:6680")  # no token
    lan = Guard("0.0.0.0", 6680, token="t")
    assert lan.origin_allowed("http://192.168.1.5:6680", "192.168.1.5:6680")
    assert not lan.origin_allowed("http://evil.example:6680", "192.168.1.5:6680")
    with pytest.raises(RefusedError) as refused:
        lan.authorise({"host": "192.168.1.5:6680"}, "wrong")
    assert refused.value.status == 401
    lan.authorise({"host": "192.168.1.5:6680"}, "t")
    with pytest.raises(RefusedError):
        local.authorise({"host": "evil.example:6680"})


def test_pushes_only_what_changed(live: Daemon) -> None:
    conn = _conn(live)
    _ask(conn, "POST", "/api/command", {"command": "stop"})
    sock, head = _ws_open(live)
    assert head.startswith(b"HTTP/1.1 101 ")
    first = _ws_message(sock)
    assert first["state"] == "stop" and first["queue"] and "at" in first
    sock.settimeout(3)
    with pytest.raises(TimeoutError):  # stopped: nothing changes, nothing is sent
        _ws_message(sock)
    sock.settimeout(10)
    asked = time.monotonic()
    volume = first["volume"] // 2 + 1
    answer, _ = _ask(conn, "POST", "/api/command", {"command": "volume_set",
                                                    "args": {"percent": volume}})  # fmt: skip
    assert answer.status == 200
    message = _ws_message(sock)
    took = time.monotonic() - asked
    assert message["volume"] == volume and "queue" not in message
    assert {"elapsed", "at", "changes"} <= message.keys() and len(json.dumps(message)) < 200
    assert took < 0.5, took
    sock.close()
    conn.close()
