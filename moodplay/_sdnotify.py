"""systemd's notify protocol (sd_notify) without libsystemd: READY=1, WATCHDOG=1, STOPPING=1.

A datagram to the AF_UNIX socket named by ``$NOTIFY_SOCKET`` (``@`` starts an abstract name).
Outside systemd the variable is unset and every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Mapping

log = logging.getLogger(__name__)


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send ``message`` (e.g. "READY=1") to systemd; False when not run by systemd or the
    socket refuses it (never raises: a missing supervisor must not stop the music)."""
    address = (os.environ if env is None else env).get("NOTIFY_SOCKET", "")
    if not address:
        return False
    if address.startswith("@"):
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.connect(address)
            sock.sendall(message.encode())
    except OSError as e:
        log.warning("systemd notify socket %s: %s", address.lstrip("\0"), e.strerror or e)
        return False
    return True


class Watchdog:
    """Sends WATCHDOG=1 at half of ``$WATCHDOG_USEC`` when :meth:`beat` is called often enough.

    The session loop calls :meth:`beat` on each turn, so a loop that hangs stops the pings and
    systemd (``WatchdogSec=``) kills and restarts the daemon.
    """

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self._env = dict(os.environ if env is None else env)
        self.interval_s = _interval_s(self._env)
        """Seconds between pings; 0 when no watchdog is asked for."""
        self._last = 0.0

    def beat(self) -> None:
        if not self.interval_s:
            return
        now = time.monotonic()
        if now - self._last >= self.interval_s:
            self._last = now
            notify("WATCHDOG=1", self._env)


def _interval_s(env: Mapping[str, str]) -> float:
    pid = env.get("WATCHDOG_PID")
    if pid and pid != str(os.getpid()):
        return 0.0  # the watchdog is meant for another process (e.g. a parent shell)
    try:
        usec = int(env.get("WATCHDOG_USEC", "0"))
    except ValueError:
        return 0.0
    return usec / 2e6 if usec > 0 else 0.0
