"""BoundedDecks over hand-written decks whose calls can be made to hang on an Event: libVLC's
own hang needs a frozen PulseAudio server (tests/faults/test_sound_frozen.py does that).

Patiences are short and the waits generous: the machine is shared, so no test asserts that
something was fast, only that a caller was not held for a hang's whole length."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from player import Player, PlayerEvent, Track
from player._bounded import BoundedDecks
from player._output import NO_OUTPUT, AnyLost
from tests.player.test_fades import FakeDecks, tracks  # noqa: F401 (a fixture)

PATIENCE_S = 0.2
HANG_S = 30.0
"""Longer than any test: a call still held this long means the adapter did not let go."""


class HangingDecks(FakeDecks):
    """FakeDecks whose ``hang_on`` calls wait until ``release`` is set."""

    def __init__(self) -> None:
        super().__init__()
        self.hang_on: set[str] = set()
        self.release = threading.Event()
        self.calls: list[str] = []

    def _maybe_hang(self, name: str) -> None:
        self.calls.append(name)
        if name in self.hang_on:
            self.release.wait(HANG_S)

    def stop(self, deck: int) -> None:
        self._maybe_hang("stop")
        super().stop(deck)

    def play(self, deck: int) -> None:
        self._maybe_hang("play")
        super().play(deck)

    def position_ms(self, deck: int) -> int:
        self._maybe_hang("position_ms")
        return super().position_ms(deck)


def _timed(call: Callable[[], object]) -> float:
    start = time.monotonic()
    call()
    return time.monotonic() - start


def _workers() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "player-decks"]


Rig = tuple[HangingDecks, BoundedDecks]


@pytest.fixture
def rig() -> Iterator[Rig]:
    fake = HangingDecks()
    yield fake, BoundedDecks(fake, patience_s=PATIENCE_S)
    fake.release.set()  # let the worker go (it is a daemon thread, parked on its queue)


def test_calls_go_through_in_order_while_the_engine_answers(rig: Rig) -> None:
    fake, decks = rig
    decks.load(0, Path("a.ogg"), 2.5)
    decks.set_volume(0, 70)
    decks.play(0)
    fake.position[0] = 4_200
    assert (decks.position_ms(0), decks.get_volume(0), fake.playing[0]) == (4_200, 70, True)
    assert fake.loads == [(0, Path("a.ogg"))] and decks.responding
    assert decks.change() is None


def test_a_hung_call_holds_the_caller_only_for_the_patience(rig: Rig) -> None:
    fake, decks = rig
    fake.position[0] = 4_200
    assert decks.position_ms(0) == 4_200
    fake.hang_on.add("stop")
    assert _timed(lambda: decks.stop(0)) < HANG_S / 3  # let go after ~PATIENCE_S
    assert not decks.responding
    assert decks.change() == "lost" and decks.change() is None  # told once
    assert "not responding" in decks.reason and "stop on deck 0" in decks.reason


def test_while_hung_reads_answer_the_last_value_and_writes_are_dropped(rig: Rig) -> None:
    fake, decks = rig
    fake.position[0], fake.volume[1] = 4_200, 55
    assert (decks.position_ms(0), decks.get_volume(1)) == (4_200, 55)
    fake.hang_on.add("stop")
    decks.stop(0)
    fake.position[0] = 9_000  # the engine moved on; nobody can ask it
    calls = len(fake.calls)

    def many() -> None:
        for _ in range(1_000):
            decks.set_volume(1, 10)
            decks.position_ms(0)

    held = _timed(many)
    assert held < HANG_S / 3  # at once, not a patience each
    assert (decks.position_ms(0), decks.get_volume(1), decks.length_ms(0)) == (4_200, 55, 0)
    assert len(fake.calls) == calls and fake.volume[1] == 55  # nothing reached the engine
    decks.load(1, Path("b.ogg"), 3.0)  # dropped, but what is known of deck 1 is its start
    assert decks.position_ms(1) == 3_000


def test_back_once_when_the_hung_call_returns_and_calls_go_through_again(rig: Rig) -> None:
    fake, decks = rig
    fake.hang_on.add("position_ms")
    fake.position[0] = 1_000
    assert decks.position_ms(0) == 0  # never read before: the read's default
    assert decks.change() == "lost"
    decks.play(0)  # dropped
    fake.position[0] = 7_000
    fake.release.set()
    deadline = time.monotonic() + HANG_S
    while not decks.responding and time.monotonic() < deadline:
        time.sleep(0.01)
    assert decks.change() == "back" and decks.change() is None
    assert fake.playing[0] is False  # the dropped play was not replayed
    decks.play(0)
    assert fake.playing[0] is True and decks.position_ms(0) == 7_000


def test_one_worker_thread_whatever_the_number_of_hung_calls() -> None:
    before = len(_workers())
    fake = HangingDecks()
    decks = BoundedDecks(fake, patience_s=PATIENCE_S)
    fake.hang_on.add("stop")
    for _ in range(50):
        decks.stop(0)
        decks.play(1)
        decks.position_ms(0)
    assert len(_workers()) == before + 1
    fake.release.set()


def test_errors_of_a_call_in_time_reach_the_caller(rig: Rig) -> None:
    fake, decks = rig

    def broken(deck: int, ms: int) -> None:
        raise RuntimeError("no such deck")

    fake.seek_ms = broken  # type: ignore[method-assign]
    with pytest.raises(RuntimeError, match="no such deck"):
        decks.seek_ms(0, 100)
    assert decks.responding


def test_the_player_holds_while_the_decks_hang_and_restarts_when_back(
    tracks: list[Track],  # noqa: F811
) -> None:
    a, b, c = tracks
    fake = HangingDecks()
    decks = BoundedDecks(fake, patience_s=PATIENCE_S)
    player = Player(decks, queue.Queue(), output=AnyLost(decks))
    try:
        player.play(a)
        player.prepare(b)
        fake.position[0] = 4_200
        assert player.poll() == []
        fake.hang_on.add("stop")
        player.start(b)  # a skip: the old deck's stop hangs
        assert player.current == b
        player.prepare(c)  # dropped: the idle deck stays as it was
        [event] = player.poll()
        assert (event.kind, event.track) == ("output", b) and "not responding" in event.reason
        assert player.paused and player.no_output
        player.pause(False)
        assert player.paused  # held until the output is back
        fake.hang_on.clear()
        fake.release.set()
        deadline = time.monotonic() + HANG_S
        while not decks.responding and time.monotonic() < deadline:
            time.sleep(0.01)
        assert player.poll() == [PlayerEvent("output", b)]
        assert not player.paused and fake.playing[1]
        assert fake.loads[-2:] == [(1, b.path), (0, c.path)]  # c loaded again, on the idle deck
    finally:
        fake.release.set()


class Told:
    """A watch that says what the test tells it, once."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.next_change: str | None = None

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        change, self.next_change = self.next_change, None
        return change


def test_any_lost_is_lost_until_every_watch_is_back() -> None:
    server, decks = Told(NO_OUTPUT), Told("not responding")
    both = AnyLost(server, decks)
    server.next_change = "back"  # a server that started after the player: passed on
    assert both.change() == "back"
    decks.next_change = "lost"
    assert both.change() == "lost" and both.reason == "not responding"
    server.next_change = "lost"
    assert both.change() is None and both.reason == "not responding"  # the first one's
    server.next_change = "back"
    assert both.change() is None  # the decks still hang
    decks.next_change = "back"
    assert both.change() == "back" and both.change() is None
