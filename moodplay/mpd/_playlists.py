"""MPD stored playlists (save, load, rm, rename, listplaylists, listplaylist[info], playlistadd,
playlistdelete, playlistclear, playlistmove), kept in the database.

Storage is :class:`library.Playlists`: one row per playlist in the store, entries as URIs
relative to the music root, each change mirrored to ``<data>/playlists/NAME.m3u8`` (the XDG data
folder, see ``moodplay._config.data_dir``). Every playlist command first imports the ``.m3u8``
files there whose names the database does not know — so files copied in appear at once, no
restart needed; a file whose name is known is never read back (the database wins).

All work runs on the session thread (the store belongs to it), one command in one call, so two
clients never interleave a check and a change. Arguments are checked, and refused with MPD
0.23's codes and words, in the order MPD checks them.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from library import Playlists
from moodplay._config import data_dir
from moodplay._uris import resolve, uri_of
from moodplay.mpd._base import TIMEOUT_S, FacadeCore, _bounded_int, _queue_range
from moodplay.mpd._filter import parse_range
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError

T = TypeVar("T")
NO_SUCH = "No such playlist"
BAD_NAME = "Bad playlist name"
MAX_INT = 2**31 - 1


def _arity(name: str, args: list[str], low: int, high: int) -> None:
    if not low <= len(args) <= high:
        raise ProtocolError(Ack.ARG, f'wrong number of arguments for "{name}"')


def _checked(name: str) -> str:
    if not Playlists.valid_name(name):
        raise ProtocolError(Ack.ARG, BAD_NAME)
    return name


def _range(text: str, length: int, strict: bool = True) -> range:
    """A playlist range as MPD parses it (``-1``: all of it), the end clipped to the length;
    ``strict``: a start past the end is "Bad song index" (``load`` just loads nothing)."""
    if text == "-1":
        return range(length)
    _, colon, last = text.partition(":")
    if colon and last.startswith("-"):
        raise ProtocolError(Ack.ARG, f"Number is negative: {text}")
    if strict:
        return _queue_range(text, length)
    start, end = parse_range(text)
    return range(min(start, length), min(end, length))


def _stamp(unix_time: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(unix_time))


class PlaylistCommands(FacadeCore):
    """MPD's stored-playlist commands in terms of the live session's database."""

    def _playlist_handlers(self) -> dict[str, Callable[[list[str]], Pairs]]:
        return {
            "save": self._save, "load": self._load, "rm": self._rm, "rename": self._rename,
            "listplaylists": self._listplaylists, "listplaylist": self._listplaylist,
            "listplaylistinfo": self._listplaylistinfo, "playlistadd": self._playlistadd,
            "playlistdelete": self._playlistdelete, "playlistclear": self._playlistclear,
            "playlistmove": self._playlistmove,
        }  # fmt: skip

    def _book(self, work: Callable[[Playlists], T], changes: bool = False) -> T:
        """Run ``work`` on the session thread with the stored playlists; a ProtocolError it
        raises comes back as this command's ACK. ``changes``: tell idle clients."""
        session = self.session

        def run() -> object:
            assert session.store is not None, "the session thread holds the store"
            book = Playlists(session.store, data_dir() / "playlists", session.root)
            book.import_new()
            try:
                return work(book)
            except ProtocolError as e:  # an answer, not a failure of the session
                return e

        result = session.submit(run).result(timeout=TIMEOUT_S)
        if isinstance(result, ProtocolError):
            raise result
        if changes:
            self.touched = True
            self.events.add("stored_playlist")
        return result  # type: ignore[return-value]

    def _entries(self, book: Playlists, name: str) -> list[str]:
        uris = book.get(name)
        if uris is None:
            raise ProtocolError(Ack.NO_EXIST, NO_SUCH)
        return uris

    def _uris(self) -> dict[str, int]:
        """Track id of every song URI in the library."""
        root = self.session.root
        return {uri_of(info.path, root): tid for tid, info in self.session.tracks.items()}

    def _save(self, args: list[str]) -> Pairs:
        """``save NAME``: the queue as clients see it (the user's tracks, then moodplay's)."""
        _arity("save", args, 1, 1)
        name = _checked(args[0])
        root, tracks = self.session.root, self.session.tracks
        uris = [uri_of(tracks[tid].path, root) for tid in self._snap().queue]

        def save(book: Playlists) -> None:
            if book.get(name) is not None:
                raise ProtocolError(Ack.EXIST, "Playlist already exists")
            book.put(name, uris)

        self._book(save, changes=True)
        return []

    def _load(self, args: list[str]) -> Pairs:
        """``load NAME [START:END]``: appended to the user's queue; entries whose file has gone
        are skipped, as in MPD."""
        _arity("load", args, 1, 2)
        if len(args) > 1:
            _range(args[1], MAX_INT)  # malformed ranges are refused before the name is looked at
        uris = self._book(lambda book: self._entries(book, args[0]))
        wanted = _range(args[1], len(uris), strict=False) if len(args) > 1 else range(len(uris))
        known = self._uris()
        for pos in wanted:
            if uris[pos] in known:
                self._run("add", uri=uris[pos])
        return []

    def _rm(self, args: list[str]) -> Pairs:
        _arity("rm", args, 1, 1)
        name = _checked(args[0])

        def rm(book: Playlists) -> None:
            if not book.remove(name):
                raise ProtocolError(Ack.NO_EXIST, NO_SUCH)

        self._book(rm, changes=True)
        return []

    def _rename(self, args: list[str]) -> Pairs:
        _arity("rename", args, 2, 2)
        old, new = _checked(args[0]), _checked(args[1])

        def rename(book: Playlists) -> None:
            if book.get(new) is not None:
                raise ProtocolError(Ack.EXIST, "Playlist exists already")
            self._entries(book, old)
            book.rename(old, new)

        self._book(rename, changes=True)
        return []

    def _listplaylists(self, args: list[str]) -> Pairs:
        _arity("listplaylists", args, 0, 0)
        return self._stored_playlists()

    def _stored_playlists(self) -> list[tuple[str, object]]:
        names = self._book(lambda book: book.names())
        return [pair for name, at in names for pair in (("playlist", name),
                                                        ("Last-Modified", _stamp(at)))]  # fmt: skip

    def _listplaylist(self, args: list[str]) -> Pairs:
        _arity("listplaylist", args, 1, 1)
        return [("file", uri) for uri in self._book(lambda book: self._entries(book, args[0]))]

    def _listplaylistinfo(self, args: list[str]) -> Pairs:
        """Each entry's song fields; an entry whose file has gone shows its URI only."""
        _arity("listplaylistinfo", args, 1, 1)
        uris = self._book(lambda book: self._entries(book, args[0]))
        known = self._uris()
        out: list[tuple[str, object]] = []
        for uri in uris:
            out += self._song(known[uri], None) if uri in known else [("file", uri)]
        return out

    def _playlistadd(self, args: list[str]) -> Pairs:
        """``playlistadd NAME URI [POS]``: a file or a whole folder; creates the playlist."""
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, 'too few arguments for "playlistadd"')
        _arity("playlistadd", args, 2, 3)
        name = _checked(args[0])
        at = _bounded_int(args[2], 0, MAX_INT) if len(args) > 2 else None
        root, tracks = self.session.root, self.session.tracks
        added = [uri_of(tracks[t].path, root) for t in resolve(args[1], tracks, root)]
        if not added:
            raise ProtocolError(Ack.NO_EXIST, "No such directory")

        def add(book: Playlists) -> None:
            uris = book.get(name) or []
            pos = len(uris) if at is None else at
            if pos > len(uris):
                raise ProtocolError(Ack.ARG, "Bad position")
            book.put(name, uris[:pos] + added + uris[pos:])

        self._book(add, changes=True)
        return []

    def _playlistdelete(self, args: list[str]) -> Pairs:
        """``playlistdelete NAME POS`` or ``NAME START:END``."""
        _arity("playlistdelete", args, 2, 2)
        _range(args[1], MAX_INT)  # malformed ranges are refused before the name is looked at
        name = _checked(args[0])

        def delete(book: Playlists) -> None:
            uris = self._entries(book, name)
            gone = _range(args[1], len(uris))
            book.put(name, uris[: gone.start] + uris[gone.stop :])

        self._book(delete, changes=True)
        return []

    def _playlistclear(self, args: list[str]) -> Pairs:
        _arity("playlistclear", args, 1, 1)
        name = _checked(args[0])

        def clear(book: Playlists) -> None:
            self._entries(book, name)
            book.put(name, [])

        self._book(clear, changes=True)
        return []

    def _playlistmove(self, args: list[str]) -> Pairs:
        """``playlistmove NAME FROM TO``; FROM == TO is OK without a look, as in MPD."""
        _arity("playlistmove", args, 3, 3)
        start, end = _bounded_int(args[1], 0, MAX_INT), _bounded_int(args[2], 0, MAX_INT)
        if start == end:
            return []
        name = _checked(args[0])

        def move(book: Playlists) -> None:
            uris = self._entries(book, name)
            if max(start, end) >= len(uris):
                raise ProtocolError(Ack.ARG, "Bad range")
            uris.insert(end, uris.pop(start))
            book.put(name, uris)

        self._book(move, changes=True)
        return []
