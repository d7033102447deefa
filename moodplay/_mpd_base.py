"""What every group of MPD command handlers shares: running a command on the session thread,
reading its state, one song's MPD fields, and parsing arguments with MPD's words."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from moodplay._commands import CommandError
from moodplay._live import LiveSession
from moodplay._mpd_filter import parse_range
from moodplay._mpd_protocol import Ack, Pairs, ProtocolError
from moodplay._uris import uri_of
from moodplay._view import Snapshot, snapshot

TIMEOUT_S = 5.0


class QueueVersions:
    """The queue as clients were shown it, by playlist version (the last ``size`` versions),
    so ``plchanges`` can answer with what changed since a version instead of everything."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self._seen: dict[int, tuple[int, ...]] = {}

    def note(self, version: int, queue: list[int]) -> None:
        if version not in self._seen:
            self._seen[version] = tuple(queue)
            while len(self._seen) > self.size:
                del self._seen[next(iter(self._seen))]

    def changed(self, version: int, now: int, queue: list[int]) -> set[int]:
        """Positions whose entry differs from what ``version`` showed (every position when
        that version is unknown, as MPD answers for a version it cannot tell)."""
        old = self._seen.get(version)
        if version == now:
            return set()
        if old is None:
            return set(range(len(queue)))
        return {pos for pos, tid in enumerate(queue) if pos >= len(old) or old[pos] != tid}


class FacadeCore:
    """The state and helpers ``MpdFacade`` (moodplay._mpd) sets up and its command groups use."""

    session: LiveSession
    touched: bool
    events: set[str]
    versions: QueueVersions

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
        self.versions.note(result.changes, result.queue)
        return result

    def _simple(self, name: str) -> Callable[[list[str]], Pairs]:
        def run(args: list[str]) -> Pairs:
            self._run(name)
            return []

        return run

    def _info(self, track_id: int) -> tuple[Any, float]:
        info = self.session.tracks[track_id]
        index = self.session.index_of(track_id)
        return info, float(self.session.cat.duration_s[index])

    def _stored_playlists(self) -> list[tuple[str, object]]:
        """``playlist``/``Last-Modified`` of each stored playlist (``lsinfo`` of the root ends
        with them, as in MPD: ``mpc lsplaylists`` reads them there); see _mpd_playlists."""
        return []

    def _tags(self, track_id: int) -> dict[str, str]:
        info = self.session.tracks[track_id]
        tags = {"artist": info.artist, "album": info.album, "title": info.title,
                "track": str(info.track_number or ""), "albumartist": info.album_artist,
                "date": info.date}  # fmt: skip
        return {tag: value for tag, value in tags.items() if value}

    def _song(self, track_id: int, pos: int | None) -> list[tuple[str, object]]:
        """One song's fields: its tags (those it has) in the order MPD 0.23 prints an mp3's
        (MPD follows each file's own tag order), then its length, then its queue place."""
        info, duration = self._info(track_id)
        tags = (("Artist", info.artist), ("AlbumArtist", info.album_artist),
                ("Title", info.title), ("Album", info.album),
                ("Track", info.track_number or ""), ("Date", info.date))  # fmt: skip
        song: list[tuple[str, object]] = [("file", uri_of(info.path, self.session.root))]
        song += [(key, value) for key, value in tags if value]
        song += [("Time", int(duration)), ("duration", f"{duration:.3f}")]
        return song + ([("Pos", pos), ("Id", track_id)] if pos is not None else [])


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
    start, end = parse_range(text)
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


def _local_only(args: list[str]) -> Pairs:
    """What MPD answers a TCP client for ``config`` (it is for clients on its local socket;
    moodplay listens on TCP only)."""
    raise ProtocolError(Ack.PERMISSION, "Command only permitted to local clients")


def _tagtypes(args: list[str]) -> Pairs:
    return [("tagtype", t) for t in ("Artist", "Album", "AlbumArtist", "Title", "Track",
                                     "Genre", "Date")]  # fmt: skip
