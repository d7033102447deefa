"""The MPD server's asyncio TCP server with a start and a close, and what the HTTP server
shares with it: the handler of failed accepts.

When the process runs out of file descriptors, asyncio reports each failed ``accept()`` to
the loop's exception handler (hundreds of thousands of tracebacks a minute); the handler
installed here writes one line a minute instead and leaves everything else to the default.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from moodplay._logs import RateLimitedLog

log = logging.getLogger(__name__)
_accept_errors = RateLimitedLog(log, "cannot accept connections: %s (open files at the limit?)")


def _quiet_accept_errors(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
    message = str(context.get("message", ""))
    if "accept" in message and isinstance(context.get("exception"), OSError):
        _accept_errors.warn(context["exception"])
        return
    loop.default_exception_handler(context)


def quiet_accept_errors() -> None:
    """Install the one-line-a-minute report of failed accepts on the running loop (unless
    it has an exception handler already)."""
    loop = asyncio.get_running_loop()
    if loop.get_exception_handler() is None:
        loop.set_exception_handler(_quiet_accept_errors)


class TcpServer:
    host: str
    port: int
    limit: int = 2**16
    """Longest line a client may send (asyncio's stream limit)."""
    _server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose, when asked for port 0)."""
        quiet_accept_errors()
        self._server = await asyncio.start_server(self._client, self.host, self.port,
                                                  limit=self.limit)  # fmt: skip
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
