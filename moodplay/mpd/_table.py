"""The MPD command table: every command moodplay answers, with MPD 0.23's argument counts,
whether it needs the password, and the idle subsystems it always reports.

From this one table come: the argument-count ACKs (MPD's three texts: "wrong number of
arguments" when the count is fixed, else "too few" / "too many"), what a client may send
before its password, ``commands`` / ``notcommands``, and the idle notifications a command
gives even when comparing the state before and after cannot see a change (a seek, a volume set
to what it was, a stored playlist saved). The counts were read from MPD 0.23.12 itself, each
command sent with 0 to 4 and 20 arguments (``tests/moodplay/test_mpd_table.py`` asks both servers
the same way).
"""

from __future__ import annotations

from dataclasses import dataclass

from moodplay.mpd._protocol import Ack, ProtocolError

ANY = -1
"""No upper bound on the argument count."""


@dataclass(frozen=True)
class Spec:
    """One command: ``low``..``high`` arguments (``high`` ANY: unbounded), ``public``: allowed
    before the password (MPD's PERMISSION_NONE), ``idle``: subsystems it always reports."""

    low: int = 0
    high: int = 0
    public: bool = False
    idle: tuple[str, ...] = ()

    def check(self, name: str, args: list[str]) -> None:
        """Raises ProtocolError(ARG) with MPD's text when ``args`` has the wrong count."""
        n = len(args)
        if self.low == self.high and n != self.low:
            raise ProtocolError(Ack.ARG, f'wrong number of arguments for "{name}"')
        if n < self.low:
            raise ProtocolError(Ack.ARG, f'too few arguments for "{name}"')
        if self.high != ANY and n > self.high:
            raise ProtocolError(Ack.ARG, f'too many arguments for "{name}"')


def _fixed(n: int, *idle: str, public: bool = False) -> Spec:
    return Spec(n, n, public, idle)


def _upto(low: int, high: int, *idle: str) -> Spec:
    return Spec(low, high, False, idle)


PLAYLIST = ("playlist",)
STORED = ("stored_playlist",)

COMMANDS: dict[str, Spec] = {
    # connection
    "binarylimit": _fixed(1, public=True), "close": _fixed(0, public=True),
    "commands": _fixed(0, public=True), "notcommands": _fixed(0, public=True),
    "password": _fixed(1, public=True), "ping": _fixed(0, public=True),
    "tagtypes": Spec(0, ANY, public=True), "idle": Spec(0, ANY),
    "config": _fixed(0), "decoders": _fixed(0), "urlhandlers": _fixed(0),
    "outputs": _fixed(0), "enableoutput": _fixed(1), "disableoutput": _fixed(1),
    "toggleoutput": _fixed(1), "outputset": _fixed(3),
    "channels": _fixed(0), "sendmessage": _fixed(2), "subscribe": _fixed(1),
    "unsubscribe": _fixed(1), "readmessages": _fixed(0),
    # status and playback
    "status": _fixed(0), "currentsong": _fixed(0), "stats": _fixed(0), "clearerror": _fixed(0),
    "play": _upto(0, 1), "playid": _upto(0, 1), "pause": _upto(0, 1), "stop": _fixed(0),
    "next": _fixed(0, "player"), "previous": _fixed(0, "player"), "seek": _fixed(2, "player"),
    "seekid": _fixed(2, "player"), "seekcur": _fixed(1, "player"),
    # options and mixer
    "setvol": _fixed(1, "mixer"), "volume": _fixed(1, "mixer"), "getvol": _fixed(0),
    "repeat": _fixed(1), "single": _fixed(1), "random": _fixed(1), "consume": _fixed(1),
    "crossfade": _fixed(1, "options"), "replay_gain_mode": _fixed(1, "options"),
    "replay_gain_status": _fixed(0), "mixrampdb": _fixed(1), "mixrampdelay": _fixed(1),
    # the queue
    "add": _upto(1, 2), "addid": _upto(1, 2), "clear": _fixed(0), "delete": _fixed(1, *PLAYLIST),
    "deleteid": _fixed(1, *PLAYLIST), "move": _fixed(2, *PLAYLIST),
    "moveid": _fixed(2, *PLAYLIST), "swap": _fixed(2, *PLAYLIST), "swapid": _fixed(2, *PLAYLIST),
    "playlistinfo": _upto(0, 1), "playlistid": _upto(0, 1), "plchanges": _upto(1, 2),
    "plchangesposid": _upto(1, 2), "prio": Spec(2, ANY), "prioid": Spec(2, ANY),
    "playlist": _fixed(0), "playlistfind": Spec(1, ANY), "playlistsearch": Spec(1, ANY),
    "shuffle": _upto(0, 1), "rangeid": _fixed(2), "addtagid": _fixed(3),
    "cleartagid": _upto(1, 2),
    # the database
    "update": _upto(0, 1, "update"), "rescan": _upto(0, 1, "update"), "lsinfo": _upto(0, 1),
    "listall": _upto(0, 1), "listallinfo": _upto(0, 1), "list": Spec(1, ANY),
    "find": Spec(1, ANY), "search": Spec(1, ANY), "findadd": Spec(1, ANY),
    "searchadd": Spec(1, ANY), "count": Spec(1, ANY),
    "albumart": _fixed(2), "readpicture": _fixed(2),
    # stored playlists
    "listplaylists": _fixed(0), "listplaylist": _fixed(1), "listplaylistinfo": _fixed(1),
    "load": _upto(1, 3), "save": _fixed(1, *STORED), "rm": _fixed(1, *STORED),
    "rename": _fixed(2, *STORED), "playlistadd": _upto(2, 3, *STORED),
    "playlistdelete": _fixed(2, *STORED), "playlistclear": _fixed(1, *STORED),
    "playlistmove": _fixed(3, *STORED),
}  # fmt: skip

SERVER_COMMANDS = ("close", "idle")
"""Answered by the server itself (they act on the connection), not by a handler; "noidle"
too, which MPD does not list in ``commands``."""

PUBLIC = tuple(sorted(name for name, spec in COMMANDS.items() if spec.public))
"""What a client may send before its password."""
