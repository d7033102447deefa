"""``undo``: the last state-changing commands, from any surface, each with how to revert it.

Each handler (``moodplay._handlers``) pushes a label and a function that puts back what it
changed; ``undo`` pops the newest and runs it. The pieces reverts are made of live here too:
where playback was, what a command stored and taught the recommender, the listener state.
Plain data with no locks: the session thread owns all of it.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from library import Event, Store
from library import forget_event as forget_stored
from moodplay._commands import CommandError
from recommend import Feedback, History

if TYPE_CHECKING:
    from moodplay._live import LiveSession

UNDO_DEPTH = 10
"""How many commands back ``undo`` reaches."""


class UndoStack:
    def __init__(self, depth: int = UNDO_DEPTH) -> None:
        self._done: deque[tuple[str, Callable[[], object]]] = deque(maxlen=depth)
        self._reverting = False

    def __len__(self) -> int:
        return len(self._done)

    def push(self, label: str, revert: Callable[[], object]) -> None:
        """Remember a command; ignored while reverting (a revert may reuse a handler)."""
        if not self._reverting:
            self._done.append((label, revert))

    def undo(self) -> str:
        """Revert the newest command and say which it was; a refusal when there is none."""
        if not self._done:
            raise CommandError("nothing to undo")
        label, revert = self._done.pop()
        self._reverting = True
        try:
            revert()
        finally:
            self._reverting = False
        return f"undid: {label}"

    def clear(self) -> None:
        self._done.clear()


@dataclass(frozen=True)
class Playback:
    """Where playback was, to put it back: the track (playing, paused, or the one a restart
    resumes), its position, and the user's own queue."""

    index: int | None
    stopped: bool
    paused: bool
    position_s: float
    resume_at: float
    pending: tuple[int, ...]
    playing: int | None

    @classmethod
    def capture(cls, s: LiveSession) -> Playback:
        current = s.current_index()
        entries = s.queue.plan.entries
        resumable = entries[0].index if entries and s.resume_at else None
        return cls(
            current if current is not None else resumable, current is None, s.player.paused,
            s.player.position_s() if current is not None else s.resume_at, s.resume_at,
            tuple(s.manual.pending), s.manual.playing,
        )  # fmt: skip

    def same(self, other: Playback) -> bool:
        """The same play state (the position aside: it moves on by itself)."""
        return replace(self, position_s=0.0) == replace(other, position_s=0.0)

    def restore(self, s: LiveSession, track: bool) -> None:
        """Put playback back; with ``track`` also the track that played then (where it was)
        and the user's queue, else only playing/paused/stopped."""
        if self.stopped:
            if s.player.current is not None:
                s.player.stop()
            s.resume_at = self.resume_at
            if track:
                s.manual.pending, s.manual.playing = list(self.pending), self.playing
                s.queue.replan(s.manual.head(self.index))
            return
        if s.current_index() != self.index and (track or s.player.current is None):
            s.manual.pending = list(self.pending)
            s.queue.replan(s.manual.head(self.index))
            s.start_current(self.position_s)
            s.manual.playing = self.playing
        s.player.pause(self.paused)


def unlearn(s: LiveSession, event: Event | None, learned: int) -> Callable[[], None]:
    """How to take back what a command stored and taught the recommender: its stored event,
    and the feedback the history gained since it held ``learned`` events."""
    added = s.queue.history.events[learned:]

    def revert() -> None:
        if event is not None and s.store is not None:
            forget_event(s.store, event)
        if added:
            s.queue.history = without(s.queue.history, added)

    return revert


def state_back(s: LiveSession, fields: tuple[str, ...]) -> Callable[[], None]:
    """How to put these fields of the listener state back as they are now."""
    old = {name: getattr(s.queue.state, name) for name in fields}

    def revert() -> None:
        s.queue.state = replace(s.queue.state, **old)

    return revert


def forget_event(store: Store, event: Event) -> None:
    """Delete one stored listening event (the one a command recorded)."""
    forget_stored(store, event.track_id, event.kind, event.at, scrub=False)


def without(history: History, gone: list[Feedback]) -> History:
    """The history less these events: a fresh History, so its cached columns (and the set of
    banned tracks) are computed again from what is left."""
    ids = {id(fb) for fb in gone}
    return History([fb for fb in history.events if id(fb) not in ids], fold=history.fold)
