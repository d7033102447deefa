"""The MPD protocol server (asyncio, loopback by default) on top of the live session.

Stock clients (mpc, ncmpcpp, python-mpd2) control moodplay: every command goes through the same
registry as voice. moodplay's own commands arrive as client messages on the "moodplay" channel:
``mpc sendmessage moodplay "mood calm"`` (also "like", "dislike", "ban", "more", "why",
"sleep 20", "private on", "undo", and any phrase the voice understands, e.g. "play something
energetic"). A message understood but refused ("nothing to undo") is an ACK with the reason.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from moodplay._commands import APP_COMMANDS, CommandError
from moodplay._live import LiveSession
from moodplay._mpd_protocol import Ack, Conversation, Pairs, ProtocolError
from moodplay._server import TcpServer
from moodplay._uris import listing, resolve, uri_of
from moodplay._view import Snapshot, snapshot

log = logging.getLogger(__name__)

PROTOCOL_VERSION = "0.23.0"
CHANNEL = "moodplay"
TIMEOUT_S = 5.0
TAGS = {"artist": "Artist", "album": "Album", "title": "Title"}
SHORTCUTS = {"like": "like", "dislike": "dislike", "ban": "ban", "more": "more_like_this",
             "why": "why_this", "skip": "next", "good night": "wind_down"}  # fmt: skip


class MpdFacade:
    """MPD commands in terms of the live session; one instance per connection."""

    def __init__(self, session: LiveSession, password: str | None = None) -> None:
        self.session = session
        self.password = password
        self.authorised = password is None
        self.handlers: dict[str, Callable[[list[str]], Pairs]] = {
            "status": self._status, "currentsong": self._currentsong, "stats": self._stats,
            "playlistinfo": self._playlistinfo, "plchanges": self._playlistinfo,
            "play": self._simple("play"), "playid": self._simple("play"),
            "pause": self._pause, "stop": self._simple("stop"), "next": self._simple("next"),
            "previous": self._simple("previous"), "setvol": self._setvol, "ping": _nothing,
            "outputs": _outputs, "tagtypes": _tagtypes, "commands": self._commands,
            "notcommands": _nothing, "sendmessage": self._sendmessage,
            "channels": lambda a: [("channel", CHANNEL)], "password": self._password,
            "seekcur": self._seekcur, "seek": self._seek, "list": self._list,
            "find": self._find(exact=True), "search": self._find(exact=False),
            "add": self._add, "clear": self._simple("clear"), "lsinfo": self._lsinfo,
            "update": self._update, "rescan": self._update,
            "repeat": self._switch("repeat"), "single": self._switch("single"),
            "random": self._unsupported_on("random"), "consume": self._unsupported_on("consume"),
            "addid": self._addid, "deleteid": self._deleteid, "delete": self._delete,
            "playlistid": self._playlistid, "listplaylists": _nothing, "urlhandlers": _nothing,
            "decoders": _nothing,
            "replay_gain_status": lambda a: [("replay_gain_mode", "track")],
        }  # fmt: skip

    def dispatch(self, name: str, args: list[str]) -> Pairs:
        if not self.authorised and name not in ("password", "ping", "close"):
            raise ProtocolError(Ack.PERMISSION, "you don't have permission for this command")
        handler = self.handlers.get(name)
        if handler is None:
            raise ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"')
        return handler(args)

    def _run(self, name: str, **args: object) -> object:
        try:
            call = self.session.registry.resolve(name, args)
            return self.session.submit(call).result(timeout=TIMEOUT_S)
        except CommandError as e:
            raise ProtocolError(Ack.ARG, str(e)) from e

    def _snap(self) -> Snapshot:
        result = self.session.submit(lambda: snapshot(self.session)).result(timeout=TIMEOUT_S)
        assert isinstance(result, Snapshot)
        return result

    def _simple(self, name: str) -> Callable[[list[str]], Pairs]:
        def run(args: list[str]) -> Pairs:
            self._run(name)
            return []

        return run

    def _pause(self, args: list[str]) -> Pairs:
        if args and args[0] not in ("0", "1"):
            raise ProtocolError(Ack.ARG, "pause takes 0 or 1")
        paused = self._snap().state == "pause"
        want = (args[0] == "1") if args else not paused
        self._run("pause" if want else "resume")
        return []

    def _switch(self, name: str) -> Callable[[list[str]], Pairs]:
        def run(args: list[str]) -> Pairs:
            if len(args) != 1 or args[0] not in ("0", "1"):
                raise ProtocolError(Ack.ARG, f"{name} takes 0 or 1")
            self._run(name, on=args[0])
            return []

        return run

    def _unsupported_on(self, name: str) -> Callable[[list[str]], Pairs]:
        """moodplay orders the queue itself: "random 0" is accepted, "random 1" explained."""

        def run(args: list[str]) -> Pairs:
            if args != ["0"]:
                raise ProtocolError(Ack.ARG, f"{name}: moodplay picks the order itself; only 0")
            return []

        return run

    def _add(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, "add takes one URI (a file or a folder; see lsinfo)")
        self._run("add", uri=args[0])
        return []

    def _addid(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, "addid takes one file URI (see lsinfo)")
        ids = resolve(args[0], self.session.tracks, self.session.root)
        if len(ids) != 1:
            raise ProtocolError(Ack.NO_EXIST, f"addid needs one file, not {args[0]!r}")
        self._run("add", uri=args[0])
        return [("Id", ids[0])]

    def _deleteid(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, "deleteid takes a song id")
        self._run("unqueue", track=args[0])
        return []

    def _delete(self, args: list[str]) -> Pairs:
        queue = self._snap().queue
        if len(args) != 1 or not args[0].isdigit() or int(args[0]) >= len(queue):
            raise ProtocolError(Ack.ARG, f"delete takes a position 0..{len(queue) - 1}")
        self._run("unqueue", track=queue[int(args[0])])
        return []

    def _playlistid(self, args: list[str]) -> Pairs:
        queue = self._snap().queue
        wanted = [int(args[0])] if args and args[0].isdigit() else queue
        if args and wanted[0] not in queue:
            raise ProtocolError(Ack.NO_EXIST, "no such song in the queue")
        return [p for tid in wanted for p in self._song(tid, queue.index(tid))]

    def _update(self, args: list[str]) -> Pairs:
        self._run("update")
        return [("updating_db", 1)]

    def _lsinfo(self, args: list[str]) -> Pairs:
        uri = args[0] if args else ""
        folders, files = listing(uri, self.session.tracks, self.session.root)
        if uri.strip("/") and not folders and not files:
            raise ProtocolError(Ack.NO_EXIST, f"no such directory: {uri}")
        pairs: list[tuple[str, object]] = [("directory", f) for f in folders]
        return pairs + [p for tid in files for p in self._song(tid, None)]

    def _setvol(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, "setvol takes one number, 0..100")
        self._run("volume_set", percent=args[0])
        return []

    def _status(self, args: list[str]) -> Pairs:
        s = self._snap()
        pairs: list[tuple[str, object]] = [
            ("volume", s.volume_pct), ("repeat", int(self.session.manual.repeat)), ("random", 0),
            ("single", int(self.session.manual.single)),
            ("consume", 0), ("playlist", s.changes), ("playlistlength", len(s.queue)),
            ("state", s.state),
        ]  # fmt: skip
        if s.current is not None:
            duration = self._info(s.current)[1]
            pairs += [("song", 0), ("songid", s.current), ("elapsed", f"{s.elapsed_s:.3f}"),
                      ("duration", f"{duration:.3f}"),
                      ("time", f"{int(s.elapsed_s)}:{int(duration)}")]  # fmt: skip
        return pairs

    def _info(self, track_id: int) -> tuple[Any, float]:
        info = self.session.tracks[track_id]
        index = self.session.index_of(track_id)
        return info, float(self.session.cat.duration_s[index])

    def _song(self, track_id: int, pos: int | None) -> list[tuple[str, object]]:
        info, duration = self._info(track_id)
        song: list[tuple[str, object]] = [
            ("file", uri_of(info.path, self.session.root)), ("Title", info.title),
            ("Artist", info.artist), ("Album", info.album),
            ("Time", int(duration)), ("duration", f"{duration:.3f}"),
        ]  # fmt: skip
        if info.track_number:
            song.append(("Track", info.track_number))
        return song + ([("Pos", pos), ("Id", track_id)] if pos is not None else [])

    def _seekcur(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, "seekcur takes a time in seconds")
        return self._seek_to(args[0])

    def _seek(self, args: list[str]) -> Pairs:
        if len(args) != 2 or args[0] != "0":
            raise ProtocolError(Ack.ARG, "seek works on the current song: seek 0 SECONDS")
        return self._seek_to(args[1])

    def _seek_to(self, text: str) -> Pairs:
        try:
            seconds = float(text)
        except ValueError:
            raise ProtocolError(Ack.ARG, f"{text!r} is not a time in seconds") from None
        if not 0 <= seconds < 86_400:
            raise ProtocolError(Ack.ARG, "time out of range")
        player = self.session.player
        self.session.submit(lambda: player.seek(seconds)).result(timeout=TIMEOUT_S)
        return []

    def _list(self, args: list[str]) -> Pairs:
        if not args or args[0].lower() not in TAGS:
            raise ProtocolError(Ack.ARG, "list takes artist, album or title")
        tag = args[0].lower()
        values = sorted({getattr(info, tag, None) or "" for info in self._infos()} - {""})
        return [(TAGS[tag], v) for v in values]

    def _infos(self) -> list[Any]:
        return list(self.session.tracks.values())

    def _find(self, exact: bool) -> Callable[[list[str]], Pairs]:
        def run(args: list[str]) -> Pairs:
            if len(args) != 2:
                raise ProtocolError(
                    Ack.ARG, "usage: find|search TAG VALUE (TAG: artist, title, any)"
                )
            tag, value = args[0].lower(), args[1].lower()
            if tag not in ("artist", "title", "any"):
                raise ProtocolError(Ack.ARG, f"cannot search by {tag!r}")
            hits = []
            for track_id, info in self.session.tracks.items():
                fields = [info.artist, info.title] if tag == "any" else [getattr(info, tag)]
                texts = [f.lower() for f in fields if f]
                if any(t == value if exact else value in t for t in texts):
                    hits.append(track_id)
            return [pair for pos, tid in enumerate(sorted(hits)) for pair in self._song(tid, pos)]

        return run

    def _currentsong(self, args: list[str]) -> Pairs:
        s = self._snap()
        return self._song(s.current, 0) if s.current is not None else []

    def _playlistinfo(self, args: list[str]) -> Pairs:
        s = self._snap()
        return [pair for pos, tid in enumerate(s.queue) for pair in self._song(tid, pos)]

    def _stats(self, args: list[str]) -> Pairs:
        cat = self.session.cat
        artists = len(set(cat.artist.tolist()))
        albums = len({info.album for info in self.session.tracks.values() if info.album})
        return [("artists", artists), ("albums", albums), ("songs", cat.size),
                ("uptime", int(time.monotonic() - self.session.started)),
                ("db_playtime", int(cat.duration_s.sum())),
                ("db_update", int(self.session.library_at))]  # fmt: skip

    def _commands(self, args: list[str]) -> Pairs:
        return [("command", name) for name in sorted([*self.handlers, "close", "idle", "noidle"])]

    def _password(self, args: list[str]) -> Pairs:
        if self.password is not None and args != [self.password]:
            raise ProtocolError(Ack.PASSWORD, "incorrect password")
        self.authorised = True
        return []

    def _sendmessage(self, args: list[str]) -> Pairs:
        if len(args) != 2:
            raise ProtocolError(Ack.ARG, "sendmessage takes a channel and a message")
        channel, text = args
        if channel != CHANNEL:
            raise ProtocolError(Ack.NO_EXIST, f'no such channel; use "{CHANNEL}"')
        words = text.strip().lower()
        name, _, arg = words.partition(" ")
        if words.startswith("mood "):
            self._run("mood_request", mood=words.removeprefix("mood ").strip())
        elif name in APP_COMMANDS and len(APP_COMMANDS[name]) == (1 if arg else 0):
            self._run(name, **{key: arg.strip() for key in APP_COMMANDS[name]})
        elif words in SHORTCUTS:
            self._run(SHORTCUTS[words])
        else:
            intent = self.session.parse_text(words)
            try:
                call = self.session.registry.from_intent(intent)
            except CommandError as e:
                raise ProtocolError(Ack.ARG, f"not understood: {words!r}") from e
            try:
                self.session.submit(call).result(timeout=TIMEOUT_S)
            except CommandError as e:  # understood but refused: "nothing to undo"
                raise ProtocolError(Ack.ARG, str(e)) from e
        return []


def _nothing(args: list[str]) -> Pairs:
    return []


def _outputs(args: list[str]) -> Pairs:
    return [("outputsid", 0), ("outputname", "moodplay"), ("plugin", "libvlc"),
            ("outputenabled", 1)]  # fmt: skip


def _tagtypes(args: list[str]) -> Pairs:
    return [("tagtype", t) for t in ("Artist", "Album", "Title", "Track", "Genre")]


class MpdServer(TcpServer):
    def __init__(self, session: LiveSession, host: str = "127.0.0.1", port: int = 6600,
                 password: str | None = None) -> None:  # fmt: skip
        self.session, self.host, self.port, self.password = session, host, port, password

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        facade = MpdFacade(self.session, self.password)
        conversation = Conversation(facade.dispatch)
        writer.write(f"OK MPD {PROTOCOL_VERSION}\n".encode())
        try:
            while line := await reader.readline():
                raw = line.rstrip(b"\n")
                if raw.strip() == b"close":
                    break
                if raw.strip() == b"idle" or raw.startswith(b"idle "):
                    await self._idle(reader, writer)
                    continue
                answer = await asyncio.get_running_loop().run_in_executor(
                    None, conversation.handle, raw
                )
                if answer is not None:
                    writer.write(answer.encode())
                    await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError) as e:
            log.info("MPD client dropped: %s", e)
        finally:
            writer.close()

    async def _idle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Answer when the player or the queue changes, or at once on noidle."""
        start = self.session.changes
        pending = asyncio.ensure_future(reader.readline())
        while True:
            done, _ = await asyncio.wait({pending}, timeout=0.1)
            if done:
                writer.write(b"OK\n")  # noidle (or anything) ends idle
                break
            if self.session.changes != start:
                writer.write(b"changed: player\nchanged: playlist\nOK\n")
                pending.cancel()
                break
        await writer.drain()
