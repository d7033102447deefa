"""The MPD command facade: one connection's view of the live session, MPD's commands in terms
of moodplay's, grouped by subject in the modules it mixes in (queue, order, database, stored
playlists, cover art, messages); the command table (``_table``) checks every call."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from moodplay._live import LiveSession
from moodplay._modes import ManualQueue
from moodplay.mpd._art import ArtCommands
from moodplay.mpd._base import (
    TAG_TYPES,
    TIMEOUT_S,
    PlayClock,
    QueueVersions,
    Selection,
    SnapshotCache,
    UpdateJobs,
    _bounded_int,
    _local_only,
    _nothing,
)
from moodplay.mpd._database import DatabaseCommands
from moodplay.mpd._messages import Channels, MessageCommands
from moodplay.mpd._order import OrderCommands
from moodplay.mpd._outputs import (
    FILE_TAGS,
    NO_MIXRAMP,
    ORDERED,
    WHOLE_TRACKS,
    disable_output,
    enable_output,
    output_set,
    outputs,
    refuse,
)
from moodplay.mpd._playlists import PlaylistCommands
from moodplay.mpd._protocol import (
    Ack,
    Pairs,
    ProtocolError,
)
from moodplay.mpd._queue import QueueCommands
from moodplay.mpd._table import COMMANDS, PUBLIC, SERVER_COMMANDS

PROTOCOL_VERSION = "0.23.0"
REPLAY_GAIN_MODES = ("off", "track", "album", "auto")
MAX_CROSSFADE_S = 12
"""``[player] crossfade_s``'s range; MPD takes any unsigned number."""
MIN_BINARY_LIMIT = 64
"""MPD's smallest ``binarylimit`` (bytes)."""


@dataclass
class MpdOptions:
    """MPD settings moodplay keeps for MPD clients only, shared by all connections (MPD keeps
    them per partition). The player evens loudness per track whatever ``replay_gain_mode`` says,
    hence "track" where MPD starts with "off"."""

    replay_gain_mode: str = "track"
    versions: QueueVersions = field(default_factory=QueueVersions)
    channels: Channels = field(default_factory=Channels)
    play_clock: PlayClock = field(default_factory=PlayClock)
    selection: Selection = field(default_factory=Selection)
    update_jobs: UpdateJobs = field(default_factory=UpdateJobs)
    snapshots: SnapshotCache = field(default_factory=SnapshotCache)


class MpdFacade(
    QueueCommands, OrderCommands, DatabaseCommands, PlaylistCommands, ArtCommands, MessageCommands
):
    """MPD commands in terms of the live session; one instance per connection."""

    def __init__(self, session: LiveSession, password: str | None = None,
                 options: MpdOptions | None = None) -> None:  # fmt: skip
        self.session = session
        self.password = password
        self.options = options or MpdOptions()
        self.versions = self.options.versions
        self.enabled_tags = set(TAG_TYPES)
        self.channels = self.options.channels
        self.play_clock = self.options.play_clock
        self.selection = self.options.selection
        self.update_jobs = self.options.update_jobs
        self.snapshots = self.options.snapshots
        self.mailbox = self.channels.open()
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
            "previous": self._simple("previous"), "setvol": self._setvol, "ping": _nothing,
            "outputs": outputs, "tagtypes": self._tagtypes, "commands": self._commands,
            "notcommands": self._notcommands, "sendmessage": self._sendmessage,
            "channels": self._channels, "subscribe": self._subscribe,
            "unsubscribe": self._unsubscribe, "readmessages": self._readmessages,
            "password": self._password,
            "seekcur": self._seekcur, "seek": self._seek, "list": self._list,
            "find": self._find("find"), "search": self._find("search"),
            "findadd": self._findadd("findadd"), "searchadd": self._findadd("searchadd"),
            "count": self._count,
            "add": self._add, "clear": self._clear, "lsinfo": self._lsinfo,
            "update": self._update, "rescan": self._update,
            "repeat": self._switch("repeat"), "single": self._switch("single"),
            "random": self._unsupported_on("random"), "consume": self._unsupported_on("consume"),
            "addid": self._addid, "deleteid": self._deleteid, "delete": self._delete,
            "playlistid": self._playlistid, "urlhandlers": _nothing,
            "decoders": _nothing,
            "getvol": self._getvol, "volume": self._volume, "binarylimit": self._binarylimit,
            "prio": self._prio, "prioid": self._prioid, "crossfade": self._crossfade,
            "replay_gain_mode": self._replay_gain_mode,
            "replay_gain_status": self._replay_gain_status,
            "move": self._move, "moveid": self._moveid, "swap": self._swap, "swapid": self._swapid,
            "seekid": self._seekid, "plchangesposid": self._plchangesposid,
            "listall": self._listall, "listallinfo": self._listallinfo, "config": _local_only,
            "clearerror": _nothing, "enableoutput": enable_output,
            "disableoutput": disable_output, "toggleoutput": disable_output,
            "outputset": output_set, "playlist": self._playlist,
            "playlistfind": self._playlistfind("playlistfind"),
            "playlistsearch": self._playlistfind("playlistsearch"),
            "shuffle": refuse(ORDERED), "rangeid": refuse(WHOLE_TRACKS),
            "addtagid": refuse(FILE_TAGS), "cleartagid": refuse(FILE_TAGS),
            "mixrampdb": refuse(NO_MIXRAMP), "mixrampdelay": refuse(NO_MIXRAMP),
        }  # fmt: skip
        self.handlers.update(self._playlist_handlers())
        self.handlers.update(self._art_handlers())

    def dispatch(self, name: str, args: list[str]) -> Pairs:
        """Run one command as the command table (moodplay.mpd._table) declares it: unknown,
        not permitted and wrong argument counts are refused before its handler runs; the
        subsystems it always reports reach idle clients after it succeeds."""
        spec, handler = COMMANDS.get(name), self.handlers.get(name)
        if spec is None or handler is None:
            raise ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"', "")
        if not self.authorised and not spec.public:
            raise ProtocolError(Ack.PERMISSION, f'you don\'t have permission for "{name}"')
        spec.check(name, args)
        pairs = handler(args)
        if spec.idle:
            self.events.update(spec.idle)
            self.touched = True
        return pairs

    def _setvol(self, args: list[str]) -> Pairs:
        self._run("volume_set", percent=str(_bounded_int(args[0], 0, 100)))
        self.events.add("mixer")  # MPD tells mixer even when the volume was already that
        return []

    def _status(self, args: list[str]) -> Pairs:
        s = self._snap()
        version = self.versions.observe(s.queue, self.session.manual.pending)
        pairs: list[tuple[str, object]] = [
            ("volume", s.volume_pct), ("repeat", int(self.session.manual.repeat)), ("random", 0),
            ("single", _single(self.session.manual)), ("consume", 0),
            ("partition", "default"), ("playlist", version),
            ("playlistlength", len(s.queue)),
            ("mixrampdb", 0), ("state", s.state),
        ]  # fmt: skip
        xfade = round(self.session.player.crossfade_s)
        if xfade > 0:  # MPD names it only when on, right after state
            pairs.append(("xfade", xfade))
        current = self._current(s)
        if current is not None:
            pos, song = current
            pairs += [("song", pos), ("songid", song)]
        if s.current is not None:
            duration = self._info(s.current)[1]
            pairs += [("time", f"{round(s.elapsed_s)}:{round(duration)}"),  # rounded, as MPD
                      ("elapsed", f"{s.elapsed_s:.3f}"),
                      ("duration", f"{duration:.3f}")]  # fmt: skip
        if self.session.updating():
            pairs.append(("updating_db", self.update_jobs.current))
        if current is not None and current[0] + 1 < len(s.queue):  # what plays next
            pairs += [("nextsong", current[0] + 1), ("nextsongid", s.queue[current[0] + 1])]
        if s.problems:  # MPD's field for what went wrong (mpc prints "ERROR: ...")
            pairs.append(("error", "; ".join(s.problems)))
        return pairs

    def _all_commands(self) -> list[str]:
        return sorted(n for n in COMMANDS if n in self.handlers or n in SERVER_COMMANDS)

    def _commands(self, args: list[str]) -> Pairs:
        names = self._all_commands() if self.authorised else list(PUBLIC)
        return [("command", name) for name in names]

    def _notcommands(self, args: list[str]) -> Pairs:
        if self.authorised:
            return []
        return [("command", n) for n in self._all_commands() if n not in PUBLIC]

    def _getvol(self, args: list[str]) -> Pairs:
        return [("volume", self._snap().volume_pct)]

    def _volume(self, args: list[str]) -> Pairs:
        """``volume +5`` / ``volume -5``: relative to the volume status shows (deprecated in
        MPD, still sent by clients)."""
        delta = _bounded_int(args[0], -100, 100)
        now = self._snap().volume_pct
        self._run("volume_set", percent=str(max(0, min(100, now + delta))))
        self.events.add("mixer")
        return []

    def _binarylimit(self, args: list[str]) -> Pairs:
        limit = _bounded_int(args[0], 0, 2**31 - 1)
        if limit < MIN_BINARY_LIMIT:
            raise ProtocolError(Ack.ARG, "Value too small")
        self.binary_limit = limit
        return []

    def _replay_gain_status(self, args: list[str]) -> Pairs:
        return [("replay_gain_mode", self.options.replay_gain_mode)]

    def _replay_gain_mode(self, args: list[str]) -> Pairs:
        if args[0] not in REPLAY_GAIN_MODES:
            raise ProtocolError(Ack.ARG, "Unrecognized replay gain mode")
        self.options.replay_gain_mode = args[0]
        self.touched = True
        self.events.add("options")
        return []

    def _crossfade(self, args: list[str]) -> Pairs:
        """``crossfade N`` sets the player's overlap (``[player] crossfade_s``) until restart."""
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


def _single(manual: ManualQueue) -> str:
    return "oneshot" if manual.single and manual.oneshot else str(int(manual.single))
