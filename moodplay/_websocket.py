"""A minimal server side of RFC 6455 for the events stream: text frames out; close and ping in.

The page only listens, so the server reads client frames just to answer pings and closes.
What waits to be sent to one client is bounded: a pong waits while more than PONG_BACKLOG bytes
are queued, and only the latest ping is answered (RFC 6455, 5.5.3); a client that reads nothing
for DRAIN_TIMEOUT_S, or lets MAX_BACKLOG bytes pile up, is closed.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import struct
from collections.abc import Awaitable, Callable

GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
MAX_CLIENT_FRAME = 4096
POLL_S = 0.1
HEARTBEAT_S = 1.0
PONG_BACKLOG = 64 * 1024
"""Bytes queued for a client above which a pong waits (later pings replace it)."""
MAX_BACKLOG = 1024 * 1024
"""Bytes queued for a client that does not read, past which it is closed."""
DRAIN_TIMEOUT_S = 30.0
"""Seconds a client may read nothing while a view waits for it, before it is closed."""
TEXT, CLOSE, PING, PONG = 0x1, 0x8, 0x9, 0xA


def accept_key(key: str) -> str:
    return base64.b64encode(hashlib.sha1((key + GUID).encode()).digest()).decode()


def frame(opcode: int, payload: bytes) -> bytes:
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 1 << 16:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


async def read_frame(reader: asyncio.StreamReader) -> tuple[int, bytes]:
    """One client frame (clients must mask); oversized frames end the connection."""
    b0, b1 = await reader.readexactly(2)
    n = b1 & 0x7F
    if n == 126:
        (n,) = struct.unpack("!H", await reader.readexactly(2))
    elif n == 127:
        (n,) = struct.unpack("!Q", await reader.readexactly(8))
    if n > MAX_CLIENT_FRAME or not b1 & 0x80:
        raise ConnectionError("oversized or unmasked WebSocket frame")
    mask = await reader.readexactly(4)
    data = await reader.readexactly(n)
    return b0 & 0x0F, bytes(b ^ mask[i % 4] for i, b in enumerate(data))


async def serve_websocket(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                          view: Callable[[], Awaitable[str]],
                          changes: Callable[[], int]) -> None:  # fmt: skip
    """Send ``view()`` now, then whenever ``changes()`` moves (and each second while open,
    so elapsed time stays current), until the client closes."""
    pong = _Pong(writer)
    incoming = asyncio.ensure_future(_answer_client(reader, writer, pong))
    try:
        seen, since = -1, 0.0
        while not incoming.done():
            now = asyncio.get_running_loop().time()
            if changes() != seen or now - since >= HEARTBEAT_S:
                seen, since = changes(), now
                writer.write(frame(TEXT, (await view()).encode()))
                await asyncio.wait_for(writer.drain(), DRAIN_TIMEOUT_S)
            pong.flush()
            await asyncio.wait({incoming}, timeout=POLL_S)
    except (ConnectionError, asyncio.IncompleteReadError, TimeoutError):
        pass
    finally:
        incoming.cancel()
        writer.close()


class _Pong:
    """The one pong owed to a client: sent while little waits for it, else kept (the latest
    ping's payload) until the client reads."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.payload: bytes | None = None

    def owe(self, payload: bytes) -> None:
        self.payload = payload
        self.flush()

    def flush(self) -> None:
        """Send the pong owed, if the backlog allows; ConnectionError past MAX_BACKLOG."""
        backlog = self.writer.transport.get_write_buffer_size()
        if backlog > MAX_BACKLOG:
            raise ConnectionError(f"the client left {backlog} bytes unread")
        if self.payload is not None and backlog < PONG_BACKLOG:
            self.writer.write(frame(PONG, self.payload))
            self.payload = None


async def _answer_client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter,
                         pong: _Pong) -> None:  # fmt: skip
    try:
        while True:
            opcode, data = await read_frame(reader)
            if opcode == CLOSE:
                writer.write(frame(CLOSE, data[:2]))
                return
            if opcode == PING:
                pong.owe(data)
    except (ConnectionError, asyncio.IncompleteReadError):
        return
