"""The player page's own routes: seeking, editing the queue and cover art.

Thin on purpose: queue edits and seeking run MPD's commands (``MpdFacade.dispatch``: the same
session steps an MPD client's ``moveid``/``deleteid``/``playid``/``seekcur`` take, with MPD's
rules, e.g. the playing track stays first), each on the server's threads.

    POST /api/seek          {"seconds": 42.5}             from that point of the current track
    POST /api/queue/play    {"id": TRACK}                 play that entry now
    POST /api/queue/next    {"id": TRACK}                 play it next (right after this one)
    POST /api/queue/move    {"id": TRACK, "to": POS}      to that position (0 = first)
    POST /api/queue/remove  {"ids": [TRACK, ...]}         out of the queue (your part or the plan)
    GET  /api/cover/{id}[?size=N]  the track's picture: embedded, else cover/folder.jpg|png
                            beside it; with ``size`` (16..1024 px) a JPEG whose longer side is
                            at most that (``library.thumbnail``; the last THUMBS kept)
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from aiohttp import hdrs, web

from library import Picture, read_picture, thumbnail
from moodplay._live import LiveSession
from moodplay.mpd import MpdFacade, ProtocolError
from moodplay.web._api import ApiError, json_body

COVER_NAMES = ("cover.jpg", "cover.png", "folder.jpg", "folder.png", "cover.webp")
"""Pictures beside a track, in the order they are looked for (MPD's names, then folder.*)."""
COVER_CACHE = "private, max-age=300"
"""A browser shows a cover again without asking for 5 minutes, then asks with its ETag."""
MAX_IDS = 200
"""Entries one /api/queue/remove may name."""
IMAGE_TYPES = {".jpg": "image/jpeg", ".png": "image/png", ".webp": "image/webp"}
THUMB_SIZES = range(16, 1025)
"""Thumbnail sizes the page may ask for (px, the longer side)."""
THUMBS = 64
"""Thumbnails kept in memory (a queue's covers at two sizes, with room)."""


class Player:
    def __init__(self, session: LiveSession, pool: Executor) -> None:
        self.session, self.pool = session, pool
        self.mpd = MpdFacade(session)
        self.thumbs: OrderedDict[tuple[str, int], Picture] = OrderedDict()
        self._thumbs_lock = threading.Lock()  # the routes run on the server's threads

    def add_routes(self, app: web.Application) -> None:
        app.router.add_post("/api/seek", self.seek)
        for name in ("play", "next", "move", "remove"):
            app.router.add_post(f"/api/queue/{name}", getattr(self, f"queue_{name}"))
        app.router.add_get("/api/cover/{track_id}", self.cover)

    async def _mpd(self, *commands: tuple[str, list[str]]) -> web.Response:
        """Run MPD commands in turn on a server thread; an ACK becomes a 409 with its words."""

        def work() -> None:
            for name, args in commands:
                try:
                    self.mpd.dispatch(name, args)
                except ProtocolError as e:
                    raise ApiError(409, f"{name}: {e.message}") from e

        await asyncio.get_running_loop().run_in_executor(self.pool, work)
        return web.json_response({"ok": True})

    async def seek(self, request: web.Request) -> web.Response:
        seconds = _number((await json_body(request)).get("seconds"), "seconds")
        return await self._mpd(("seekcur", [f"{max(0.0, seconds):.3f}"]))

    async def queue_play(self, request: web.Request) -> web.Response:
        return await self._mpd(("playid", [str(await _id(request))]))

    async def queue_next(self, request: web.Request) -> web.Response:
        # Position 0 lands right after the playing track (it stays first); stopped, it is first.
        return await self._mpd(("moveid", [str(await _id(request)), "0"]))

    async def queue_move(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        track, to = _int(body.get("id"), "id"), _int(body.get("to"), "to")
        return await self._mpd(("moveid", [str(track), str(to)]))

    async def queue_remove(self, request: web.Request) -> web.Response:
        ids = (await json_body(request)).get("ids")
        if not isinstance(ids, list) or not ids or len(ids) > MAX_IDS:
            raise ApiError(400, f'send {{"ids": [TRACK, ...]}} (1 to {MAX_IDS} track ids)')
        return await self._mpd(*(("deleteid", [str(_int(t, "ids"))]) for t in ids))

    async def cover(self, request: web.Request) -> web.StreamResponse:
        try:
            track_id = int(request.match_info["track_id"])
        except ValueError:
            raise ApiError(404, "no such track") from None
        found = await asyncio.get_running_loop().run_in_executor(
            self.pool, functools.partial(self._cover_source, track_id)
        )
        if found is None:
            raise ApiError(404, f"track {track_id} has no picture")
        size = _size(request.query.get("size"))
        etag, read = found
        etag = f'{etag[:-1]}-{size}"' if size else etag
        headers = {hdrs.ETAG: etag, hdrs.CACHE_CONTROL: COVER_CACHE}
        if etag in request.headers.get(hdrs.IF_NONE_MATCH, ""):
            return web.Response(status=304, headers=headers)
        picture = await asyncio.get_running_loop().run_in_executor(
            self.pool, functools.partial(self._picture, etag, size, read)
        )
        if picture is None:  # changed between the look and the read
            raise ApiError(404, f"track {track_id} has no picture")
        return web.Response(body=picture.data, content_type=picture.mime or "image/jpeg",
                            headers=headers)  # fmt: skip

    def _picture(self, etag: str, size: int, read: Callable[[], Picture | None]
                 ) -> Picture | None:  # fmt: skip
        """The picture, scaled to ``size`` (0: as it is); thumbnails kept by ETag."""
        if not size:
            return read()
        with self._thumbs_lock:
            if (etag, size) in self.thumbs:
                self.thumbs.move_to_end((etag, size))
                return self.thumbs[(etag, size)]
        picture = read()
        if picture is None:
            return None
        small = thumbnail(picture, size)
        with self._thumbs_lock:
            self.thumbs[(etag, size)] = small
            while len(self.thumbs) > THUMBS:
                self.thumbs.popitem(last=False)
        return small

    def _cover_source(self, track_id: int) -> tuple[str, Callable[[], Picture | None]] | None:
        """The picture's ETag and how to read it, or None; files are only looked at here (a
        picture embedded in an unchanged file is read once, see ``_embedded``)."""
        info = self.session.tracks.get(track_id)
        if info is None:
            return None
        path = Path(info.path)
        try:
            stat = path.stat()
        except OSError:
            return None
        if _embedded(str(path), stat.st_mtime_ns, stat.st_size) is not None:
            key = f"{path}:{stat.st_mtime_ns}:{stat.st_size}"
            return _etag(key), lambda: _embedded(str(path), stat.st_mtime_ns, stat.st_size)
        for name in COVER_NAMES:
            beside = path.with_name(name)
            try:
                found = beside.stat()
            except OSError:
                continue
            key = f"{beside}:{found.st_mtime_ns}:{found.st_size}"
            return _etag(key), functools.partial(_file_picture, beside)
        return None


@functools.lru_cache(maxsize=16)
def _embedded(path: str, mtime_ns: int, size: int) -> Picture | None:
    """One file's embedded picture, kept while the file is unchanged (the page asks for the
    playing track's and the queue's, again after each change)."""
    return read_picture(Path(path))


def _file_picture(path: Path) -> Picture | None:
    try:
        return Picture(path.read_bytes(), IMAGE_TYPES.get(path.suffix.lower(), "image/jpeg"))
    except OSError:
        return None


def _etag(key: str) -> str:
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:20] + '"'


async def _id(request: web.Request) -> int:
    return _int((await json_body(request)).get("id"), "id")


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not -(2**31) <= value < 2**31:
        raise ApiError(400, f"{name}: send a whole number")
    return value


def _number(value: Any, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ApiError(400, f"{name}: send a number")
    return float(value)


def _size(text: str | None) -> int:
    """The ``size`` query (0 when absent); ApiError 400 outside THUMB_SIZES."""
    if text is None:
        return 0
    try:
        size = int(text)
    except ValueError:
        raise ApiError(400, "size: send a whole number of pixels") from None
    if size not in THUMB_SIZES:
        raise ApiError(400, f"size: {THUMB_SIZES.start} to {THUMB_SIZES.stop - 1} pixels")
    return size
