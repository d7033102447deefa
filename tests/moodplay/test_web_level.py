"""The output's level over the WebSocket events, on a real aiohttp server over loopback: pushed
while playing when it moved, at most ~10 times a second; nothing while paused; and read from a
real mixer's meter through ``Player.mixing``."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import aiohttp
import numpy as np
import pytest
from aiohttp import web

from moodplay.web._events import LEVEL_S, Events, Level
from moodplay.web._level import output_level
from player import level_meter
from player._mixer import Mixer
from tests.moodplay.test_web_events import Source


@asynccontextmanager
async def serving(source: Source, level: Level) -> AsyncIterator[str]:
    events = Events(source.read, lambda: int(source.view["changes"]), level)
    app = web.Application()
    app.router.add_get("/events", events.handle)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        yield f"http://127.0.0.1:{runner.addresses[0][1]}/events"
    finally:
        await events.close()
        await runner.cleanup()


def test_the_level_is_pushed_while_playing_and_never_while_paused() -> None:
    now: list[list[int] | None] = [[-20, -9, -25, -30, -40, -70]]

    async def scenario() -> None:
        source = Source()
        source.change(state="play")
        async with serving(source, lambda: now[0]) as url, aiohttp.ClientSession() as http:
            ws = await http.ws_connect(url)
            first = await ws.receive_json(timeout=5)
            assert first["level"] == now[0]
            for rms in (-21, -22, -30):
                now[0] = [rms, -9, -25, -30, -40, -70]
                message = await ws.receive_json(timeout=5)
                assert message["level"] == now[0]
                assert set(message) == {"level", "elapsed", "at"}
            with pytest.raises(asyncio.TimeoutError):  # the same level: nothing sent
                await ws.receive_json(timeout=1.0)
            source.change(state="pause")
            message = await ws.receive_json(timeout=5)
            assert message["state"] == "pause" and message["level"] is None
            for rms in range(5):  # whatever the meter says, a paused page is sent nothing
                now[0] = [-40 - rms, -9, -25, -30, -40, -70]
                with pytest.raises(asyncio.TimeoutError):
                    await ws.receive_json(timeout=0.3)
            await ws.close()

    asyncio.run(scenario())


def test_at_most_one_level_message_per_level_period() -> None:
    moving = itertools.count()

    async def scenario() -> None:
        source = Source()
        source.change(state="play")
        level = lambda: [-(next(moving) % 60)]  # noqa: E731  # a new reading every time
        async with serving(source, level) as url, aiohttp.ClientSession() as http:
            ws = await http.ws_connect(url)
            await ws.receive_json(timeout=5)
            loop = asyncio.get_running_loop()
            started, messages = loop.time(), 0
            while loop.time() - started < 2.0:
                with pytest.raises(asyncio.TimeoutError):
                    while True:
                        await ws.receive_json(timeout=max(0.01, 2.0 - (loop.time() - started)))
                        messages += 1
            elapsed = loop.time() - started
            assert 0 < messages <= elapsed / LEVEL_S + 2
            await ws.close()

    asyncio.run(scenario())


class Mixing:
    """``Player.mixing``'s part the meter needs: its taps and its mixer."""

    def __init__(self) -> None:
        self.taps: list[Any] = []
        self.mixer = Mixer()


class Playing:
    def __init__(self) -> None:
        self.mixing = Mixing()


def test_output_level_reads_the_mixers_meter() -> None:
    assert output_level(object()) is None  # libVLC's own output: no meter
    player = Playing()
    assert output_level(player) == [-90, -90, -90, -90, -90, -90]
    t = np.arange(48_000) / 48_000
    tone = (0.1 * np.sin(2 * np.pi * 2000 * t)).astype(np.float32)
    block = np.stack([tone, tone], axis=1)
    for at in range(0, 48_000, 480):
        for tap in player.mixing.taps:  # as the output thread calls them
            tap(block[at : at + 480], at / 48_000)
    assert player.mixing.taps == [level_meter(player.mixing)]
    rms, peak, *bands = output_level(player) or []
    assert (rms, peak) == (-20, -20) and bands[2] == -20 and max(bands[:2] + bands[3:]) < -32
