"""What the MPD and HTTP servers share: an asyncio TCP server with a start and a close."""

from __future__ import annotations

import asyncio


class TcpServer:
    host: str
    port: int
    limit: int = 2**16
    """Longest line a client may send (asyncio's stream limit)."""
    _server: asyncio.AbstractServer | None = None

    async def start(self) -> int:
        """Listen; returns the port (the one the system chose, when asked for port 0)."""
        self._server = await asyncio.start_server(self._client, self.host, self.port,
                                                  limit=self.limit)  # fmt: skip
        return int(self._server.sockets[0].getsockname()[1])

    async def close(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        raise NotImplementedError
