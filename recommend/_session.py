"""The streaming API: events in, the updated queue out.

The current track and the prepared next one stay (after an explicit request, only the current);
the rest is re-planned from the new state. Every front end (voice, MPD, HTTP, CLI) drives the
same Session through the app.

Listening sessions: an event after SESSION_GAP_S without a track played, skipped or asked for,
or a voice mood heard, opens a new one. Then the request in force (and a wind-down) expires,
and where the listener is comes from the voice mood or a new request, never from the last
track heard before the gap.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

from recommend._feedback import Feedback, History
from recommend._planner import SESSION_GAP_S, Planner
from recommend._request import cleared, mood_request
from recommend._types import ListenerState, Plan, Point, Situation

FEEDBACK_EVENTS = ("played", "skipped", "liked", "disliked", "banned", "unbanned")
STATE_EVENTS = ("more_like_this", "previous", "wind_down", "mood_changed", "context_changed",
                "request")  # fmt: skip
MAX_DROPPED = 200
"""How many tracks taken out by hand stay out of the plan (a bound for a months-long run)."""


@dataclass(frozen=True)
class SessionEvent:
    """``kind`` is one of FEEDBACK_EVENTS or STATE_EVENTS; the other fields as it needs."""

    kind: str
    at: float
    index: int | None = None
    position_s: float = 0.0
    duration_s: float = 0.0
    mood: Point | None = None
    mood_confidence: float = 0.0
    situation: Situation | None = None
    target: Point | None = None
    request: str | None = None


class Session:
    def __init__(self, planner: Planner, state: ListenerState, history: History | None = None,
                 length: int = 20, seed: int = 0) -> None:  # fmt: skip
        self.planner = planner
        self.state = state
        self.history = history or History()
        self.length = length
        self.seed = seed
        self.played: list[int] = []
        """Tracks started in this session, oldest first (for ``previous``)."""
        self.learn = True
        """False: feedback moves the queue on but is not learned from (a private session)."""
        self.dropped: deque[int] = deque(maxlen=MAX_DROPPED)
        """Tracks taken out of the planned queue by hand (MPD ``delete``): never planned again
        while listed; nothing is learned from it. The oldest give way past MAX_DROPPED."""
        self.active_at = state.situation.timestamp
        """Unix time of the last track played or skipped, request or voice mood."""
        self.heard_at = -math.inf
        """Unix time of the last track played or skipped (where the listener is, for a while)."""
        self.fresh = False
        """True from a gap (a new listening session) until a track is played or skipped in it:
        what was kept from before the gap does not say where the listener is."""
        self.plan = self._replan(keep=[])

    @property
    def queue(self) -> list[int]:
        return [e.index for e in self.plan.entries]

    def on(self, event: SessionEvent) -> Plan:
        """Apply one event (after closing the listening session if it came after a gap)."""
        if self.expired(event.at):
            self._new_session()
        if event.kind in FEEDBACK_EVENTS:
            self._feedback(event)
        elif event.kind in STATE_EVENTS:
            self._state(event)
        else:
            raise ValueError(f"unknown session event {event.kind!r}")
        return self.plan

    def expired(self, now: float) -> bool:
        """Whether a listening session ended: SESSION_GAP_S (s) since anything was played,
        skipped or asked for, or a voice mood heard."""
        return now - self.active_at > SESSION_GAP_S

    def _new_session(self) -> None:
        """The request and the voice mood belong to the session that ended."""
        self.state = replace(cleared(self.state), now=None, now_confidence=0.0, now_source="")
        self.fresh = True

    def _feedback(self, e: SessionEvent) -> None:
        if e.index is None:
            raise ValueError(f"{e.kind} needs the track index")
        if e.situation is not None:  # when it happened, not when the clock was last read
            self.state = replace(self.state, situation=e.situation)
        if self.learn:
            part = self.state.situation.part_of_day
            self.history.add(Feedback(e.index, e.kind, e.at, part, e.position_s, e.duration_s))
        queue = self.queue
        if e.kind in ("played", "skipped"):
            self.played.append(e.index)
            self.active_at = self.heard_at = e.at
            self.fresh = False
            self.state = replace(self.state, now=None)  # the tracks say where they are now
            rest = queue[1:] if queue and queue[0] == e.index else queue
            self.plan = self._replan(keep=rest[:1], at=e.at)  # the prepared next becomes current
        elif e.kind == "banned" and e.index in queue:
            self.plan = self._replan(keep=[i for i in queue[:2] if i != e.index], at=e.at)
        else:
            self.plan = self._replan(keep=queue[:2], at=e.at)

    def _state(self, e: SessionEvent) -> None:
        queue = self.queue
        # An explicit request is meant now: only what plays stays; the next track is the first
        # re-planned one (the daemon prepares it again). Other changes keep the prepared next.
        keep = queue[:1] if e.kind in ("request", "more_like_this") else queue[:2]
        if e.kind == "more_like_this" and e.index is not None:
            # The current track's mood becomes the target; similar tracks rank up.
            if self.learn:
                part = self.state.situation.part_of_day
                self.history.add(Feedback(e.index, "more_like_this", e.at, part))
            point = self.planner.cat.point(e.index)
            self.state = replace(
                self.state, target=point, request="more like this", wind_down=False
            )
        elif e.kind == "previous" and self.played:
            # queue[0] is playing; the track before it is the last one that ended.
            keep = [self.played[-1], *queue[:1]]
        elif e.kind == "wind_down":
            self.state = replace(self.state, wind_down=True)
        elif e.kind == "mood_changed" and e.mood is not None:
            self.active_at = e.at  # the listener is here: a voice mood opens or holds a session
            self.state = replace(self.state, now=e.mood, now_confidence=e.mood_confidence)
        elif e.kind == "context_changed" and e.situation is not None:
            self.state = replace(self.state, situation=e.situation)
        elif e.kind == "request":
            self.active_at = e.at
            self._request(e)
        self.plan = self._replan(keep=keep, at=e.at)

    def _request(self, e: SessionEvent) -> None:
        """A new request replaces the one in force (None: back to the clock's target)."""
        if e.target is None:
            self.state = cleared(self.state)
        else:
            self.state = mood_request(e.request or "", e.target).apply(self.state)

    def drop(self, index: int) -> None:
        """Take a planned track out of the queue without learning anything from it."""
        if index in self.dropped:
            self.dropped.remove(index)
        self.dropped.append(index)

    def replan(self, keep: list[int], at: float | None = None, avoid: list[int] | None = None
               ) -> Plan:  # fmt: skip
        """Plan again from the current state, these tracks first (e.g. ones the user queued);
        the ``avoid`` ones are not planned this time (a track that just gave way)."""
        self.plan = self._replan(keep, at, avoid)
        return self.plan

    def _replan(self, keep: list[int], at: float | None = None,
                avoid: list[int] | None = None) -> Plan:  # fmt: skip
        if at is not None:
            self.state = replace(self.state, situation=replace(self.state.situation, timestamp=at))
        if not keep:
            self.fresh = False  # planned afresh: nothing from before the gap is left
        self.seed += 1
        start_from = self._position(keep)
        state = self.state
        if start_from is not None and start_from is not self.state.now:
            state = replace(state, now=start_from, now_confidence=0.0)  # not the listener's own
        return self.planner.plan(state, self.history, self.length, self.seed, keep=keep,
                                 avoid=[*self.dropped, *(avoid or [])])  # fmt: skip

    def _position(self, keep: list[int]) -> Point | None:
        """Where re-plans start: the voice mood, else the last track heard in this listening
        session, else the one kept first (playing, nothing finished yet). After a gap none of
        the old tracks count: None lets the planner start at the request or the clock."""
        if self.state.now is not None:
            return self.state.now
        if self.fresh:
            return None
        now = self.state.situation.timestamp
        if self.played and now - self.heard_at <= SESSION_GAP_S:
            return self.planner.cat.point(self.played[-1])
        return self.planner.cat.point(keep[0]) if keep else None
