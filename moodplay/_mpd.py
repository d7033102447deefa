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
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moodplay import _mpd_filter as mpd_filter
from moodplay._commands import APP_COMMANDS, CommandError
from moodplay._live import LiveSession
from moodplay._mpd_protocol import (
    MAX_COMMAND_LIST_BYTES,
    Ack,
    Conversation,
    Pairs,
    ProtocolError,
    tokenize,
)
from moodplay._server import TcpServer
from moodplay._uris import listing, resolve, uri_of
from moodplay._view import Snapshot, snapshot

log = logging.getLogger(__name__)

PROTOCOL_VERSION = "0.23.0"
CHANNEL = "moodplay"
TIMEOUT_S = 5.0
REPLAY_GAIN_MODES = ("off", "track", "album", "auto")
MAX_CROSSFADE_S = 12
"""``[player] crossfade_s``'s range; MPD takes any unsigned number."""
MIN_BINARY_LIMIT = 64
"""MPD's smallest ``binarylimit`` (bytes)."""
ALWAYS_ALLOWED = ("binarylimit", "close", "commands", "notcommands", "password", "ping",
                  "tagtypes")  # fmt: skip
"""What a client may send before its password, as in MPD (PERMISSION_NONE)."""
SHORTCUTS = {"like": "like", "dislike": "dislike", "ban": "ban", "more": "more_like_this",
             "why": "why_this", "skip": "next", "good night": "wind_down"}  # fmt: skip


@dataclass
class MpdOptions:
    """MPD settings moodplay keeps for MPD clients only, shared by all connections (MPD keeps
    them per partition). The player evens loudness per track whatever ``replay_gain_mode`` says,
    hence "track" where MPD starts with "off"."""

    replay_gain_mode: str = "track"


class MpdFacade:
    """MPD commands in terms of the live session; one instance per connection."""

    def __init__(self, session: LiveSession, password: str | None = None,
                 options: MpdOptions | None = None) -> None:  # fmt: skip
        self.session = session
        self.password = password
        self.options = options or MpdOptions()
        self.binary_limit = 8192
        """MPD's default; moodplay sends no binary chunks yet, so it only remembers it."""
        self.authorised = password is None
        self.touched = False
        """A command may have changed what idle clients watch (the server looks at once)."""
        self.events: set[str] = set()
        """Idle subsystems a command changed that comparing states cannot see (a seek)."""
        self.handlers: dict[str, Callable[[list[str]], Pairs]] = {
            "status": self._status, "currentsong": self._currentsong, "stats": self._stats,
            "playlistinfo": self._playlistinfo, "plchanges": self._plchanges,
            "play": self._play, "playid": self._playid,
            "pause": self._pause, "stop": self._simple("stop"), "next": self._simple("next"),
            "previous": self._simple("previous"), "setvol": self._setvol, "ping": _no_args("ping"),
            "outputs": _outputs, "tagtypes": _tagtypes, "commands": self._commands,
            "notcommands": self._notcommands, "sendmessage": self._sendmessage,
            "channels": lambda a: [("channel", CHANNEL)], "password": self._password,
            "seekcur": self._seekcur, "seek": self._seek, "list": self._list,
            "find": self._find("find"), "search": self._find("search"),
            "findadd": self._findadd("findadd"), "searchadd": self._findadd("searchadd"),
            "count": self._count,
            "add": self._add, "clear": self._simple("clear"), "lsinfo": self._lsinfo,
            "update": self._update, "rescan": self._update,
            "repeat": self._switch("repeat"), "single": self._switch("single"),
            "random": self._unsupported_on("random"), "consume": self._unsupported_on("consume"),
            "addid": self._addid, "deleteid": self._deleteid, "delete": self._delete,
            "playlistid": self._playlistid, "listplaylists": _nothing, "urlhandlers": _nothing,
            "decoders": _nothing,
            "getvol": self._getvol, "volume": self._volume, "binarylimit": self._binarylimit,
            "prio": self._prio, "prioid": self._prioid, "crossfade": self._crossfade,
            "replay_gain_mode": self._replay_gain_mode,
            "replay_gain_status": self._replay_gain_status,
        }  # fmt: skip

    def dispatch(self, name: str, args: list[str]) -> Pairs:
        if not self.authorised and name not in ALWAYS_ALLOWED:
            raise ProtocolError(Ack.PERMISSION, f'you don\'t have permission for "{name}"')
        handler = self.handlers.get(name)
        if handler is None:
            raise ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"')
        return handler(args)

    def _run(self, name: str, **args: object) -> object:
        self.touched = True
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

    def _play(self, args: list[str]) -> Pairs:
        """``play`` resumes; ``play POS`` plays that queue entry (-1: as ``play``)."""
        position = _int_arg("play", args)
        if position is None or position < 0:
            self._run("play")
            return []
        queue = self._snap().queue
        if position >= len(queue):
            raise ProtocolError(Ack.ARG, "Bad song index")
        self._play_track(queue[position])
        return []

    def _playid(self, args: list[str]) -> Pairs:
        track_id = _int_arg("playid", args)
        if track_id is None or track_id < 0:
            self._run("play")
            return []
        if track_id not in self._snap().queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        self._play_track(track_id)
        return []

    def _play_track(self, track_id: int) -> None:
        """Start a queue entry from its beginning: it leads the user's own queue (an adaptive
        entry becomes the user's); adaptive entries before it give way, the user's stay."""
        session = self.session

        def jump() -> None:
            index = session.index_of(track_id)
            if index in session.manual.pending:
                session.manual.pending.remove(index)
            session.manual.pending.insert(0, index)
            session.player.stop()
            session.resume_at = 0.0
            session.queue.replan(session.manual.head(None))
            session.start_current()
            session.changes += 1

        self.touched = True
        session.submit(jump).result(timeout=TIMEOUT_S)

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
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, 'too many arguments for "playlistid"')
        queue = self._snap().queue
        wanted = [_bounded_int(args[0], 0, 2**31 - 1)] if args else queue
        if args and wanted[0] not in queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        return [p for tid in wanted for p in self._song(tid, queue.index(tid))]

    def _update(self, args: list[str]) -> Pairs:
        self._run("update")
        self.events.add("update")
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
        self.events.add("mixer")  # MPD tells mixer even when the volume was already that
        return []

    def _status(self, args: list[str]) -> Pairs:
        s = self._snap()
        pairs: list[tuple[str, object]] = [
            ("volume", s.volume_pct), ("repeat", int(self.session.manual.repeat)), ("random", 0),
            ("single", int(self.session.manual.single)),
            ("consume", 0), ("playlist", s.changes), ("playlistlength", len(s.queue)),
            ("state", s.state),
        ]  # fmt: skip
        xfade = round(self.session.player.crossfade_s)
        if xfade > 0:  # MPD names it only when on, right after state
            pairs.append(("xfade", xfade))
        if s.current is not None:
            duration = self._info(s.current)[1]
            pairs += [("song", 0), ("songid", s.current), ("elapsed", f"{s.elapsed_s:.3f}"),
                      ("duration", f"{duration:.3f}"),
                      ("time", f"{int(s.elapsed_s)}:{int(duration)}")]  # fmt: skip
            if len(s.queue) > 1:  # what plays next (mpc queued)
                pairs += [("nextsong", 1), ("nextsongid", s.queue[1])]
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
        """``seekcur 30`` goes to 0:30; ``seekcur +10`` / ``-5`` move from where it plays."""
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "seekcur"')
        return self._seek_to(args[0], relative=args[0].startswith(("+", "-")))

    def _seek(self, args: list[str]) -> Pairs:
        if len(args) != 2 or args[0] != "0":
            raise ProtocolError(Ack.ARG, "seek works on the current song: seek 0 SECONDS")
        return self._seek_to(args[1], relative=False)

    def _seek_to(self, text: str, relative: bool) -> Pairs:
        try:
            seconds = float(text)
        except ValueError:
            raise ProtocolError(Ack.ARG, f"Float expected: {text}") from None
        session, player = self.session, self.session.player

        def seek() -> bool:
            """On the session thread; clamped to the track, as MPD does; False: no track."""
            resumable = session.resumable()
            if player.current is None:
                if resumable is None:
                    return False
                start, track_id = session.resume_at, resumable
            else:
                start, track_id = player.position_s(), player.current.track_id
            duration = session.duration(session.index_of(track_id))
            target = (start if relative else 0.0) + seconds
            if math.isnan(target):
                return True  # MPD answers OK and stays where it is
            target = max(0.0, min(target, duration))
            if player.current is None:
                session.resume_at = target  # paused after a restart: "play" starts there
            else:
                player.seek(target)
            return True

        if not session.submit(seek).result(timeout=TIMEOUT_S):
            raise ProtocolError(Ack.PLAYER_SYNC, "Not playing")
        self.touched = True
        self.events.add("player")
        return []

    def _list(self, args: list[str]) -> Pairs:
        """``list TAG``, filtered (``list album artist X``, ``list album (FILTER)``) and grouped
        (``list album group albumartist``), as MPD 0.23."""
        return mpd_filter.list_pairs(mpd_filter.parse_list(args), self._library())

    def _library(self) -> list[mpd_filter.Song]:
        """Every song as filters see it, in track-id order."""
        tracks = sorted(self.session.tracks.items())
        return [mpd_filter.Song(uri_of(info.path, self.session.root), self._tags(tid),
                                self._info(tid)[1]) for tid, info in tracks]  # fmt: skip

    def _count(self, args: list[str]) -> Pairs:
        query, group = mpd_filter.parse_count(args)
        return mpd_filter.count_pairs(query, group, self._library())

    def _findadd(self, name: str) -> Callable[[list[str]], Pairs]:
        """``findadd``/``searchadd``: what ``find``/``search`` would answer, queued in order."""
        find = self._find(name)

        def run(args: list[str]) -> Pairs:
            found = find(args)
            for key, uri in found:
                if key == "file":
                    self._run("add", uri=uri)
            return []

        return run

    def _find(self, name: str) -> Callable[[list[str]], Pairs]:
        """``find`` (exact, case-sensitive) and ``search`` (case-folded substrings): tag/value
        pairs and filter expressions, as MPD 0.23 (see _mpd_filter)."""

        def run(args: list[str]) -> Pairs:
            if not args:
                raise ProtocolError(Ack.ARG, f'too few arguments for "{name}"')
            wanted = mpd_filter.parse(args, fold_case=name.startswith("search"))
            library = self._library()
            ids = {uri_of(info.path, self.session.root): tid
                   for tid, info in self.session.tracks.items()}  # fmt: skip
            for base in wanted.bases:
                if not any(s.uri == base or s.uri.startswith(base + "/") for s in library):
                    raise ProtocolError(Ack.NO_EXIST, "No such directory")
            hits = wanted.apply(library)
            return [pair for song in hits for pair in self._song(ids[song.uri], None)]

        return run

    def _tags(self, track_id: int) -> dict[str, str]:
        info = self.session.tracks[track_id]
        tags = {"artist": info.artist, "album": info.album, "title": info.title,
                "track": str(info.track_number or "")}  # fmt: skip
        return {tag: value for tag, value in tags.items() if value}

    def _currentsong(self, args: list[str]) -> Pairs:
        s = self._snap()
        return self._song(s.current, 0) if s.current is not None else []

    def _playlistinfo(self, args: list[str]) -> Pairs:
        """The whole queue, ``N`` (one entry) or ``N:M`` (a slice); ``-1`` is the whole queue,
        as in MPD (its compatibility with old clients)."""
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, 'too many arguments for "playlistinfo"')
        queue = self._snap().queue
        wanted = range(len(queue))
        if args and args[0] != "-1":
            wanted = _queue_range(args[0], len(queue))
        return [pair for pos in wanted for pair in self._song(queue[pos], pos)]

    def _plchanges(self, args: list[str]) -> Pairs:
        queue = self._snap().queue
        return [pair for pos, tid in enumerate(queue) for pair in self._song(tid, pos)]

    def _stats(self, args: list[str]) -> Pairs:
        cat = self.session.cat
        artists = len(set(cat.artist.tolist()))
        albums = len({info.album for info in self.session.tracks.values() if info.album})
        return [("artists", artists), ("albums", albums), ("songs", cat.size),
                ("uptime", int(time.monotonic() - self.session.started)),
                ("db_playtime", int(cat.duration_s.sum())),
                ("db_update", int(self.session.library_at))]  # fmt: skip

    def _all_commands(self) -> list[str]:
        return sorted([*self.handlers, "close", "idle", "noidle"])

    def _commands(self, args: list[str]) -> Pairs:
        names = self._all_commands() if self.authorised else sorted(ALWAYS_ALLOWED)
        return [("command", name) for name in names]

    def _notcommands(self, args: list[str]) -> Pairs:
        if self.authorised:
            return []
        return [("command", n) for n in self._all_commands() if n not in ALWAYS_ALLOWED]

    def _getvol(self, args: list[str]) -> Pairs:
        _no_args("getvol")(args)
        return [("volume", self._snap().volume_pct)]

    def _volume(self, args: list[str]) -> Pairs:
        """``volume +5`` / ``volume -5``: relative to the volume status shows (deprecated in
        MPD, still sent by clients)."""
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "volume"')
        delta = _bounded_int(args[0], -100, 100)
        now = self._snap().volume_pct
        self._run("volume_set", percent=str(max(0, min(100, now + delta))))
        self.events.add("mixer")
        return []

    def _binarylimit(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "binarylimit"')
        limit = _bounded_int(args[0], 0, 2**31 - 1)
        if limit < MIN_BINARY_LIMIT:
            raise ProtocolError(Ack.ARG, "Value too small")
        self.binary_limit = limit
        return []

    def _prio(self, args: list[str]) -> Pairs:
        """Accepted and checked as MPD checks it; moodplay orders its queue itself."""
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, 'too few arguments for "prio"')
        _bounded_int(args[0], 0, 255)
        length = len(self._snap().queue)
        for text in args[1:]:
            _queue_range(text, length)
        return []

    def _prioid(self, args: list[str]) -> Pairs:
        """Accepted and checked as MPD checks it; moodplay orders its queue itself."""
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, 'too few arguments for "prioid"')
        _bounded_int(args[0], 0, 255)
        queue = self._snap().queue
        for text in args[1:]:
            if _bounded_int(text, 0, 2**31 - 1) not in queue:
                raise ProtocolError(Ack.NO_EXIST, "No such song")
        return []

    def _replay_gain_status(self, args: list[str]) -> Pairs:
        _no_args("replay_gain_status")(args)
        return [("replay_gain_mode", self.options.replay_gain_mode)]

    def _replay_gain_mode(self, args: list[str]) -> Pairs:
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "replay_gain_mode"')
        if args[0] not in REPLAY_GAIN_MODES:
            raise ProtocolError(Ack.ARG, "Unrecognized replay gain mode")
        self.options.replay_gain_mode = args[0]
        self.touched = True
        self.events.add("options")
        return []

    def _crossfade(self, args: list[str]) -> Pairs:
        """``crossfade N`` sets the player's overlap (``[player] crossfade_s``) until restart."""
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "crossfade"')
        seconds = _bounded_int(args[0], 0, 2**31 - 1)
        if seconds > MAX_CROSSFADE_S:
            raise ProtocolError(Ack.ARG, f"crossfade is 0..{MAX_CROSSFADE_S} seconds in moodplay")
        player = self.session.player

        def set_crossfade() -> None:
            player.crossfade_s = float(seconds)

        self.session.submit(set_crossfade).result(timeout=TIMEOUT_S)
        self.touched = True
        self.events.add("options")
        return []

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


def _int_arg(name: str, args: list[str]) -> int | None:
    """The one optional integer argument, refused with MPD's words."""
    if len(args) > 1:
        raise ProtocolError(Ack.ARG, f'too many arguments for "{name}"')
    if not args:
        return None
    try:
        value = int(args[0])
    except ValueError:
        raise ProtocolError(Ack.ARG, f"Integer expected: {args[0]}") from None
    if value >= 2**31:
        raise ProtocolError(Ack.ARG, f"Number too large: {args[0]}")
    return value


def _bounded_int(text: str, low: int, high: int) -> int:
    """An integer argument in [low, high], refused with MPD 0.23's words (which say "too
    large" on both sides)."""
    try:
        value = int(text)
    except ValueError:
        raise ProtocolError(Ack.ARG, f"Integer expected: {text}") from None
    if not low <= value <= high:
        raise ProtocolError(Ack.ARG, f"Number too large: {text}")
    return value


def _queue_range(text: str, length: int) -> range:
    """``N`` or ``N:M`` (``N:`` to the end) as MPD parses it, the end clipped to the queue."""
    first, colon, last = text.partition(":")
    try:
        start = int(first)
        end = (int(last) if last else 2**31 - 1) if colon else start + 1
    except ValueError:
        raise ProtocolError(Ack.ARG, f"Integer or range expected: {text}") from None
    if start < 0 or end < start:
        raise ProtocolError(Ack.ARG, f"Malformed range: {text}")
    if start > min(end, length):
        raise ProtocolError(Ack.ARG, "Bad song index")
    return range(start, min(end, length))


def _nothing(args: list[str]) -> Pairs:
    return []


def _no_args(name: str) -> Callable[[list[str]], Pairs]:
    def run(args: list[str]) -> Pairs:
        if args:
            raise ProtocolError(Ack.ARG, f'wrong number of arguments for "{name}"')
        return []

    return run


def _outputs(args: list[str]) -> Pairs:
    return [("outputid", 0), ("outputname", "moodplay"), ("plugin", "libvlc"),
            ("outputenabled", 1)]  # fmt: skip


def _tagtypes(args: list[str]) -> Pairs:
    return [("tagtype", t) for t in ("Artist", "Album", "Title", "Track", "Genre")]


SUBSYSTEMS = (
    "database",
    "stored_playlist",
    "playlist",
    "player",
    "mixer",
    "output",
    "options",
    "partition",
    "sticker",
    "update",
    "subscription",
    "message",
    "neighbor",
    "mount",
)
"""MPD's idle subsystems, in the order MPD reports them (src/IdleFlags.cxx)."""
WATCH_S = 0.05
"""How often the server looks at ``session.changes`` for changes made outside MPD."""


@dataclass(frozen=True)
class Watched:
    """What idle clients are told about when it changes; read on the session thread."""

    state: str
    current: int | None
    queue: tuple[int, ...]
    volume_pct: int
    options: tuple[bool, bool]
    library_at: float

    @classmethod
    def read(cls, session: LiveSession) -> Watched:
        s = snapshot(session)
        options = (session.manual.repeat, session.manual.single)
        return cls(s.state, s.current, tuple(s.queue), s.volume_pct, options, session.library_at)

    def changed(self, before: Watched) -> set[str]:
        """The subsystems an MPD client must refetch, going from ``before`` to this."""
        changed = {
            "player": (self.state, self.current) != (before.state, before.current),
            "playlist": self.queue != before.queue,
            "mixer": self.volume_pct != before.volume_pct,
            "options": self.options != before.options,
            "database": self.library_at != before.library_at,
        }
        return {name for name, moved in changed.items() if moved}


class IdleClient:
    """One connection's idle state, as MPD keeps it (src/client/Idle.cxx): subsystems that
    changed since its last idle answer are pending; ``idle`` answers at once when a pending one
    is wanted, else when one comes; each answer clears every pending subsystem. Runs on the
    event loop only: the connection's read loop and the server's watcher call it, never a
    thread, and it never reads (one reader per connection: the read loop)."""

    def __init__(self, writer: asyncio.StreamWriter) -> None:
        self.writer = writer
        self.pending: set[str] = set()
        self.wanted: frozenset[str] | None = None
        """The subsystems asked for while idling; None when not idling."""

    def add(self, subsystems: set[str]) -> None:
        self.pending |= subsystems
        self._answer()

    def start(self, wanted: frozenset[str]) -> None:
        self.wanted = wanted
        self._answer()

    def noidle(self) -> None:
        """Ends idle with a bare OK; pending subsystems stay for the next idle."""
        if self.wanted is not None:
            self.wanted = None
            self.writer.write(b"OK\n")

    def _answer(self) -> None:
        if self.wanted is None or not self.pending & self.wanted:
            return
        hit, self.pending, self.wanted = self.pending & self.wanted, set(), None
        lines = "".join(f"changed: {name}\n" for name in SUBSYSTEMS if name in hit)
        self.writer.write(f"{lines}OK\n".encode())


def idle_subsystems(raw: bytes) -> frozenset[str]:
    """The subsystems an ``idle`` line asks for (all when none are named)."""
    words = [w.lower() for w in tokenize(raw.decode("utf-8", "replace"))[1:]]
    for word in words:
        if word not in SUBSYSTEMS:
            raise ProtocolError(Ack.ARG, f"Unrecognized idle event: {word}", "idle")
    return frozenset(words or SUBSYSTEMS)


class MpdServer(TcpServer):
    def __init__(self, session: LiveSession, host: str = "127.0.0.1", port: int = 6600,
                 password: str | None = None) -> None:  # fmt: skip
        self.session, self.host, self.port, self.password = session, host, port, password
        self._clients: set[IdleClient] = set()
        self._options = MpdOptions()
        self._last: Watched | None = None
        self._seen = -1
        self._lock = asyncio.Lock()
        self._watcher: asyncio.Task[None] | None = None

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

    async def _watch(self) -> None:
        """Changes made by voice, the web page or the player itself reach idle clients too."""
        while True:
            if self.session.changes != self._seen:
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
            if self._last is not None:
                moved |= now.changed(self._last)
            self._last, self._seen = now, seen
            for client in self._clients:
                client.add(moved)

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        facade = MpdFacade(self.session, self.password, self._options)
        conversation = Conversation(facade.dispatch)
        idle = IdleClient(writer)
        self._clients.add(idle)
        writer.write(f"OK MPD {PROTOCOL_VERSION}\n".encode())
        try:
            while line := await reader.readline():
                if not await self._line(line.rstrip(b"\n"), facade, conversation, idle):
                    break
                await writer.drain()
        except (ConnectionError, asyncio.LimitOverrunError, ValueError) as e:
            log.info("MPD client dropped: %s", e)
        finally:
            self._clients.discard(idle)
            writer.close()

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
        if word == b"close":
            return False
        if word == b"noidle":  # outside idle MPD ignores it, with no answer
            return True
        if word == b"idle" or word.startswith((b"idle ", b"idle\t")):
            return await self._idle(raw, idle)
        return await self._command(raw, facade, conversation, idle)

    async def _command(self, raw: bytes, facade: MpdFacade, conversation: Conversation,
                       idle: IdleClient) -> bool:  # fmt: skip
        answer = await asyncio.get_running_loop().run_in_executor(None, conversation.handle, raw)
        if conversation.closing:
            log.warning("MPD client's command list is over %d bytes: closing, as MPD does",
                        MAX_COMMAND_LIST_BYTES)  # fmt: skip
            return False
        if facade.touched:  # this connection's own change reaches its next idle at once
            extra, facade.touched, facade.events = facade.events, False, set()
            await self.refresh(extra)
        if answer is not None:
            idle.writer.write(answer.encode())
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
