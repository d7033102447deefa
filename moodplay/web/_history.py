"""The player page's history: what played and what was skipped, forgetting it, exporting it.

Thin on purpose: the events are the store's (``library.load_events``), forgetting is
``library.forget_events``/``forget_event`` (deleted, scrubbed from the file, and a history fold
that holds them dropped, as ``moodplay history forget`` does) and the export is the file
``moodplay history export`` writes. Each request opens its own connection to the database on
the server's threads (a Store belongs to its thread; the session keeps its own). Private mode
is the ``private`` command (``POST /api/command``); the live view says whether it is on.

    GET  /api/history[?days=N]   {"events": [EVENT, ...], "days": N, "more": 0}: the last N days
                                 (default DAYS), newest first, at most MAX_EVENTS ("more": how
                                 many older ones in those days were left out)
    POST /api/history/forget     {"event": {"track_id": 3, "kind": "played", "at": 1767225600.5}}
                                 | {"from": T0, "to": T1} (Unix seconds: a day, say)
                                 | {"all": true}          -> {"ok": true, "forgot": 1}
    GET  /api/history/export     the JSON ``moodplay history export`` writes, as a download

    EVENT = {"at": 1767225600.5, "kind": "played" | "skipped" | "liked" | ..., "track_id": 3,
             "title": "Nebula", "artist": "Maxstack", "album": "Endgame", "position_s": 8.0,
             "duration_s": 182.4, "part_of_day": "night", "mood": {"valence": 0.4,
             "energy": 0.6} | null, "reason": "New to you; …"}   (the reason the track was
             picked, as stored with the event since 2026-11-30, "" before; a track gone from the
             library has title "" and artist "")
"""

from __future__ import annotations

import asyncio
import functools
import math
import time
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from aiohttp import hdrs, web

from library import Event, Store, forget_event, forget_events, load_events
from moodplay._history_cli import export_json
from moodplay._live import LiveSession
from moodplay.web._api import ApiError, json_body

DAYS = 30
"""Days of history the page shows unless it asks for more."""
MAX_DAYS = 3660
MAX_EVENTS = 500
"""Events one answer holds (the newest)."""


class History:
    def __init__(self, session: LiveSession, pool: Executor) -> None:
        self.session, self.pool = session, pool

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/history", self.events)
        app.router.add_post("/api/history/forget", self.forget)
        app.router.add_get("/api/history/export", self.export)

    async def _in_store(self, work: Callable[[Store], Any]) -> Any:
        def run() -> Any:
            with Store(self.session.db) as store:
                return work(store)

        return await asyncio.get_running_loop().run_in_executor(self.pool, run)

    async def events(self, request: web.Request) -> web.Response:
        try:
            days = int(request.query.get("days", DAYS))
        except ValueError:
            raise ApiError(400, "days: send a whole number") from None
        if not 1 <= days <= MAX_DAYS:
            raise ApiError(400, f"days: 1 to {MAX_DAYS}")
        since = time.time() - days * 86400
        found: list[Event] = await self._in_store(lambda store: load_events(store, since))
        newest = found[::-1][:MAX_EVENTS]
        return web.json_response({"events": [self._event(e) for e in newest], "days": days,
                                  "more": max(0, len(found) - MAX_EVENTS)})  # fmt: skip

    def _event(self, event: Event) -> dict[str, Any]:
        info = self.session.tracks.get(event.track_id)
        mood = None
        if event.mood_valence is not None and event.mood_energy is not None:
            mood = {"valence": event.mood_valence, "energy": event.mood_energy}
        return {"at": event.at, "kind": event.kind, "track_id": event.track_id,
                "title": info.title if info else "", "artist": info.artist if info else "",
                "album": info.album if info else "", "position_s": round(event.position_s, 1),
                "duration_s": round(event.duration_s, 1), "part_of_day": event.part_of_day,
                "mood": mood, "reason": str((event.context or {}).get("reason", ""))}  # fmt: skip

    async def forget(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        work: Callable[[Store], int]
        if body.get("all") is True:
            work = forget_events
        elif isinstance(one := body.get("event"), dict):
            track, kind, at = one.get("track_id"), one.get("kind"), _seconds(one.get("at"), "at")
            if not isinstance(track, int) or isinstance(track, bool) or not isinstance(kind, str):
                raise ApiError(400, 'event: send {"track_id": N, "kind": "played", "at": T}')
            work = functools.partial(forget_event, track_id=track, kind=kind, at=at)
        elif "from" in body and "to" in body:
            start, end = _seconds(body["from"], "from"), _seconds(body["to"], "to")
            if end <= start:
                raise ApiError(400, '"to" must come after "from"')
            work = functools.partial(forget_events, since=start, until=end)
        else:
            raise ApiError(400, 'say what to forget: {"event": {...}}, {"from": T0, "to": T1} '
                           'or {"all": true}')  # fmt: skip
        return web.json_response({"ok": True, "forgot": await self._in_store(work)})

    async def export(self, request: web.Request) -> web.Response:
        text, _ = await self._in_store(export_json)
        day = time.strftime("%Y-%m-%d")
        disposition = f'attachment; filename="moodplay-history-{day}.json"'
        return web.Response(text=text + "\n", content_type="application/json",
                            headers={hdrs.CONTENT_DISPOSITION: disposition})  # fmt: skip


def _seconds(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApiError(400, f"{name}: send Unix seconds")
    return float(value)
