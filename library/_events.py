"""Listening events in the store: written at once by the session, read to plan queues."""

from __future__ import annotations

import json
import math
from collections import deque
from dataclasses import asdict, dataclass

from library._store import Store
from library._types import StoreError

MAX_PENDING_EVENTS = 10_000
"""Events kept in memory while the store refuses writes (about 5 MB at most)."""


@dataclass(frozen=True)
class Event:
    track_id: int
    kind: str
    at: float
    part_of_day: str
    position_s: float = 0.0
    duration_s: float = 0.0
    context: dict[str, object] | None = None
    mood_valence: float | None = None
    mood_energy: float | None = None


def record_event(store: Store, event: Event) -> None:
    """One transaction per event: a killed process loses nothing committed."""
    with store.transaction():
        _insert(store, event)


def _insert(store: Store, event: Event) -> None:
    row = asdict(event)
    row["context"] = json.dumps(event.context) if event.context is not None else None
    store.execute(
        "INSERT INTO events (track_id, kind, at, position_s, duration_s, part_of_day, "
        "context, mood_valence, mood_energy) VALUES (:track_id, :kind, :at, :position_s, "
        ":duration_s, :part_of_day, :context, :mood_valence, :mood_energy)",
        row,
    )


class PendingEvents:
    """Events not yet in the store, written oldest first in one transaction.

    While the store refuses writes (full disk, a lock, a damaged page) they wait here, at most
    ``limit`` of them: :meth:`add` refuses more, so nothing is acknowledged that is not kept.
    """

    def __init__(self, limit: int = MAX_PENDING_EVENTS) -> None:
        self.limit = limit
        self._events: deque[Event] = deque()

    def __len__(self) -> int:
        return len(self._events)

    def add(self, event: Event) -> None:
        """Keep ``event`` until :meth:`flush`; raises :class:`StoreError` when ``limit`` wait."""
        if len(self._events) >= self.limit:
            raise StoreError(
                f"{len(self._events)} listening events are waiting for the library database; "
                "no more are accepted until it takes writes again"
            )
        self._events.append(event)

    def discard(self, event: Event) -> bool:
        """Forget a waiting event (an undo); False when it is not waiting (already stored)."""
        if event in self._events:
            self._events.remove(event)
            return True
        return False

    def flush(self, store: Store) -> int:
        """Write every waiting event in one transaction; how many. On :class:`StoreError`
        (raised) none is written and all keep waiting."""
        events = list(self._events)
        if events:
            with store.transaction():
                for event in events:
                    _insert(store, event)
            for _ in events:
                self._events.popleft()
        return len(events)


def load_events(store: Store, since: float = 0.0) -> list[Event]:
    rows = store.query("SELECT * FROM events WHERE at >= ? ORDER BY at, id", (since,))
    return [
        Event(
            r["track_id"],
            r["kind"],
            r["at"],
            r["part_of_day"],
            r["position_s"] or 0.0,
            r["duration_s"] or 0.0,
            json.loads(r["context"]) if r["context"] else None,
            r["mood_valence"],
            r["mood_energy"],
        )
        for r in rows
    ]


def forget_events(store: Store, since: float | None = None, until: float | None = None) -> int:
    """Delete listening events (all, or those from ``since`` on, or before ``until``, or
    between) and scrub them from the file: VACUUM rewrites the database and the WAL is
    truncated, so the rows are really gone. A history fold made of any of them goes too."""
    low = since if since is not None else -math.inf
    high = until if until is not None else math.inf
    with store.transaction():
        if since is None and until is None:
            count = store.execute("DELETE FROM events").rowcount
        else:
            count = store.execute("DELETE FROM events WHERE at >= ? AND at < ?",
                                  (low, high)).rowcount  # fmt: skip
        drop_fold(store, low)
    _scrub(store)
    return int(count)


def forget_event(store: Store, track_id: int, kind: str, at: float, *, scrub: bool = True) -> int:
    """Delete one listening event (the last stored with these fields; 0 when there is none)
    and, with ``scrub``, scrub it from the file as :func:`forget_events` does (an undo of what
    was just stored skips that: the VACUUM rewrites the whole file); the fold goes if it holds
    it."""
    with store.transaction():
        count = store.execute(
            "DELETE FROM events WHERE id = (SELECT max(id) FROM events WHERE track_id = ? "
            "AND kind = ? AND at = ?)",
            (track_id, kind, at),
        ).rowcount
        drop_fold(store, at)
    if scrub:
        _scrub(store)
    return int(count)


def _scrub(store: Store) -> None:
    store.execute("VACUUM")
    store.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def save_state(store: Store, state: dict[str, object]) -> None:
    """The daemon's state to resume from (what played, where, how loud), in one transaction."""
    with store.transaction():
        for key, value in state.items():
            store.execute("INSERT OR REPLACE INTO daemon_state VALUES (?, ?)",
                          (key, json.dumps(value)))  # fmt: skip


def load_state(store: Store) -> dict[str, object]:
    return {r["key"]: json.loads(r["value"]) for r in store.query("SELECT * FROM daemon_state")}


def load_fold(store: Store) -> tuple[float, bytes] | None:
    """The stored history fold: (cut in Unix s, blob of ``recommend._fold.Fold.to_bytes``)."""
    rows = store.query("SELECT cut, blob FROM history_fold WHERE id = 1")
    return (float(rows[0]["cut"]), bytes(rows[0]["blob"])) if rows else None


def save_fold(store: Store, cut: float, blob: bytes) -> None:
    """Keep this fold of the events before ``cut`` (replacing any other)."""
    with store.transaction():
        store.execute("INSERT OR REPLACE INTO history_fold (id, cut, blob) VALUES (1, ?, ?)",
                      (cut, blob))  # fmt: skip


def drop_fold(store: Store, changed_at: float = -math.inf) -> None:
    """Forget the fold if it holds events at or after ``changed_at`` (an event there was
    deleted), i.e. if its cut is later; call inside the transaction that deleted them."""
    store.execute("DELETE FROM history_fold WHERE cut > ?", (changed_at,))
