"""What the sound, HTTP and refusal fault tests share: a daemon whose PulseAudio server the
test can kill and start again, HTTP calls that report what came back, and the daemon's RSS."""

from __future__ import annotations

import contextlib
import json
import os
import socket
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from tests.moodplay.daemon import Daemon, start
from tests.pulse import PulseServer


@contextmanager
def daemon_and_pulse(db: Path, folder: Path, *extra: str) -> Iterator[tuple[Daemon, PulseServer]]:
    """A real daemon on ``db`` (any free ports) and its private PulseAudio server, which the
    test may kill and start again."""
    pulse = PulseServer(folder / "pulse")
    pulse.start()
    try:
        daemon = start(db, pulse.env, *extra)
        try:
            yield daemon, pulse
        finally:
            daemon.stop()
    finally:
        pulse.stop()


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MiB (VmRSS)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for process {pid}")


def http(url: str, method: str, path: str, body: bytes = b"",
         headers: dict[str, str] | None = None) -> tuple[int, Any]:  # fmt: skip
    """One request over a raw socket (so a dropped connection shows as status 0)."""
    parts = urlsplit(url)
    # Connection: close, as the answer is read to its end (the server keeps HTTP/1.1 open).
    hdrs = {"Host": "127.0.0.1", "Content-Type": "application/json", "Connection": "close",
            "Content-Length": str(len(body)), **(headers or {})}  # fmt: skip
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in hdrs.items())
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        # The server may answer and close before taking all of it: read the answer then.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(head.encode() + b"\r\n" + body)
        raw = _read_all(sock)
    if not raw:
        return 0, None
    top, _, payload = raw.partition(b"\r\n\r\n")
    status = int(top.split(b" ", 2)[1])
    return status, json.loads(payload) if payload.startswith((b"{", b"[")) else payload


def _read_all(sock: socket.socket) -> bytes:
    chunks = []
    try:
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    except ConnectionResetError:
        pass
    return b"".join(chunks)


def command(url: str, name: str, **args: object) -> tuple[int, Any]:
    body = json.dumps({"command": name, "args": args}).encode()
    return http(url, "POST", "/api/command", body)


def status(url: str) -> dict[str, Any]:
    code, view = http(url, "GET", "/api/status")
    assert code == 200, view
    assert isinstance(view, dict)
    return view


def wait_for(what: Callable[[], bool], timeout_s: float, message: str) -> None:
    """Poll ``what`` until it holds; AssertionError with ``message`` after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while not what():
        if time.monotonic() > deadline:
            raise AssertionError(f"after {timeout_s:.0f} s: {message}")
        time.sleep(0.2)


def pactl(env: dict[str, str], *args: str) -> str:
    result = subprocess.run(["pactl", *args], env={**os.environ, **env}, capture_output=True,
                            text=True, timeout=10, check=True)  # fmt: skip
    return result.stdout
