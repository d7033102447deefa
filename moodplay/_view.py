"""What the web page and the HTTP API show: a JSON-ready view of the live session.

Built on the session thread (``session.submit(lambda: live_view(session))``), so it reads a
consistent state; the servers only serialise it.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from moodplay._live import LiveSession
from recommend import Point


def live_view(session: LiveSession) -> dict[str, Any]:
    snap = snapshot(session)
    plan = session.queue.plan
    state = session.queue.state
    now = state.now if state.now is not None else plan.start
    source = state.now_source or ("your voice" if state.now is not None else "recent tracks")
    reasons = snap.reasons
    current = _track(session, snap.current, reasons) if snap.current is not None else None
    return {
        "state": snap.state,
        "volume": snap.volume_pct,
        "elapsed": round(snap.elapsed_s, 1),
        "current": current,
        "queue": [_track(session, t, reasons) for t in snap.queue],
        "mood": {**_point(now), "source": source},
        "target": {**_point(plan.target), "request": state.request or "", "note": plan.target_note},
        "mood_log": [[round(t, 1), round(v, 3), round(e, 3)] for t, v, e in session.mood_log],
        "mode": session.mode,
        "moods": sorted(session.config.moods.targets),
        "changes": snap.changes,
        "message": plan.message,
        "problems": [*session.problems.values(), *list(session.failures)[-3:]],
        "private": session.private,
    }


def _point(point: Point) -> dict[str, float]:
    return {"valence": round(point.valence, 3), "energy": round(point.energy, 3)}


def _track(session: LiveSession, track_id: int, reasons: dict[int, str]) -> dict[str, Any]:
    info = session.tracks[track_id]
    index = session.index_of(track_id)
    return {
        "id": track_id,
        "title": info.title,
        "artist": info.artist,
        "album": info.album,
        "duration": round(float(session.cat.duration_s[index]), 1),
        "reason": reasons.get(track_id, ""),
        **_point(session.cat.point(index)),
    }


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """What clients show: read on the session thread, handed to the servers."""

    state: str  # play | pause | stop
    volume_pct: int
    elapsed_s: float
    current: int | None
    """Track id now playing."""
    queue: list[int]
    """Track ids, current first."""
    reasons: dict[int, str]
    changes: int
    problems: tuple[str, ...] = ()
    """What is wrong now (the session's ``problems``: no sound output, a store refusing
    writes, ...), each a sentence."""


def snapshot(session: LiveSession) -> Snapshot:
    """Call on the session thread (``session.submit(lambda: snapshot(session))``)."""
    p = session.player
    ids = [int(session.cat.track_ids[i]) for i in session.queue.queue]
    current: int | None
    if p.current is not None:
        state, current, elapsed = (
            ("pause" if p.paused else "play"),
            p.current.track_id,
            p.position_s(),
        )
    elif session.resumable() is not None:
        state, current, elapsed = "pause", session.resumable(), session.resume_at
    else:
        state, current, elapsed = "stop", None, 0.0
    return Snapshot(state, p.volume_pct, elapsed, current, ids, dict(session.reasons),
                    session.changes, tuple(session.problems.values()))  # fmt: skip
