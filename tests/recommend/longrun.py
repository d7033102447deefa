"""A small long-run driver for recommender tests: days of evening sessions through
``recommend.Session``, sending the events the daemon sends."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from recommend import Catalogue, ListenerState, Plan, Planner, Session, SessionEvent, Situation

T0 = dt.datetime(2026, 11, 2, 19, 0).timestamp()
DAY_S = 86_400.0

Listen = Callable[[int, int], float]
"""(track index, day) -> seconds listened (the full duration: finished)."""


@dataclass
class Run:
    plays: list[tuple[int, int]] = field(default_factory=list)
    """(day, track index) per track started, in order."""
    plans: list[tuple[float, Plan]] = field(default_factory=list)
    """(time, plan) after each event."""


def evenings(planner: Planner, days: int, per_day: int, listen: Listen | None = None,
             *, session: Session | None = None, first_day: int = 0, keep_plans: bool = False,
             ) -> tuple[Session, Run]:  # fmt: skip
    """``per_day`` tracks each evening at 19:00 for ``days`` days; ``listen`` decides how long
    each track plays (default: to the end)."""
    cat = planner.cat
    s = session or Session(planner, ListenerState(Situation(T0, "evening")), length=20, seed=1)
    run = Run()
    for day in range(first_day, first_day + days):
        at = T0 + day * DAY_S
        s.on(SessionEvent("context_changed", at, situation=Situation(at, "evening")))
        for _ in range(per_day):
            i = s.queue[0]
            whole = float(cat.duration_s[i])
            heard = whole if listen is None else listen(i, day)
            at += heard
            kind = "played" if heard >= whole else "skipped"
            plan = s.on(SessionEvent(kind, at, index=i, position_s=heard, duration_s=whole))
            run.plays.append((day, i))
            if keep_plans:
                run.plans.append((at, plan))
    return s, run


def replay_share(run: Run, from_day: int = 1) -> float:
    """Share of plays (from ``from_day`` on) of tracks first heard on an earlier day."""
    first: dict[int, int] = {}
    for day, i in run.plays:
        first.setdefault(i, day)
    later = [(d, i) for d, i in run.plays if d >= from_day]
    return sum(first[i] < d for d, i in later) / max(1, len(later))


def with_added(cat: Catalogue, added_at: list[float]) -> Catalogue:
    import numpy as np

    return cat.__class__(**{**cat.__dict__, "added_at": np.array(added_at, dtype=np.float64)})
