"""What every group of MPD command handlers shares: running a command on the session thread,
reading its state, one song's MPD fields, and parsing arguments with MPD's words."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any

from moodplay._commands import CommandError, CommandRefusedError
from moodplay._live import LiveSession
from moodplay._uris import uri_of
from moodplay._view import Snapshot, snapshot
from moodplay.mpd._filter import parse_range
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError

TIMEOUT_S = 5.0


class QueueVersions:
    """MPD's playlist version: it moves when (and only when) the queue clients see changes,
    as each look at the queue finds it; the last ``size`` versions' queues are kept, so
    ``plchanges`` answers with what changed since a version (everything for one it no longer
    knows, or 0). Shared by all connections and the idle watcher, hence the lock."""

    def __init__(self, size: int = 64) -> None:
        self.size = size
        self.version = 1
        self._queue: tuple[int, ...] | None = None
        self._users: tuple[int, ...] = ()
        self._seen: dict[int, tuple[int, ...]] = {}
        self._lock = threading.Lock()

    def observe(self, queue: Sequence[int], users: Sequence[int] = ()) -> int:
        """The version of this queue (a new one when it differs from the last seen, or when
        which entries are the user's own changed: ``users``, catalogue indices)."""
        now = tuple(queue)
        with self._lock:
            if (now, tuple(users)) != (self._queue, self._users):
                self.version += 1
                self._queue, self._users = now, tuple(users)
                self._seen[self.version] = now
                while len(self._seen) > self.size:
                    del self._seen[next(iter(self._seen))]
            return self.version

    def changed(self, version: int, queue: Sequence[int], users: Sequence[int] = ()) -> set[int]:
        """Positions whose entry differs from what ``version`` showed."""
        if version == self.observe(queue, users):
            return set()
        with self._lock:
            old = self._seen.get(version)
        if old is None:
            return set(range(len(queue)))
        return {pos for pos, tid in enumerate(queue) if pos >= len(old) or old[pos] != tid}


TAG_TYPES = ("Artist", "ArtistSort", "Album", "AlbumSort", "AlbumArtist", "AlbumArtistSort",
             "Title", "Track", "Name", "Genre", "Date", "OriginalDate", "Composer",
             "ComposerSort", "Performer", "Conductor", "Work", "Movement", "MovementNumber",
             "Ensemble", "Location", "Grouping", "Disc", "Label", "MUSICBRAINZ_ARTISTID",
             "MUSICBRAINZ_ALBUMID", "MUSICBRAINZ_ALBUMARTISTID", "MUSICBRAINZ_TRACKID",
             "MUSICBRAINZ_RELEASETRACKID", "MUSICBRAINZ_WORKID")  # fmt: skip
"""MPD 0.23's tag types, in its order (what its ``tagtypes`` lists): clients enable and
disable them by these names; moodplay's songs carry Artist, AlbumArtist, Title, Album, Track,
Date, Genre and Disc of them."""


class PlayClock:
    """Seconds spent playing since the server started (MPD's ``stats`` playtime), told of
    every play-state change the idle watcher sees (within its 50 ms look)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._total = 0.0
        self._since: float | None = None

    def state(self, state: str) -> None:
        now = self.clock()
        if self._since is not None:
            self._total += now - self._since
        self._since = now if state == "play" else None

    def seconds(self) -> float:
        running = self.clock() - self._since if self._since is not None else 0.0
        return self._total + running


class Selection:
    """MPD's "current song" while stopped: the song that played last stays current (status
    names it, currentsong shows it, play starts it) until the queue is cleared or loses it."""

    def __init__(self) -> None:
        self.song: int | None = None

    def seen(self, playing: int | None) -> None:
        if playing is not None:
            self.song = playing


class UpdateJobs:
    """MPD's database update job ids: each ``update`` that starts a rescan gets the next one;
    ``status`` shows it as ``updating_db`` while the rescan runs."""

    def __init__(self) -> None:
        self.current = 0

    def start(self) -> int:
        self.current += 1
        return self.current


SNAPSHOT_FRESH_S = 0.02
"""How long one snapshot of the session answers every connection's reads while nothing changed
(seconds): 50 clients polling ``status`` then share ~50 snapshots a second instead of each
asking the session thread (bench/mpd_side_by_side.py)."""


class SnapshotCache:
    """The latest snapshot, shared by all connections; stale once ``session.changes`` moves, a
    connection changes something (:meth:`invalidate`) or SNAPSHOT_FRESH_S has passed. Any
    thread: each field is replaced whole."""

    def __init__(self) -> None:
        self._held: tuple[float, int, int, Snapshot] | None = None
        self._generation = 0
        self._local = threading.local()  # .pinned: what get() answers on this thread

    def invalidate(self) -> None:
        self._generation += 1

    def fresh(self, session: LiveSession) -> Snapshot | None:
        """The held snapshot if it may still answer (never asks the session)."""
        held = self._held
        if held is None or time.monotonic() - held[0] >= SNAPSHOT_FRESH_S:
            return None
        return held[3] if held[1:3] == (session.changes, self._generation) else None

    @contextlib.contextmanager
    def pinned(self, snap: Snapshot) -> Iterator[None]:
        """Within it, :meth:`get` on this thread answers ``snap`` and never blocks: the event
        loop answers a read itself with a fresh snapshot (see MpdServer)."""
        self._local.pinned = snap
        try:
            yield
        finally:
            self._local.pinned = None

    def get(self, session: LiveSession) -> Snapshot:
        """A snapshot at most SNAPSHOT_FRESH_S old with nothing changed since; raises
        TimeoutError when the session thread does not answer within TIMEOUT_S."""
        pinned = getattr(self._local, "pinned", None)
        if pinned is not None:
            return pinned  # type: ignore[no-any-return]
        changes, generation = session.changes, self._generation
        held = self.fresh(session)
        if held is not None:
            return held
        result = session.submit(lambda: snapshot(session)).result(timeout=TIMEOUT_S)
        assert isinstance(result, Snapshot)
        self._held = (time.monotonic(), changes, generation, result)
        return result


class FacadeCore:
    """The state and helpers ``MpdFacade`` (moodplay.mpd) sets up and its command groups use."""

    enabled_tags: set[str]
    """The tag types this connection wants in song listings (``tagtypes``)."""

    session: LiveSession
    snapshots: SnapshotCache
    _touched: bool = False
    events: set[str]
    versions: QueueVersions
    selection: Selection
    update_jobs: UpdateJobs
    play_clock: PlayClock

    @property
    def touched(self) -> bool:
        """This connection changed something (its next idle hears of it at once); setting it
        makes every connection's next read take a fresh snapshot."""
        return self._touched

    @touched.setter
    def touched(self, value: bool) -> None:
        self._touched = value
        if value:
            self.snapshots.invalidate()

    def _run(self, name: str, **args: object) -> object:
        self.touched = True
        try:
            call = self.session.registry.resolve(name, args)
            return self.session.submit(call).result(timeout=TIMEOUT_S)
        except CommandError as e:
            raise refusal(e) from e

    def _snap(self) -> Snapshot:
        result = self.snapshots.get(self.session)
        self.versions.observe(result.queue, self.session.manual.pending)
        return result

    def _current(self, snap: Snapshot) -> tuple[int, int] | None:
        """(position, song id) of MPD's current song: the one playing or paused, else the
        one stopped on (see Selection); None when there is none."""
        if snap.current is not None:
            return 0, snap.current
        song = self.selection.song
        if song is not None and song in snap.queue:
            return snap.queue.index(song), song
        return None

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
        with them, as in MPD: ``mpc lsplaylists`` reads them there); see _playlists."""
        return []

    def _tags(self, track_id: int) -> dict[str, str | tuple[str, ...]]:
        info = self.session.tracks[track_id]
        tags: dict[str, str | tuple[str, ...]] = {
            "artist": info.artists or info.artist, "album": info.album, "title": info.title,
            "track": str(info.track_number or ""), "albumartist": info.album_artist,
            "date": info.date, "genre": info.genres, "disc": str(info.disc_number or ""),
        }  # fmt: skip
        return {tag: value for tag, value in tags.items() if value}

    def _tagtypes(self, args: list[str]) -> Pairs:
        """``tagtypes`` lists this connection's tag types; ``clear``, ``all``, ``enable
        NAME…`` and ``disable NAME…`` change them (names in any case), as MPD 0.23."""
        if not args:
            return [("tagtype", t) for t in TAG_TYPES if t in self.enabled_tags]
        sub, names = args[0], args[1:]
        if sub in ("clear", "all"):
            self.enabled_tags = set(TAG_TYPES) if sub == "all" else set()
            return []
        if sub not in ("enable", "disable"):
            raise ProtocolError(Ack.ARG, "Unknown sub command")
        if not names:
            raise ProtocolError(Ack.ARG, "Not enough arguments")
        by_name = {t.lower(): t for t in TAG_TYPES}
        if any(n.lower() not in by_name for n in names):
            raise ProtocolError(Ack.ARG, "Unknown tag type")
        chosen = {by_name[n.lower()] for n in names}
        self.enabled_tags = (self.enabled_tags | chosen if sub == "enable"
                             else self.enabled_tags - chosen)  # fmt: skip
        return []

    def _song(self, track_id: int, pos: int | None) -> list[tuple[str, object]]:
        """One song's fields: its tags (those it has) in the order MPD 0.23 prints an mp3's
        (MPD follows each file's own tag order), a multi-value tag as one line per value, then its
        length, then its queue place."""
        info, duration = self._info(track_id)
        tags = (*(("Artist", a) for a in info.artists or (info.artist,)),
                ("AlbumArtist", info.album_artist), ("Title", info.title), ("Album", info.album),
                ("Track", info.track_number or ""), ("Date", info.date),
                *(("Genre", g) for g in info.genres), ("Disc", info.disc_number or ""))  # fmt: skip
        song: list[tuple[str, object]] = [("file", uri_of(info.path, self.session.root))]
        if info.modified_s:
            song.append(("Last-Modified", _iso(info.modified_s)))
        song += [(key, value) for key, value in tags if value and key in self.enabled_tags]
        song += [("Time", round(duration)), ("duration", f"{duration:.3f}")]  # rounded, as MPD
        return song + ([("Pos", pos), ("Id", track_id)] if pos is not None else [])


def refusal(error: CommandError) -> ProtocolError:
    """A command's refusal as MPD answers it: what cannot be done now (nothing to play,
    nothing playing) is ``ACK [50@0]``; a bad argument ``ACK [2@0]``."""
    code = Ack.NO_EXIST if isinstance(error, CommandRefusedError) else Ack.ARG
    return ProtocolError(code, str(error))


def _iso(unix_s: float) -> str:
    """MPD's time stamps: UTC, to the second, ``2012-12-15T11:14:44Z``."""
    return datetime.fromtimestamp(int(unix_s), UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


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


def _local_only(args: list[str]) -> Pairs:
    """What MPD answers a TCP client for ``config`` (it is for clients on its local socket;
    moodplay listens on TCP only)."""
    raise ProtocolError(Ack.PERMISSION, "Command only permitted to local clients")
