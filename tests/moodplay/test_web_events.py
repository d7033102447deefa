"""The WebSocket events on a real aiohttp server over loopback, fed by a view we change by
hand: a snapshot then only what changed, coalesced for a slow client; a client that answers no
ping, or reads nothing while pushes wait, is closed (issue 11's bounds on aiohttp)."""

from __future__ import annotations

import asyncio
import base64
import os
import socket
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from moodplay.web import _events
from moodplay.web._events import Events


class Source:
    """The view a session would show; ``changes`` moves when a test changes it."""

    def __init__(self) -> None:
        self.view: dict[str, Any] = {"state": "pause", "volume": 50, "elapsed": 12.0,
                                     "changes": 0, "queue": [{"id": 1}, {"id": 2}],
                                     "mood_log": [[1.0, 0.5, 0.5]]}  # fmt: skip

    async def read(self) -> dict[str, Any]:
        return dict(self.view)

    def change(self, **values: Any) -> None:
        self.view = {**self.view, **values, "changes": self.view["changes"] + 1}


@asynccontextmanager
async def serving(source: Source) -> AsyncIterator[tuple[Events, str]]:
    events = Events(source.read, lambda: int(source.view["changes"]))
    app = web.Application()
    app.router.add_get("/events", events.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield events, f"http://127.0.0.1:{runner.addresses[0][1]}/events"
    finally:
        await events.close()
        await runner.cleanup()


def test_a_snapshot_then_only_what_changed() -> None:
    async def scenario() -> None:
        source = Source()
        async with serving(source) as (_, url), aiohttp.ClientSession() as http:
            ws = await http.ws_connect(url, compress=15)  # asks for permessage-deflate
            first = await ws.receive_json(timeout=5)
            assert first["queue"] == [{"id": 1}, {"id": 2}] and "at" in first
            assert ws.compress, "compression was not agreed"
            with pytest.raises(asyncio.TimeoutError):  # nothing changed: nothing sent
                await ws.receive_json(timeout=1.5)
            started = time.monotonic()
            source.change(volume=60)
            message = await ws.receive_json(timeout=5)
            assert time.monotonic() - started < 0.25  # ~0.1 s: a POLL_S look, a view
            assert set(message) == {"volume", "changes", "elapsed", "at"}
            source.view = {**source.view, "mood_log": [[1.0, 0.5, 0.5], [2.0, 0.6, 0.4]]}
            message = await ws.receive_json(timeout=5)  # no counter: the once-a-second look
            assert message["mood_log_add"] == [[2.0, 0.6, 0.4]] and "mood_log" not in message
            source.view = {**source.view, "elapsed": 30.0}  # paused, yet it jumped
            assert (await ws.receive_json(timeout=5))["elapsed"] == 30.0
            await ws.close()

    asyncio.run(scenario())


def test_a_slow_client_gets_the_latest_not_a_backlog() -> None:
    async def scenario() -> None:
        source = Source()
        async with serving(source) as (_, url), aiohttp.ClientSession() as http:
            ws = await http.ws_connect(url)
            await ws.receive_json(timeout=5)
            for volume in range(100):  # faster than the server looks
                source.change(volume=volume)
                await asyncio.sleep(0.001)
            await asyncio.sleep(0.5)
            seen = []
            with pytest.raises(asyncio.TimeoutError):
                while True:
                    seen.append((await ws.receive_json(timeout=0.5))["volume"])
            assert seen[-1] == 99 and len(seen) < 30
            await ws.close()

    asyncio.run(scenario())


def _silent_client(url: str) -> socket.socket:
    """A WebSocket client that says hello and then neither reads nor answers."""
    parts = urlsplit(url)
    sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
                 f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
                 "Sec-WebSocket-Version: 13\r\n\r\n".encode())  # fmt: skip
    return sock


async def _until_gone(events: Events, timeout_s: float) -> float:
    while not events._clients:
        await asyncio.sleep(0.01)
    started = time.monotonic()
    while events._clients:
        assert time.monotonic() - started < timeout_s, "the client was never closed"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


def test_a_client_that_answers_no_ping_is_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(_events, "HEARTBEAT_S", 1.0)

    async def scenario() -> float:
        async with serving(Source()) as (events, url):
            sock = await asyncio.to_thread(_silent_client, url)
            try:
                return await _until_gone(events, 10)
            finally:
                sock.close()

    assert asyncio.run(scenario()) < 4


async def churn(source: Source) -> None:
    """A big view that changes faster than a client that does not read could take it."""
    for i in range(10_000):
        source.change(queue=[{"id": i, "pad": "x" * 200_000}])
        await asyncio.sleep(0.06)


def test_a_client_that_reads_nothing_while_pushes_wait_is_closed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_events, "DRAIN_TIMEOUT_S", 1.0)
    monkeypatch.setattr(_events, "HEARTBEAT_S", 600.0)  # not the heartbeat: the push's bound

    async def scenario() -> float:
        source = Source()
        async with serving(source) as (events, url):
            sock = await asyncio.to_thread(_silent_client, url)
            task = asyncio.create_task(churn(source))
            try:
                return await _until_gone(events, 20)
            finally:
                task.cancel()
                sock.close()

    assert asyncio.run(scenario()) < 10
