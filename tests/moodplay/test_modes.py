"""The user's queue, the sleep timer and library URIs, without a daemon."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from moodplay._modes import ManualQueue, SleepTimer
from moodplay._uris import library_root, listing, resolve, uri_of


def test_manual_queue_order_repeat_and_single() -> None:
    q = ManualQueue()
    assert q.add([3, 1, 3]) == 2 and q.pending == [3, 1]
    assert q.head(current=7) == [7, 3, 1] and q.head(current=3) == [3, 1]
    q.started(3)
    assert q.pending == [1] and q.playing == 3
    q.started(9)  # an adaptive pick
    assert q.playing is None
    q.repeat = True
    q.started(1)
    assert q.pending == [1]  # repeat: it goes round again
    q.single = True
    q.pending.clear()
    q.ended(1)
    assert q.pending == [1]  # repeat + single: the same track comes again
    q.clear()
    assert q.pending == [] and q.playing is None


def test_single_stops_after_the_track_and_oneshot_turns_itself_off() -> None:
    """MPD's single: without repeat, playback stops when the track ends; ``oneshot`` does it
    once and turns single off; with repeat, nothing stops (the track comes again)."""
    q = ManualQueue(single=True)
    assert q.stop_after_track()
    assert q.single
    q = ManualQueue(single=True, oneshot=True)
    assert q.stop_after_track()
    assert not q.single and not q.oneshot
    assert not q.stop_after_track()
    q = ManualQueue(single=True, repeat=True)
    assert not q.stop_after_track()
    assert not ManualQueue().stop_after_track()


def test_sleep_timer() -> None:
    timer = SleepTimer()
    assert not timer.due(now=0.0) and timer.minutes_left() is None
    timer.set(2, now=100.0)
    assert timer.minutes_left(now=160.0) == 1.0
    assert not timer.due(now=219.0)
    assert timer.due(now=220.0)
    assert not timer.due(now=221.0)  # fires once
    timer.set(5, now=0.0)
    timer.set(0)
    assert timer.deadline is None


@dataclass(frozen=True)
class Info:
    path: Path
    album: str = ""
    track_number: int | None = None
    disc_number: int | None = None


def test_uris_folders_and_album_order() -> None:
    tracks = {
        1: Info(Path("/m/B/2.ogg"), "B", 2), 2: Info(Path("/m/B/1.ogg"), "B", 1),
        3: Info(Path("/m/A/x.ogg"), "A", 1), 4: Info(Path("/m/top.ogg")),
    }  # fmt: skip
    root = library_root(i.path for i in tracks.values())
    assert root == Path("/m") and uri_of(Path("/m/B/1.ogg"), root) == "B/1.ogg"
    assert uri_of(Path("/elsewhere/x.ogg"), root) == "/elsewhere/x.ogg"
    assert resolve("B", tracks, root) == [2, 1]  # track number order
    assert resolve("B/2.ogg", tracks, root) == [1]
    assert resolve("/m/top.ogg", tracks, root) == [4]
    assert resolve("Bee", tracks, root) == []  # a prefix is not a folder
    assert sorted(resolve("", tracks, root)) == [1, 2, 3, 4]
    assert listing("", tracks, root) == (["A", "B"], [4])
    assert listing("B", tracks, root) == ([], [2, 1])
