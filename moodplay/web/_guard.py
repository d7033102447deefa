"""Who may use the API: the token, the Host rule (DNS rebinding) and the Origin allow-list.

- With a token configured, ``/api/*`` needs ``Authorization: Bearer TOKEN`` (the WebSocket,
  which a browser cannot give headers: ``?token=TOKEN``).
- Without one, the daemon listens on loopback only, and a request naming another Host is
  refused: a web page whose name an attacker re-points at 127.0.0.1 (DNS rebinding) sends its
  own name as Host.
- A browser names the page a request comes from in ``Origin``. The WebSocket and every POST
  are refused from any page but this daemon's own: no Origin (curl, the CLI, MPD bridges), or
  an Origin on the daemon's port whose host is a loopback name or the bound address (and, with
  a token, the Host the request was sent to: the page opened by the machine's LAN name).
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})


class RefusedError(Exception):
    """A request the rules refuse: ``status`` (401 or 403) and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class Guard:
    host: str
    """The address the server is bound to (as configured: 127.0.0.1, ::1, 0.0.0.0, a name)."""
    port: int
    """The port it is bound to (the one the system chose, when asked for port 0)."""
    token: str | None = None

    def authorise(self, headers: dict[str, str], query_token: str = "") -> None:
        """Raise :class:`RefusedError` unless the token (or, with none, the Host rule) allows."""
        if self.token is None:
            host = _split_host(headers.get("host", ""))[0]
            if host not in LOOPBACK_NAMES | {self.host}:
                raise RefusedError(403, f"Host {host!r} is not this machine's loopback address")
            return
        given = headers.get("authorization", "").removeprefix("Bearer ").strip() or query_token
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise RefusedError(401, "missing or wrong token (Authorization: Bearer TOKEN)")

    def check_origin(self, headers: dict[str, str]) -> None:
        """Raise :class:`RefusedError` (403) when a browser sends this from another site's page."""
        origin = headers.get("origin")
        if origin is None:
            return
        if not self.origin_allowed(origin, headers.get("host", "")):
            raise RefusedError(403, f"Origin {origin!r} is not this daemon's page")

    def origin_allowed(self, origin: str, host_header: str = "") -> bool:
        try:
            url = urlsplit(origin)
            host, port = url.hostname, url.port
        except ValueError:  # a port that is not a number
            return False
        if url.scheme not in ("http", "https") or host is None:
            return False  # "null": a file, a sandboxed frame, a redirect from elsewhere
        port = port or (443 if url.scheme == "https" else 80)
        if port == self.port and host in LOOPBACK_NAMES | {self.host.lower()}:
            return True
        # With a token the daemon may be reached by any of the machine's names: the page is
        # its own when it came from the address the request went to (a rebinding page would
        # need the token as well).
        return self.token is not None and (host, port) == _split_host(host_header, url.scheme)


def _split_host(value: str, scheme: str = "http") -> tuple[str, int]:
    """``Host`` header -> (lower-case name without brackets, port)."""
    try:
        url = urlsplit(f"{scheme}://{value.strip()}")
        port = url.port
    except ValueError:
        return "", 0
    return (url.hostname or ""), port or (443 if scheme == "https" else 80)
