"""``GET /api/events``: the live view over a WebSocket, pushed on change only.

A client gets the whole view (``GET /api/status``'s JSON plus ``at``) when it connects, then a
message only when something it shows changed: the keys that differ from what that client was
last sent, always with ``elapsed`` and ``at`` (seconds since the epoch when the view was read),
so a page moves its clock between messages itself. ``mood_log`` grows by appending: a message
carries only the new points, as ``mood_log_add``. A paused daemon sends nothing.

One view is built for all clients, on the session thread, when its change counter moves
(looked at every ``POLL_S``) and once every ``RECHECK_S`` for what moves without it (the
listener's mood, problems, playback that stalled or jumped: ``elapsed`` more than ``DRIFT_S``
from where the clock would put it). Each client coalesces: a slow one is sent what differs
from the latest view when it is ready, never a backlog.

The output's level (``level``: [RMS, peak, band...] in whole dBFS, from the mixer's meter) is
read every ``LEVEL_S`` while the view says "play", and pushed when it changed: at most 10
messages a second while music plays, none while paused or stopped (the view's ``level`` is
then null), none on libVLC's own output (no meter).

Bounds (issue 11): aiohttp answers pings, and a pong waits while the connection's write buffer
is full, so a client that pings and never reads stops being read; the heartbeat pings every
``HEARTBEAT_S`` and closes a client whose pong has not come ``HEARTBEAT_S / 2`` later (a client
that reads nothing answers nothing); a push that cannot be written in ``DRAIN_TIMEOUT_S``
closes the client; a client message over ``MAX_CLIENT_MESSAGE`` bytes closes it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import WSMsgType, web

log = logging.getLogger(__name__)

POLL_S = 0.05
"""How often the session's change counter is looked at (a click shows within ~0.1 s)."""
RECHECK_S = 1.0
"""How often the view is built anyway, for what changes without the counter."""
DRIFT_S = 1.5
"""Seconds ``elapsed`` may stray from the clients' own clock before it is pushed."""
HEARTBEAT_S = 20.0
"""Ping interval; a client whose pong is missing half of it later is closed."""
DRAIN_TIMEOUT_S = 30.0
"""Seconds one push may wait for a client to read, before the client is closed."""
MAX_CLIENT_MESSAGE = 4096
"""The page sends nothing; a client's message over this many bytes closes it."""
LEVEL_S = 0.1
"""How often the output's level is read while playing (the page's meter)."""
MOOD_LOG = "mood_log"
Level = Callable[[], list[int] | None]
"""The output's level now, or None where there is no meter."""

View = dict[str, Any]


class Events:
    """The WebSocket clients and the one view they are all sent."""

    def __init__(self, view: Callable[[], Awaitable[View]], changes: Callable[[], int],
                 level: Level | None = None) -> None:  # fmt: skip
        self._view, self._changes, self._level = view, changes, level
        self._clients: set[_Client] = set()
        self._latest: View | None = None
        self._watcher: asyncio.Task[None] | None = None

    async def handle(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(heartbeat=HEARTBEAT_S, max_msg_size=MAX_CLIENT_MESSAGE,
                                   compress=True)  # fmt: skip
        await ws.prepare(request)
        client = _Client(ws, request)
        self._clients.add(client)
        sender = asyncio.create_task(self._push(client), name="web events client")
        try:
            first = await self._build()
            await client.send(first, first)
            client.wake.set()  # what changed while the first was on its way
            if self._watcher is None or self._watcher.done():
                self._watcher = asyncio.create_task(self._watch(), name="web events")
            async for message in ws:  # pings are answered inside; the page sends nothing else
                if message.type is WSMsgType.ERROR:
                    break
        finally:
            self._clients.discard(client)
            sender.cancel()
            await asyncio.wait([sender], timeout=1.0)
            if not ws.closed:
                with contextlib.suppress(Exception):
                    async with asyncio.timeout(1.0):
                        await ws.close()
        return ws

    async def close(self) -> None:
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        for client in list(self._clients):
            client.abort()

    async def _build(self) -> View:
        """A fresh view; the latest for everyone unless a later-started build came first."""
        started = time.time()
        view = await self._view()
        view["at"] = round(started, 3)
        if self._level is not None:
            view["level"] = self._read_level() if view.get("state") == "play" else None
        if self._latest is None or started >= self._latest["at"]:
            self._latest = view
        return view

    async def _watch(self) -> None:
        """Build the view when the counter moves or ``RECHECK_S`` passed; wake the clients."""
        loop = asyncio.get_running_loop()
        seen, built, leveled = -1, loop.time(), loop.time()
        while self._clients:
            if loop.time() - leveled >= LEVEL_S:
                leveled = loop.time()
                self._new_level()
            if self._changes() != seen or loop.time() - built >= RECHECK_S:
                built = loop.time()
                try:
                    view = await self._build()
                except Exception as e:  # the session is not answering: try again later
                    log.debug("web events: no view: %s", e)
                else:
                    seen = view.get("changes", seen)
                    for client in self._clients:
                        client.wake.set()
            await asyncio.sleep(POLL_S)

    def _new_level(self) -> None:
        """While playing: the output's level into the latest view; the clients woken when it
        moved."""
        latest = self._latest
        if self._level is None or latest is None or latest.get("state") != "play":
            return
        level = self._read_level()
        if level != latest.get("level"):
            self._latest = {**latest, "level": level}
            for client in self._clients:
                client.wake.set()

    def _read_level(self) -> list[int] | None:
        """The level now; None when there is none or reading it failed (logged)."""
        try:
            return self._level() if self._level is not None else None
        except Exception:  # a meter's bug must not end the watcher: the view goes on
            log.exception("web events: reading the output's level")
            return None

    async def _push(self, client: _Client) -> None:
        while not client.ws.closed:
            await client.wake.wait()
            client.wake.clear()
            if client.sent and self._latest and (message := client.news(self._latest)):
                await client.send(message, self._latest)


class _Client:
    def __init__(self, ws: web.WebSocketResponse, request: web.Request) -> None:
        self.ws, self.request = ws, request
        self.sent: View = {}
        """The view this client has (the last one sent to it, or what differed from it)."""
        self.wake = asyncio.Event()

    def news(self, view: View) -> View:
        """What this client lacks of ``view`` ({} when nothing it shows changed)."""
        old = self.sent
        message = {k: v for k, v in view.items()
                   if k not in ("elapsed", "at", MOOD_LOG) and old.get(k) != v}  # fmt: skip
        if view.get(MOOD_LOG) != old.get(MOOD_LOG):
            last = old[MOOD_LOG][-1][0] if old.get(MOOD_LOG) else float("-inf")
            message["mood_log_add"] = [p for p in view[MOOD_LOG] if p[0] > last]
        if message or abs(view["elapsed"] - self._clock(view["at"])) > DRIFT_S:
            return {**message, "elapsed": view["elapsed"], "at": view["at"]}
        return {}

    def _clock(self, at: float) -> float:
        """Where the client's own clock puts ``elapsed`` at ``at``."""
        sent = self.sent
        running = sent.get("state") == "play"
        return float(sent["elapsed"]) + ((at - float(sent["at"])) if running else 0.0)

    async def send(self, message: View, view: View) -> None:
        """Send ``message`` (what differs from ``view``); a client that cannot take it in
        time is closed."""
        try:
            async with asyncio.timeout(DRAIN_TIMEOUT_S):  # (3.11's wait_for can lose a cancel)
                await self.ws.send_str(json.dumps(message))
        except TimeoutError:
            log.info("web events: a client read nothing for %.0f s; closing it", DRAIN_TIMEOUT_S)
            self.abort()
            return
        except ConnectionError:
            return
        self.sent = view

    def abort(self) -> None:
        transport = self.request.transport
        if transport is not None:
            transport.abort()
