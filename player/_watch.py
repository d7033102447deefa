"""Notice the sound server going away and coming back (PulseAudio or PipeWire's pulse).

libVLC keeps "playing" into a dead PulseAudio connection and never reconnects; the player asks
this watch, once a second, whether the server's socket accepts connections again, and then
restarts its output where it was.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

CHECK_EVERY_S = 1.0


def pulse_socket(env: dict[str, str] | None = None) -> Path | None:
    """The local PulseAudio socket the player connects to, or None if it cannot be told."""
    env = dict(os.environ) if env is None else env
    server = env.get("PULSE_SERVER", "")
    if server:
        first = server.split()[0]
        if first.startswith("unix:"):
            return Path(first.removeprefix("unix:"))
        return Path(first) if first.startswith("/") else None  # tcp: not watched
    runtime = env.get("XDG_RUNTIME_DIR") or f"/run/user/{os.getuid()}"
    return Path(runtime) / "pulse" / "native"


def accepts(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.connect(str(path))
        except OSError:
            return False
    return True


class ServerWatch:
    """``came_back()`` is True once after the server was seen down and then up again."""

    def __init__(self, path: Path | None, every_s: float = CHECK_EVERY_S) -> None:
        self.path, self.every_s = path, every_s
        self._checked = 0.0
        self._was_down = False

    def came_back(self, now: float | None = None) -> bool:
        now = time.monotonic() if now is None else now
        if self.path is None or now - self._checked < self.every_s:
            return False
        self._checked = now
        up = accepts(self.path)
        if not up:
            self._was_down = True
            return False
        back, self._was_down = self._was_down, False
        return back
