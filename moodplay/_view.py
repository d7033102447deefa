"""What the web page and the HTTP API show: a JSON-ready view of the live session.

Built on the session thread (``session.submit(lambda: live_view(session))``), so it reads a
consistent state; the servers only serialise it.
"""

from __future__ import annotations

import dataclasses
import weakref
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
    parts = _parts(session)
    queued = {int(session.cat.track_ids[i]) for i in session.manual.pending}
    extra = {"parts": parts, "queued": queued}
    current = _track(session, snap.current, reasons, extra) if snap.current is not None else None
    return {
        "state": snap.state,
        "volume": snap.volume_pct,
        "elapsed": round(snap.elapsed_s, 1),
        "current": current,
        "queue": [_track(session, t, reasons, extra) for t in snap.queue],
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


_PARTS: weakref.WeakKeyDictionary[LiveSession, dict[int, dict[str, float]]]
_PARTS = weakref.WeakKeyDictionary()
"""Each session's score parts per track id, as first planned: a re-plan keeps a track with the
parts ``{"kept": 0}`` only, as the session keeps its first reason (``_keep_reasons``)."""


def _parts(session: LiveSession) -> dict[int, dict[str, float]]:
    """The score parts of each planned track ("why?" on the page), rounded; {} for a track the
    user queued or one kept from a plan this view never saw."""
    seen = _PARTS.setdefault(session, {})
    entries = session.queue.plan.entries
    for e in entries:
        if "kept" not in e.parts:
            seen[e.track_id] = {k: round(float(v), 3) for k, v in e.parts.items()}
    shown = {e.track_id for e in entries} | {session.resumable()}
    if session.player.current is not None:
        shown.add(session.player.current.track_id)
    for gone in [t for t in seen if t not in shown]:
        del seen[gone]  # bounded: only what is queued or playing is kept
    return seen


def _track(session: LiveSession, track_id: int, reasons: dict[int, str],
           extra: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
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
        "parts": extra["parts"].get(track_id, {}),
        "queued": track_id in extra["queued"],
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
