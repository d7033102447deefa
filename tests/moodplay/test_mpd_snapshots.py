"""The snapshot MPD reads share (moodplay.mpd._base.SnapshotCache): one for every connection
for SNAPSHOT_FRESH_S while nothing changed; a change anywhere makes the next read ask again."""

from __future__ import annotations

import threading
import time
from concurrent.futures import Future
from typing import Any, cast

from moodplay._live import LiveSession
from moodplay.mpd._base import SNAPSHOT_FRESH_S, SnapshotCache


class Session:
    """What the cache uses of a LiveSession: ``changes`` and ``submit`` (counted)."""

    def __init__(self) -> None:
        self.changes, self.asked = 0, 0

    def submit(self, call: Any) -> Future[object]:
        self.asked += 1
        done: Future[object] = Future()
        done.set_result(call())
        return done


def _cache_and_session(monkeypatch: Any) -> tuple[SnapshotCache, Session]:
    import moodplay.mpd._base as base

    monkeypatch.setattr(base, "snapshot", lambda session: object())
    monkeypatch.setattr(base, "Snapshot", object)  # what the fake snapshot is
    return SnapshotCache(), Session()


def test_reads_share_one_snapshot_until_anything_changes(monkeypatch: Any) -> None:
    cache, fake = _cache_and_session(monkeypatch)
    session = cast(LiveSession, fake)
    first = cache.get(session)
    assert cache.get(session) is first and fake.asked == 1
    fake.changes += 1  # a command, the player, voice
    second = cache.get(session)
    assert second is not first and fake.asked == 2
    cache.invalidate()  # a connection's own change (a seek the count does not see)
    assert cache.get(session) is not second and fake.asked == 3
    time.sleep(SNAPSHOT_FRESH_S * 1.5)
    assert cache.fresh(session) is None
    cache.get(session)
    assert fake.asked == 4


def test_a_pinned_snapshot_answers_on_its_thread_only(monkeypatch: Any) -> None:
    cache, fake = _cache_and_session(monkeypatch)
    session = cast(LiveSession, fake)
    held = cache.get(session)
    fake.changes += 1  # stale now: only the pinned thread still answers with it
    seen: list[object] = []
    with cache.pinned(held):
        assert cache.get(session) is held and fake.asked == 1
        other = threading.Thread(target=lambda: seen.append(cache.get(session)))
        other.start()
        other.join()
    assert seen and seen[0] is not held and fake.asked == 2
