"""systemd's notify protocol from the real daemon: READY=1 once MPD answers, WATCHDOG=1 from the
session loop at half of WATCHDOG_USEC, STOPPING=1 on SIGTERM (what Type=notify and WatchdogSec=
in contrib/moodplay.service rely on)."""

from __future__ import annotations

import socket
import time
from pathlib import Path

from tests.faults.conftest import status
from tests.moodplay.daemon import start
from tests.pulse import pulse_server


def _messages(sock: socket.socket, seconds: float) -> list[str]:
    out, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            out.append(sock.recv(4096).decode())
        except TimeoutError:
            break
    return out


def test_ready_watchdog_pings_and_stopping_reach_the_notify_socket(
    db: Path, tmp_path: Path
) -> None:
    address = tmp_path / "notify"
    with (
        socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock,
        pulse_server(tmp_path / "p") as env,
    ):
        sock.bind(str(address))
        daemon = start(db, {**env, "NOTIFY_SOCKET": str(address), "WATCHDOG_USEC": "1000000"},
                       "--no-voice")  # fmt: skip
        try:
            heard = _messages(sock, 4.0)
            assert heard.count("READY=1") == 1, heard
            assert heard.count("WATCHDOG=1") >= 4, heard  # every 0.5 s from the session loop
            assert status(daemon.web)["state"] in ("pause", "stop")
        finally:
            assert daemon.stop() == 0
        assert "STOPPING=1" in _messages(sock, 2.0)
