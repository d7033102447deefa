"""Small pieces of live state beside the adaptive queue: what the user queued by hand, and the
sleep timer. Plain data with no locks: the session thread owns them."""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class ManualQueue:
    """Tracks (catalogue indices) the user queued (MPD ``add``, "play the album X"), played in
    order before the adaptive queue fills in. ``repeat`` loops them; ``single`` with repeat
    repeats one, without it stops after the track (as MPD)."""

    pending: list[int] = field(default_factory=list)
    repeat: bool = False
    single: bool = False
    playing: int | None = None
    """The queued track now playing, if the current track came from this queue."""
    oneshot: bool = False
    """``single`` turns itself off after the next track (MPD's ``single oneshot``)."""

    def add(self, indices: Iterable[int]) -> int:
        before = len(self.pending)
        for i in indices:
            if i not in self.pending:
                self.pending.append(i)
        return len(self.pending) - before

    def clear(self) -> None:
        self.pending.clear()
        self.playing = None

    def started(self, index: int) -> None:
        """The player started ``index``: take it off the front if it was queued."""
        if self.pending and self.pending[0] == index:
            self.pending.pop(0)
            self.playing = index
            if self.repeat and not self.single:
                self.pending.append(index)
        else:
            self.playing = None

    def ended(self, index: int) -> None:
        """A track played to its end: with repeat + single it comes again."""
        if self.repeat and self.single:
            self.pending.insert(0, index)

    def stop_after_track(self) -> bool:
        """A track ended: True when playback stops here (MPD's single without repeat). A
        oneshot single turns off with this end (with repeat: after the one repeat)."""
        stop = self.single and not self.repeat
        if self.single and self.oneshot:
            self.single = self.oneshot = False
        return stop

    def head(self, current: int | None) -> list[int]:
        """What must lead the plan: the current track, then the queued ones, no duplicates."""
        out = [] if current is None else [current]
        out += [i for i in self.pending if i not in out]
        return out


@dataclass
class SleepTimer:
    """Pause playback at a deadline ("good night" sets one with the wind-down)."""

    deadline: float | None = None

    def set(self, minutes: float, now: float | None = None) -> None:
        start = time.monotonic() if now is None else now
        self.deadline = None if minutes <= 0 else start + minutes * 60.0

    def due(self, now: float | None = None) -> bool:
        if self.deadline is None:
            return False
        if (time.monotonic() if now is None else now) >= self.deadline:
            self.deadline = None
            return True
        return False

    def minutes_left(self, now: float | None = None) -> float | None:
        if self.deadline is None:
            return None
        return max(0.0, (self.deadline - (time.monotonic() if now is None else now)) / 60.0)
