"""The MPD protocol server (asyncio, loopback by default) on top of the live session.

Stock clients (mpc, ncmpcpp, python-mpd2) control moodplay: every command goes through the same
registry as voice. moodplay's own commands arrive as client messages on the "moodplay" channel:
``mpc sendmessage moodplay "mood calm"`` (also "like", "dislike", "ban", "more", "why",
"sleep 20", "private on", "undo", and any phrase the voice understands, e.g. "play something
energetic"). A message understood but refused ("nothing to undo") is an ACK with the reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from concurrent.futures import ThreadPoolExecutor

from moodplay._config import MpdConfig
from moodplay._live import LiveSession
from moodplay._logs import RateLimitedLog
from moodplay._server import TcpServer
from moodplay.mpd._facade import PROTOCOL_VERSION, MpdFacade, MpdOptions
from moodplay.mpd._idle import WATCH_S, IdleClient, Watched, idle_subsystems
from moodplay.mpd._messages import Mailbox
from moodplay.mpd._protocol import Conversation, ProtocolError

log = logging.getLogger(__name__)

WORKERS = 8
"""Threads running MPD commands (each mostly waits for the session thread)."""
READS = frozenset({b"status", b"currentsong", b"ping"})
"""What polling clients send most: answered on the event loop while the shared snapshot is
fresh (``_base.SnapshotCache``), without a worker thread."""


class MpdServer(TcpServer):
    """MPD's TCP server with MPD's limits (``[mpd]`` in the config): connections, idle time,
    command-list size and unread output. Commands run on the server's own threads, so MPD
    clients and the web page never wait for each other's work."""

    def __init__(self, session: LiveSession, host: str = "127.0.0.1", port: int = 6600,
                 password: str | None = None) -> None:  # fmt: skip
        self.session, self.host, self.port, self.password = session, host, port, password
        self.limits: MpdConfig = session.config.mpd
        self._clients: set[IdleClient] = set()
        self._boxes: dict[Mailbox, IdleClient] = {}
        self._options = MpdOptions()
        self._snapshots = self._options.snapshots
        self._last: Watched | None = None
        self._seen = -1
        self._lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="mpd")
        self._refused = RateLimitedLog(log, "MPD: %d connections already; refusing more, "
                                            "as MPD does (max_connections)")  # fmt: skip

    async def start(self) -> int:
        port = await super().start()
        self._watcher = asyncio.create_task(self._watch(), name="mpd-idle-watcher")
        return port

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        await super().close()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _watch(self) -> None:
        """Changes made by voice, the web page or the player itself reach idle clients too."""
        while True:
            updating = self._last is not None and self._last.updating
            if self.session.changes != self._seen or self.session.updating() != updating:
                try:
                    await self.refresh()
                except Exception:  # the watcher must outlive one failed read
                    log.exception("MPD idle: reading the session failed")
            await asyncio.sleep(WATCH_S)

    async def refresh(self, extra: set[str] | None = None) -> None:
        """Compare what clients see with the last look; tell every connection what moved,
        plus ``extra`` (what a command changed that the comparison cannot see, e.g. a seek)."""
        async with self._lock:
            seen = self.session.changes
            done = self.session.submit(lambda: Watched.read(self.session))
            now = await asyncio.wrap_future(done)
            assert isinstance(now, Watched)
            moved = set(extra or ())
            self._options.selection.seen(now.current)
            self._options.versions.observe(now.queue, now.users)
            if self._last is None or now.state != self._last.state:
                self._options.play_clock.state(now.state)
            if self._last is not None:
                moved |= now.changed(self._last)
            self._last, self._seen = now, seen
            for client in self._clients:
                client.add(moved)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if len(self._clients) >= self.limits.max_connections:
            self._refused.warn(len(self._clients))
            writer.close()
            return
        facade = MpdFacade(self.session, self.password, self._options)
        conversation = Conversation(facade.dispatch, self.limits.max_command_list_size * 1024)
        idle = IdleClient(writer)
        self._clients.add(idle)
        self._boxes[facade.mailbox] = idle
        writer.write(f"OK MPD {PROTOCOL_VERSION}\n".encode())
        try:
            while line := await self._read(reader, idle):
                if not await self._line(line.rstrip(b"\n"), facade, conversation, idle):
                    break
                if not await self._flush(writer):
                    break
        except (ConnectionError, asyncio.LimitOverrunError, ValueError) as e:
            log.info("MPD client dropped: %s", e)
        finally:
            self._clients.discard(idle)
            del self._boxes[facade.mailbox]
            self._options.channels.close(facade.mailbox)
            writer.close()

    async def _read(self, reader: asyncio.StreamReader, idle: IdleClient) -> bytes:
        """The next request line; b"" (close) after ``connection_timeout`` of silence, except
        while the client idles (MPD waits for an idling client for ever)."""
        if idle.wanted is not None:
            return await reader.readline()
        try:
            async with asyncio.timeout(self.limits.connection_timeout):  # no task per line
                return await reader.readline()
        except TimeoutError:
            log.info("MPD client silent for %.0f s: closing (connection_timeout)",
                     self.limits.connection_timeout)  # fmt: skip
            return b""

    async def _flush(self, writer: asyncio.StreamWriter) -> bool:
        """Send what is buffered; False (close) when a client leaves more than
        ``max_output_buffer_size`` unread or stops reading for ``connection_timeout``."""
        limit = self.limits.max_output_buffer_size * 1024
        if writer.transport.get_write_buffer_size() > limit:
            log.warning("MPD client is not reading its answers (over %d KiB): closing",
                        self.limits.max_output_buffer_size)  # fmt: skip
            return False
        if not writer.transport.get_write_buffer_size():
            return True  # all sent: nothing to wait for
        try:
            async with asyncio.timeout(self.limits.connection_timeout):
                await writer.drain()
        except TimeoutError:
            log.info("MPD client stopped reading: closing")
            return False
        return True

    async def _line(self, raw: bytes, facade: MpdFacade, conversation: Conversation,
                    idle: IdleClient) -> bool:  # fmt: skip
        """Handle one request line; False closes the connection."""
        word = raw.strip()
        if idle.wanted is not None:  # while idling MPD takes only noidle, and closes otherwise
            if word == b"noidle":
                idle.noidle()
                return True
            log.info("MPD client sent %r during idle: closing, as MPD does", word[:40])
            return False
        if not conversation.in_list:
            if word in (b"close", b"noidle"):  # outside idle MPD ignores noidle, unanswered
                return word == b"noidle"
            if word == b"idle" or word.startswith((b"idle ", b"idle\t")):
                return await self._idle(raw, idle)
        return await self._command(raw, facade, conversation, idle)

    async def _command(self, raw: bytes, facade: MpdFacade, conversation: Conversation,
                       idle: IdleClient) -> bool:  # fmt: skip
        snap = None if conversation.in_list or raw not in READS else self._snapshots.fresh(
            self.session)  # fmt: skip
        if snap is not None:  # answered here: no thread, the session not asked
            with self._snapshots.pinned(snap):
                answer = conversation.handle(raw)
        else:
            loop = asyncio.get_running_loop()
            answer = await loop.run_in_executor(self._pool, conversation.handle, raw)
        if facade.touched:  # this connection's own change reaches its next idle at once
            extra, facade.touched, facade.events = facade.events, False, set()
            await self.refresh(extra)
        for box in self._options.channels.take_notified():
            self._boxes[box].add({"message"})
        if answer is not None:
            idle.writer.write(answer.encode("utf-8", "surrogateescape"))  # binary chunks: bytes
        if conversation.closing:
            log.info("MPD client sent what MPD closes the connection over (%r): closing",
                     raw[:40])  # fmt: skip
            return False
        return True

    async def _idle(self, raw: bytes, idle: IdleClient) -> bool:
        try:
            wanted = idle_subsystems(raw)
        except ProtocolError as e:
            idle.writer.write(e.ack().encode())
            return True
        if self.session.changes != self._seen:
            await self.refresh()
        idle.start(wanted)
        return True
