"""The HTTP API and WebSocket events of a real daemon, over loopback; bad input never crashes."""

from __future__ import annotations

import base64
import json
import os
import socket
import struct
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.conftest import run_moodplay, short_library
from tests.moodplay.daemon import Daemon, running

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("http"), NAMES, seconds=20)


def call(url: str, path: str, body: object = None, headers: dict[str, str] | None = None,
         method: str | None = None) -> tuple[int, Any]:  # fmt: skip
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    hdrs = {"Content-Type": "application/json"} if data is not None else {}
    req = urllib.request.Request(url.rstrip("/") + path, data=data, method=method,
                                 headers={**hdrs, **(headers or {})})  # fmt: skip
    try:
        with urllib.request.urlopen(req, timeout=10) as answer:
            raw = answer.read()
            kind = answer.headers["Content-Type"]
            return answer.status, json.loads(raw) if "json" in kind else raw.decode()
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


def raw_http(url: str, payload: bytes) -> bytes:
    """The answer's status line and headers (the connection may stay open: HTTP/1.1)."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(payload)
        head = b""
        while b"\r\n\r\n" not in head and (chunk := sock.recv(65536)):
            head += chunk
    return head


def test_status_commands_and_health(daemon: Daemon) -> None:
    assert call(daemon.web, "/health") == (200, {"status": "ok"})
    status, page = call(daemon.web, "/")
    assert status == 200 and 'id="mood-dot"' in page
    status, view = call(daemon.web, "/api/status")
    assert status == 200 and view["state"] == "stop" and len(view["queue"]) >= 5
    assert all(entry["reason"] for entry in view["queue"])
    assert "calm" in view["moods"]
    assert call(daemon.web, "/api/command", {"command": "play"})[0] == 200
    status, answer = call(daemon.web, "/api/command",
                          {"command": "mood_request", "args": {"mood": "calm"}})  # fmt: skip
    assert status == 200 and answer["command"] == "mood_request"
    view = call(daemon.web, "/api/status")[1]
    assert view["state"] == "play" and view["current"]["title"] in NAMES
    assert view["target"]["request"] == "calm"
    status, answer = call(daemon.web, "/api/say", {"text": "what's playing"})
    assert status == 200 and view["current"]["title"] in answer["result"]
    assert call(daemon.web, "/api/command", {"command": "volume_set", "args": {"percent": 40}})[0]
    assert call(daemon.web, "/api/status")[1]["volume"] == 40


Bad = tuple[str, object, dict[str, str], int, str]
"""(path, body, headers, expected status, expected words in the error)."""
BAD_REQUESTS: list[Bad] = [
    ("/api/command", {"command": "frobnicate"}, {}, 422, "unknown command"),
    ("/api/command", {"command": "volume_set", "args": {"percent": 150}}, {}, 422, "0..100"),
    ("/api/command", {"command": "mood_request", "args": {"mood": "x"}}, {}, 422, "unknown mood"),
    ("/api/command", {"command": "play", "args": {"x": 1}}, {}, 422, "unexpected"),
    ("/api/command", b"{not json", {}, 400, "not JSON"),
    ("/api/command", b"[1, 2]", {}, 400, "JSON object"),
    ("/api/command", {"command": 3}, {}, 400, "command"),
    ("/api/command", {"command": "play"}, {"Content-Type": "text/plain"}, 415, "application/json"),
    ("/api/say", {"text": "banana telephone"}, {}, 422, "not understood"),
    ("/api/say", {"text": ""}, {}, 400, "text"),
    ("/api/listen", {}, {}, 503, "voice is off"),
    ("/api/nothing", None, {}, 404, "no such resource"),
    ("/api/status", {"a": 1}, {}, 405, "not allowed"),
    ("/api/status", None, {"Host": "evil.example:6680"}, 403, "loopback"),
]


@pytest.mark.parametrize("bad", BAD_REQUESTS)
def test_bad_requests_get_clear_errors(daemon: Daemon, bad: Bad) -> None:
    path, body, headers, code, says = bad
    status, answer = call(daemon.web, path, body, headers)
    assert status == code and says in answer["error"]
    assert call(daemon.web, "/health")[0] == 200  # still serving


def test_malformed_and_oversized_http(daemon: Daemon) -> None:
    assert b" 413 " in raw_http(daemon.web, b"POST /api/say HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                b"Content-Length: 999999\r\nContent-Type: application/json\r\n"
                                b"\r\n{}")  # fmt: skip
    assert b" 400 " in raw_http(daemon.web, b"GET / HTTP/1.1\r\n\r\n")  # HTTP/1.1 needs Host
    assert b" 400 " in raw_http(daemon.web, b"NONSENSE\r\n\r\n")
    assert b" 400 " in raw_http(daemon.web, b"GET / HTTP/1.1\r\nno colon here\r\n\r\n")
    assert b" 400 " in raw_http(daemon.web, b"GET /" + b"a" * 20000 + b" HTTP/1.1\r\n\r\n")
    assert b" 400 " in raw_http(daemon.web, b"GET / HTTP/1.1\r\nContent-Length: x\r\n\r\n")
    assert b" 400 " in raw_http(daemon.web, b"GET /\xff HTTP/1.1\r\n\r\n")
    assert b" 400 " in raw_http(daemon.web, b"GET /api/events HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    assert call(daemon.web, "/health")[0] == 200


def _ws_connect(url: str, path: str = "/api/events") -> socket.socket:
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())  # fmt: skip
    head = b""
    while b"\r\n\r\n" not in head:
        head += sock.recv(1)
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def _ws_text(sock: socket.socket) -> dict[str, Any]:
    def exactly(n: int) -> bytes:
        out = b""
        while len(out) < n:
            out += sock.recv(n - len(out))
        return out

    b0, b1 = exactly(2)
    assert b0 == 0x81  # a final text frame
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", exactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", exactly(8))
    result = json.loads(exactly(n))
    assert isinstance(result, dict)
    return result


def test_websocket_pushes_changes(daemon: Daemon) -> None:
    sock = _ws_connect(daemon.web)
    first = _ws_text(sock)
    assert first["state"] == "stop"
    call(daemon.web, "/api/command", {"command": "mood_request", "args": {"mood": "energetic"}})
    deadline = time.monotonic() + 5
    view = first
    while view["target"]["request"] != "energetic" and time.monotonic() < deadline:
        view = {**view, **_ws_text(sock)}  # after the first, each message is what changed
    assert view["target"]["request"] == "energetic" and view["changes"] > first["changes"]
    mask = os.urandom(4)
    sock.sendall(bytes([0x88, 0x82]) + mask + bytes(b ^ mask[i] for i, b in enumerate(b"\x03\xe8")))
    sock.settimeout(5)
    while frame := sock.recv(4096):  # drains pushes until the server's close frame
        if frame[:1] == b"\x88":
            break
    sock.close()
    assert call(daemon.web, "/health")[0] == 200


def test_token_required_when_configured(db: Path, tmp_path: Path) -> None:
    with running(db, tmp_path, "--no-voice", "--http-token", "s3cret") as d:
        assert call(d.web, "/api/status")[0] == 401
        assert call(d.web, "/api/status", headers={"Authorization": "Bearer wrong"})[0] == 401
        status, view = call(d.web, "/api/status", headers={"Authorization": "Bearer s3cret"})
        assert status == 200 and view["queue"]
        assert call(d.web, "/health")[0] == 200  # says nothing private


def test_not_loopback_needs_a_token(library_db: Path) -> None:
    result = run_moodplay("daemon", "--db", str(library_db), "--http-host", "0.0.0.0")
    assert result.returncode == 1 and "set --http-token" in result.stderr


def test_port_in_use_disables_only_the_web_part(db: Path, tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        with running(db, tmp_path, "--no-voice", "--http-port", str(port)) as d:
            assert d.web == "" and d.mpd_port
            assert any(f"web: off (port 127.0.0.1:{port}" in line for line in d.lines)
