"""Surviving a restart: the session resumes from the state its store writer saved."""

from __future__ import annotations

from typing import TYPE_CHECKING

from library import load_state
from moodplay._queue_cli import build_history

if TYPE_CHECKING:
    from moodplay._live import LiveSession


def restore(s: LiveSession) -> None:
    """Learn from the stored history; resume what was playing, where, at what volume — paused,
    waiting for "play". Call on the session thread; raises ``StoreError`` when the store
    cannot be read."""
    assert s.store is not None
    s.queue.history = build_history(s.store, s.cat)
    s.queue.replan([])
    state = load_state(s.store)
    ids = s.rows
    volume = state.get("volume_pct", 100)
    s.user_volume = volume if isinstance(volume, int) else 100
    s.apply_volume()
    current = state.get("current_track")
    if not isinstance(current, int) or current not in ids:
        return
    saved = state.get("queue", [])
    queue_ids = [t for t in saved if t in ids] if isinstance(saved, list) else []
    keep = [ids[current], *[ids[t] for t in queue_ids if t != current][:1]]
    s.queue.plan = s.queue.planner.plan(s.queue.state, s.queue.history, s.queue.length, 0,
                                        keep=keep)  # fmt: skip
    position = state.get("position_s", 0.0)
    s.resume_at = float(position) if isinstance(position, int | float) else 0.0
