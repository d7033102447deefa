"""Notice the sound server going away and coming back (PulseAudio or PipeWire's pulse).

libVLC keeps "playing" into a dead PulseAudio connection — no event, no error, the time moving
on — and never reconnects. The player asks this watch, once a second (and when a track ends),
whether the server's socket accepts connections: when it stops, the player pauses and counts as
having no output; when it accepts again, the player restarts its output where the sound
stopped.
"""

from __future__ import annotations

import os
import socket
import time
from pathlib import Path

CHECK_EVERY_S = 1.0
GONE = "no sound output: the sound server is gone (paused until it returns)"
HUNG = ("no sound output: the sound server is not responding (it takes no connections; "
        "paused until it does)")  # fmt: skip


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
    return refusal(path) is None


def refusal(path: Path) -> str | None:
    """Why the server at ``path`` takes no connection (a reason for the player's owner), or
    None when it takes one. A server that is there but frozen or hung still has its socket, and
    the kernel queues a few connections for it before refusing more (EAGAIN)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(0.2)
        try:
            sock.connect(str(path))
        except (BlockingIOError, TimeoutError):
            return HUNG
        except OSError:
            return GONE
    return None


class ServerWatch:
    """Whether the sound server's socket accepts connections, checked at most every
    ``every_s`` seconds: ``change()`` says "lost" once when it stops, "back" once when it
    accepts again. A socket never seen accepting is not reported lost: it may not be the one
    libVLC uses (a system-wide server elsewhere), and holding playback for it would be wrong;
    when it first accepts (a server started after moodplay) it is reported "back"."""

    reason = GONE
    """What is true while the server is reported lost: gone, or there and not responding."""

    def __init__(self, path: Path | None, every_s: float = CHECK_EVERY_S) -> None:
        self.path, self.every_s = path, every_s
        self._checked = float("-inf")
        self.down = False
        """As of the last check: the server did not accept a connection."""
        self._seen_up = False

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        """ "lost", "back", or None when nothing changed (or it is not time to check again;
        ``force`` checks now). A path of None (no local server to watch) never changes."""
        now = time.monotonic() if now is None else now
        if self.path is None or (not force and now - self._checked < self.every_s):
            return None
        self._checked = now
        refused = refusal(self.path)
        down = refused is not None
        if refused is not None and not self.down:
            self.reason = refused
        was_down, self.down = self.down, down
        if not self._seen_up:
            self._seen_up = not down
            return "back" if was_down and not down else None
        if down == was_down:
            return None
        return "lost" if down else "back"
