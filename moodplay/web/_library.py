"""The player page's library: browse by artist, album and folder, search as you type, play or
queue.

Thin on purpose: every answer is an MPD command's (``MpdFacade.dispatch``), so the page sees
what an MPD client sees: ``count group artist``, ``list album group albumartist``, ``lsinfo``
(a folder), ``find``
(an album in MPD's order: disc, track, file name) and ``search any`` (case-folded
substrings of any tag); queueing is ``findadd``/``add`` and playing is ``clear``, then those,
then ``play 0``: MPD's queue rules, the same session steps. Each runs on the server's threads.

    GET  /api/library/artists            {"artists": [{"name": "Maxstack", "songs": 16,
                                          "playtime_s": 3012}, ...]}  (MPD's order: bytewise)
    GET  /api/library/albums[?artist=A]  {"albums": [{"album": "Endgame", "albumartist":
                                          "Maxstack"}, ...]}  (albums A plays on, by album
                                          artist; a track without one counts under its artist)
    GET  /api/library/tracks?album=B[&albumartist=A] | ?artist=A
                                         {"tracks": [TRACK, ...]}  (MPD's database order)
    GET  /api/library/folder[?path=P]     {"path": "Soundtrack", "folders": ["Soundtrack/Disc 1",
                                          ...], "tracks": [TRACK, ...]}  (MPD lsinfo: the music
                                          folder's top without a path; 404: no such folder)
    GET  /api/library/search?q=TEXT      {"artists": ["Maxstack"], "albums": [{"album": ...,
                                          "albumartist": ...}], "tracks": [TRACK, ...],
                                          "more": 0}  (what matched, tracks at most MAX_TRACKS;
                                          "more": how many tracks were left out)
    POST /api/library/queue  {"file": URI} | {"album": B, "albumartist": A} | {"artist": A}
                                         after your part of the queue (MPD add/findadd)
    POST /api/library/play   the same body: your part of the queue becomes these, from the
                                         first (MPD clear, add/findadd, play 0)

    TRACK = {"id": 3, "file": "Soundtrack/Nebula.ogg", "title": "Nebula", "artist":
             "Maxstack", "artists": ["Maxstack"], "album": "Endgame", "albumartist": "",
             "disc": null, "track": 2, "duration_s": 182.4}  (a null disc/track: none tagged)
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from typing import Any

from aiohttp import web

from moodplay._live import LiveSession
from moodplay._uris import uri_of
from moodplay.mpd import MpdFacade, ProtocolError
from moodplay.web._api import ApiError, json_body

MAX_TRACKS = 100
"""Tracks one search answers (the page asks again as the listener types more)."""
MAX_QUERY = 200
"""Characters a search or a name may have."""

NO_EXIST = 50
"""MPD's ACK code for "no such song, folder or match"."""

Pairs = Sequence[tuple[str, object]]


class Library:
    def __init__(self, session: LiveSession, pool: Executor) -> None:
        self.session, self.pool = session, pool
        self.mpd = MpdFacade(session)

    def add_routes(self, app: web.Application) -> None:
        for name in ("artists", "albums", "tracks", "folder", "search"):
            app.router.add_get(f"/api/library/{name}", getattr(self, name))
        app.router.add_post("/api/library/queue", self.queue)
        app.router.add_post("/api/library/play", self.play)

    async def _ask(self, work: Callable[[], Any]) -> web.Response:
        return web.json_response(await asyncio.get_running_loop().run_in_executor(self.pool, work))

    def _mpd(self, name: str, args: list[str]) -> Pairs:
        """One MPD command's answer; an ACK becomes a 404 (nothing there) or 400 with its words."""
        try:
            return self.mpd.dispatch(name, args)
        except ProtocolError as e:
            missing = int(e.code) == NO_EXIST
            raise ApiError(404 if missing else 400, f"{name}: {e.message}") from e

    async def artists(self, request: web.Request) -> web.Response:
        def work() -> dict[str, Any]:
            rows: list[dict[str, Any]] = []
            for key, value in self._mpd("count", ["group", "artist"]):
                if key == "Artist":
                    rows.append({"name": value})
                elif rows:
                    rows[-1]["playtime_s" if key == "playtime" else key] = value
            return {"artists": [r for r in rows if r["name"]]}

        return await self._ask(work)

    async def albums(self, request: web.Request) -> web.Response:
        artist = _text(request.query.get("artist"), "artist", required=False)
        where = ["artist", artist] if artist else []

        def work() -> dict[str, Any]:
            pairs = self._mpd("list", ["album", *where, "group", "albumartist"])
            return {"albums": _albums(pairs)}

        return await self._ask(work)

    async def tracks(self, request: web.Request) -> web.Response:
        where = _where(dict(request.query))
        return await self._ask(lambda: {"tracks": self._tracks(self._mpd("find", where))})

    async def folder(self, request: web.Request) -> web.Response:
        path = _text(request.query.get("path"), "path", required=False).strip("/")

        def work() -> dict[str, Any]:
            pairs = self._mpd("lsinfo", [path] if path else [])
            folders = [str(v) for k, v in pairs if k == "directory"]
            return {"path": path, "folders": folders, "tracks": self._tracks(pairs)}

        return await self._ask(work)

    async def search(self, request: web.Request) -> web.Response:
        text = _text(request.query.get("q"), "q")

        def work() -> dict[str, Any]:
            found = self._tracks(self._mpd("search", ["any", text]))
            folded = text.casefold()
            artists = {a: None for t in found for a in t["artists"]
                       if folded in a.casefold()}  # fmt: skip
            albums = {(t["album"], t["albumartist"] or t["artist"]): None for t in found
                      if t["album"] and folded in t["album"].casefold()}  # fmt: skip
            return {
                "artists": list(artists),
                "albums": [{"album": b, "albumartist": a} for b, a in albums],
                "tracks": found[:MAX_TRACKS],
                "more": max(0, len(found) - MAX_TRACKS),
            }

        return await self._ask(work)

    async def queue(self, request: web.Request) -> web.Response:
        command = _adding(await json_body(request))
        return await self._ask(lambda: self._run([command]))

    async def play(self, request: web.Request) -> web.Response:
        command = _adding(await json_body(request))
        return await self._ask(lambda: self._run([("clear", []), command, ("play", ["0"])]))

    def _run(self, commands: list[tuple[str, list[str]]]) -> dict[str, bool]:
        if commands[-1][0] == "play":  # refuse before clearing when nothing would be added
            self._exists(commands[1])
        for name, args in commands:
            self._mpd(name, args)
        return {"ok": True}

    def _exists(self, command: tuple[str, list[str]]) -> None:
        name, args = command
        if name == "add":
            self._mpd("lsinfo", args)  # a 404 when nothing is there
        elif not self._mpd("find", args):
            raise ApiError(404, "nothing in the library matches")

    def _tracks(self, pairs: Pairs) -> list[dict[str, Any]]:
        """The songs of a find/search answer as TRACKs."""
        session = self.session
        tracks, root = session.tracks, session.root
        ids = {uri_of(info.path, root): tid for tid, info in tracks.items()}
        out = []
        for key, value in pairs:
            if key != "file" or str(value) not in ids:
                continue
            tid = ids[str(value)]
            info = tracks[tid]
            out.append({"id": tid, "file": value, "title": info.title, "artist": info.artist,
                        "album": info.album, "albumartist": info.album_artist,
                        "disc": info.disc_number, "track": info.track_number,
                        "duration_s": round(session.duration(session.index_of(tid)), 1),
                        "artists": list(info.artists or (info.artist,))})  # fmt: skip
        return out


def _albums(pairs: Pairs) -> list[dict[str, str]]:
    """``list album group albumartist``'s answer as {"album", "albumartist"} rows."""
    rows, artist = [], ""
    for key, value in pairs:
        if key == "AlbumArtist":
            artist = str(value)
        elif key == "Album" and value:
            rows.append({"album": str(value), "albumartist": artist})
    return rows


def _where(fields: dict[str, Any]) -> list[str]:
    """A find filter (tag/value pairs) from {"album": B, "albumartist": A} or {"artist": A}."""
    album = _text(fields.get("album"), "album", required=False)
    if album:
        by = _text(fields.get("albumartist"), "albumartist", required=False)
        return ["album", album, *(["albumartist", by] if by else [])]
    artist = _text(fields.get("artist"), "artist", required=False)
    if artist:
        return ["artist", artist]
    raise ApiError(400, "say which: album (and albumartist), or artist")


def _adding(body: dict[str, Any]) -> tuple[str, list[str]]:
    """The MPD command that queues what the body names: ``add URI`` or ``findadd FILTER``."""
    if "file" in body:
        return "add", [_text(body["file"], "file")]
    return "findadd", _where(body)


def _text(value: Any, name: str, required: bool = True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or not value.strip():
        raise ApiError(400, f"{name}: send some text")
    if len(value) > MAX_QUERY:
        raise ApiError(413, f"{name}: over {MAX_QUERY} characters")
    return value
