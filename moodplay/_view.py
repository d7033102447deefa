"""What the web page and the HTTP API show: a JSON-ready view of the live session.

Built on the session thread (``session.submit(lambda: live_view(session))``), so it reads a
consistent state; the servers only serialise it.
"""

from __future__ import annotations

from typing import Any

from moodplay._live import LiveSession, snapshot
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
        "problems": list(session.failures)[-3:],
        "private": session.private,
    }


def _point(point: Point) -> dict[str, float]:
    return {"valence": round(point.valence, 3), "energy": round(point.energy, 3)}


def _track(session: LiveSession, track_id: int, reasons: dict[int, str]) -> dict[str, Any]:
    info = session.tracks[track_id]
    index = int((session.cat.track_ids == track_id).nonzero()[0][0])
    return {
        "id": track_id,
        "title": info.title,
        "artist": info.artist,
        "album": info.album,
        "duration": round(float(session.cat.duration_s[index]), 1),
        "reason": reasons.get(track_id, ""),
        **_point(session.cat.point(index)),
    }
