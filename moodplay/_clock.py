"""The live session's clock: the recommender's situation follows the time of day.

An always-on daemon lives for months. Every turn of the session loop, and before every event it
sends the recommender, the session asks :class:`SessionClock` whether the part of day, the
weekday or quiet hours changed since the last look; if so the recommender gets
``context_changed`` with the situation of that moment, so feedback is filed under the part of
day it happened in and the plan follows the morning. Playing again after a pause longer than
``SESSION_GAP_S`` also sends one: the recommender then opens a new listening session (the old
request expires). Event times come from the same clock (``ContextSource.clock``), which tests
replace.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from context import Context, ContextSource
from recommend import Session, SessionEvent, Situation

if TYPE_CHECKING:
    from moodplay._live import LiveSession


def situation(snap: Context) -> Situation:
    """The recommender's view of a Context snapshot."""
    return Situation(snap.timestamp, snap.part_of_day, snap.weekend)


def period(snap: Context) -> tuple[str, str, bool]:
    """What, when it changes, changes the plan: part of day, weekday, quiet hours."""
    return (snap.part_of_day, snap.weekday, snap.quiet_hours)


class SessionClock:
    """Watches the context for one live session (its thread only)."""

    def __init__(self, source: ContextSource) -> None:
        self.source = source
        self._seen = period(source.snapshot())

    def now(self) -> float:
        """Unix time by the context's clock: the time every session event carries."""
        return self.source.clock()

    def situation(self) -> Situation:
        return situation(self.source.snapshot())

    def change(self, session: Session, resumed: bool = False) -> SessionEvent | None:
        """``context_changed`` when the period changed since the last call, or when playing
        resumes (``resumed``) after the listening session ended; else None."""
        snap = self.source.snapshot()
        now = period(snap)
        if now == self._seen and not (resumed and session.expired(snap.timestamp)):
            return None
        self._seen = now
        return SessionEvent("context_changed", snap.timestamp, situation=situation(snap))


def follow_clock(live: LiveSession, resumed: bool = False) -> bool:
    """Tell ``live``'s recommender about a change of period (or a resume after a gap); True if
    it was told. A listening session that opens with nothing playing and nothing to resume
    plans afresh: yesterday's queue does not lead today's."""
    event = live.clock.change(live.queue, resumed)
    if event is None:
        return False
    live.queue.on(event)
    if live.queue.fresh and live.player.current is None and not live.resume_at:
        live.queue.replan(live.manual.head(None))
    live.apply_manual()
    live.changes += 1
    return True
