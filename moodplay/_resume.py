"""Surviving a restart: the session resumes from the state its store writer saved."""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from library import load_state
from moodplay._history_fold import build_history

if TYPE_CHECKING:
    from moodplay._live import LiveSession

log = logging.getLogger(__name__)


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


def persist(s: LiveSession, force: bool = False) -> None:
    """What a restart resumes from — the track, where in it, the volume, the queue — handed to
    the store writer: at most once a second, and not while paused with nothing changed, unless
    ``force`` (on stop: then everything waiting is written too, or the loss is logged)."""
    if s.store is None or (not force and time.monotonic() - s.saved_at < 1.0):
        return
    if not force and s.changes == s.saved_changes and s.player.paused:
        return
    current = s.player.current.track_id if s.player.current else s.resumable()
    position = s.player.position_s() if s.player.current else s.resume_at
    s.writer.save_state({
        "current_track": current, "position_s": round(position, 3),
        "volume_pct": s.user_volume,
        "queue": [int(s.cat.track_ids[i]) for i in s.queue.queue],
    })  # fmt: skip
    s.saved_at, s.saved_changes = time.monotonic(), s.changes
    if force and not s.writer.flush(force=True):
        log.error("stopping with %d listening event(s) the database did not take: %s",
                  len(s.writer.events), s.problems.get("store", ""))  # fmt: skip
