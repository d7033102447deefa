"""MPD idle: what idle clients watch, and one connection's idle state."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from moodplay._live import LiveSession
from moodplay._view import snapshot
from moodplay.mpd._protocol import Ack, ProtocolError, tokenize

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
    options: tuple[bool, bool, bool]
    library_at: float
    updating: bool = False
    users: tuple[int, ...] = ()
    """Which entries are the user's own (catalogue indices): adding a planned entry to the
    user's queue changes the playlist even when the order stays."""

    @classmethod
    def read(cls, session: LiveSession) -> Watched:
        s = snapshot(session)
        options = (session.manual.repeat, session.manual.single, session.manual.oneshot)
        return cls(s.state, s.current, tuple(s.queue), s.volume_pct, options, session.library_at,
                   session.updating(), tuple(session.manual.pending))  # fmt: skip

    def changed(self, before: Watched) -> set[str]:
        """The subsystems an MPD client must refetch, going from ``before`` to this."""
        changed = {
            "player": (self.state, self.current) != (before.state, before.current),
            "playlist": (self.queue, self.users) != (before.queue, before.users),
            "mixer": self.volume_pct != before.volume_pct,
            "options": self.options != before.options,
            "database": self.library_at != before.library_at,
            "update": self.updating != before.updating,  # a rescan started or ended
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
