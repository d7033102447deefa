"""MPD commands that rearrange the queue: move, moveid, swap, swapid, delete, deleteid.

moodplay's queue is the track playing (position 0 while there is one), the tracks the user
queued, then what the planner picked. Rearranging makes the user's choice explicit: every entry
from the first position after the playing track up to the last entry moved becomes part of the
user's own queue, in the new order, and the planner fills in after it. The playing track stays
first while it plays: a move to position 0 lands at 1, and the playing track itself cannot be
moved (MPD can; moodplay's "what plays now" is always first). Deleting an entry the user queued
takes it out of their queue; deleting a planned entry drops it from the plan for good (nothing
is learned, as if it had never been picked); deleting the playing entry plays the next one,
learning nothing either.
"""

from __future__ import annotations

from collections.abc import Callable

from moodplay.mpd._base import TIMEOUT_S, FacadeCore, _bounded_int
from moodplay.mpd._filter import parse_range
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError

Change = Callable[[list[int]], tuple[list[int], list[int]]]
"""The queue's track ids → (the new order, the ids the change moved)."""


class OrderCommands(FacadeCore):
    """MPD's queue-rearranging commands in terms of the live session."""

    def _move(self, args: list[str]) -> Pairs:
        """``move FROM[:TO] TO``: a position or a range of positions to a position."""
        start, end = parse_range(args[0])
        if end == 2**31 - 1 and args[0].endswith(":"):
            raise ProtocolError(Ack.ARG, "Open-ended range not supported")
        to = _to(args[1])

        def change(queue: list[int]) -> tuple[list[int], list[int]]:
            if end > len(queue) or start >= len(queue):
                raise ProtocolError(Ack.ARG, "Bad song index")
            return _moved(queue, start, end, self._target(queue, to, end - start, args[1]))

        return self._rearrange(change)

    def _moveid(self, args: list[str]) -> Pairs:
        track_id = _bounded_int(args[0], 0, 2**31 - 1)
        to = _to(args[1])

        def change(queue: list[int]) -> tuple[list[int], list[int]]:
            at = _position(queue, track_id)
            if to < 0 and self._playing_id() == track_id:
                raise ProtocolError(Ack.ARG, "Cannot move current song relative to itself")
            return _moved(queue, at, at + 1, self._target(queue, to, 1, args[1]))

        return self._rearrange(change)

    def _swap(self, args: list[str]) -> Pairs:
        first, second = (_bounded_int(a, 0, 2**31 - 1) for a in args)

        def change(queue: list[int]) -> tuple[list[int], list[int]]:
            if max(first, second) >= len(queue):
                raise ProtocolError(Ack.ARG, "Bad song index")
            return _swapped(queue, first, second)

        return self._rearrange(change)

    def _swapid(self, args: list[str]) -> Pairs:
        ids = [_bounded_int(a, 0, 2**31 - 1) for a in args]

        def change(queue: list[int]) -> tuple[list[int], list[int]]:
            return _swapped(queue, _position(queue, ids[0]), _position(queue, ids[1]))

        return self._rearrange(change)

    def _delete(self, args: list[str]) -> Pairs:
        """``delete POS`` or ``delete START:END``."""
        start, end = parse_range(args[0])
        queue = self._snap().queue
        if start >= len(queue):
            raise ProtocolError(Ack.ARG, "Bad song index")
        return self._remove(queue[start : min(end, len(queue))])

    def _deleteid(self, args: list[str]) -> Pairs:
        track_id = _bounded_int(args[0], 0, 2**31 - 1)
        if track_id not in self._snap().queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        return self._remove([track_id])

    # -- on the session thread -----------------------------------------------------------------

    def _playing_id(self) -> int | None:
        current = self.session.player.current
        return None if current is None else current.track_id

    def _target(self, queue: list[int], to: int, count: int, text: str) -> int:
        """Where a block of ``count`` entries goes: a negative ``to`` counts from the playing
        entry (MPD's relative form); the playing entry keeps position 0."""
        if to < 0:
            to = -to if self._playing_id() is not None else len(queue) - count
        if to + count > len(queue):
            raise ProtocolError(Ack.ARG, f"Number too large: {text}")
        return max(to, 1 if self._playing_id() is not None else 0)

    def _rearrange(self, change: Change) -> Pairs:
        session = self.session

        def apply() -> None:
            queue = [int(session.cat.track_ids[i]) for i in session.queue.queue]
            playing = self._playing_id()
            new, moved = change(queue)
            first = 1 if playing is not None else 0
            if playing is not None and new[0] != playing:
                raise ProtocolError(Ack.ARG, "the playing song stays first in moodplay's queue")
            users = [int(session.cat.track_ids[i]) for i in session.manual.pending]
            last = max(new.index(t) for t in [*moved, *users] if t in new)
            session.manual.pending = [session.index_of(t) for t in new[first : last + 1]]
            self._replanned()

        self.touched = True
        session.submit(apply).result(timeout=TIMEOUT_S)
        self.events.add("playlist")
        return []

    def _remove(self, ids: list[int]) -> Pairs:
        session = self.session

        def apply() -> None:
            playing = self._playing_id()
            for track_id in ids:
                index = session.index_of(track_id)
                if index in session.manual.pending:
                    session.manual.pending.remove(index)
                else:
                    session.queue.drop(index)
            if playing in ids:  # as MPD: the next entry plays; nothing learned
                session.player.stop()
                session.resume_at = 0.0
                session.queue.replan(session.manual.head(None))
                session.start_current()
            else:
                self._replanned()

        self.touched = True
        session.submit(apply).result(timeout=TIMEOUT_S)
        self.events.add("playlist")
        return []

    def _replanned(self) -> None:
        session = self.session
        session.queue.replan(session.manual.head(session.current_index()))
        if session.player.current is not None:
            session.player.prepare(session.next_track())
        session.changes += 1


def _to(text: str) -> int:
    return _bounded_int(text, -(2**31), 2**31 - 1)


def _position(queue: list[int], track_id: int) -> int:
    if track_id not in queue:
        raise ProtocolError(Ack.NO_EXIST, "No such song")
    return queue.index(track_id)


def _moved(queue: list[int], start: int, end: int, to: int) -> tuple[list[int], list[int]]:
    block = queue[start:end]
    rest = queue[:start] + queue[end:]
    return rest[:to] + block + rest[to:], block


def _swapped(queue: list[int], first: int, second: int) -> tuple[list[int], list[int]]:
    new = list(queue)
    new[first], new[second] = new[second], new[first]
    return new, [new[first], new[second]]
