"""The sound output going away and coming back, over hand-written decks and a hand-driven
watch: held where the sound stopped, nothing reported as ended meanwhile, restarted there.

The fault test (tests/faults/test_sound_server_gone.py) does the same with libVLC and a
PulseAudio server that is killed and started again."""

from __future__ import annotations

import queue

import pytest

from player import Player, PlayerEvent, Track
from player._output import NO_OUTPUT
from tests.player.test_fades import FakeDecks, tracks  # noqa: F401 (a fixture)


class Watch:
    """The server's state as the test sets it; changes told once, like ServerWatch."""

    reason = NO_OUTPUT

    def __init__(self) -> None:
        self.up, self._told_up = True, True
        self.due = True
        """False: as if checked less than a second ago (only a forced check looks)."""

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        if self.up == self._told_up or not (self.due or force):
            return None
        self._told_up = self.up
        return "back" if self.up else "lost"


class Rig:
    def __init__(self) -> None:
        self.decks, self.watch = FakeDecks(), Watch()
        self.engine: queue.Queue[tuple[str, int]] = queue.Queue()
        self.player = Player(self.decks, self.engine, output=self.watch)


def test_lost_output_holds_where_the_sound_stopped_and_resumes_there(
    tracks: list[Track],  # noqa: F811
) -> None:
    a, b, _ = tracks
    rig = Rig()
    rig.player.play(a)
    rig.player.prepare(b)
    rig.decks.position[0] = 4_200
    rig.watch.up = False
    assert rig.player.poll() == [PlayerEvent("output", a, NO_OUTPUT)]
    assert rig.player.no_output and rig.player.paused and rig.decks.playing == [False, False]
    rig.decks.position[0] = 9_000  # libVLC's clock moved on: no one heard it
    rig.engine.put(("ended", 0))
    assert rig.player.poll() == [] and rig.player.position_s() == 4.2
    rig.watch.up = True
    assert rig.player.poll() == [PlayerEvent("output", a)]
    assert not rig.player.paused and rig.decks.playing == [True, False]
    assert rig.player.position_s() == pytest.approx(4.2, abs=0.1)  # moving on; prepared again
    assert rig.decks.loads[-2:] == [(0, a.path), (1, b.path)]


def test_commands_while_there_is_no_output_take_effect_when_it_returns(
    tracks: list[Track],  # noqa: F811
) -> None:
    a, b, _ = tracks
    rig = Rig()
    rig.player.play(a)
    rig.watch.up = False
    rig.player.poll()
    rig.player.start(b)  # a skip: held, not played into nothing
    assert rig.player.current == b and rig.decks.playing == [False, False]
    rig.player.seek(3.0)
    rig.player.pause(True)
    rig.player.pause(False)
    assert rig.decks.playing == [False, False] and rig.player.position_s() == 3.0
    rig.player.pause(True)
    rig.watch.up = True
    assert rig.player.poll() == [PlayerEvent("output", b)]
    assert rig.decks.loads[-1] == (0, b.path) and rig.decks.position[0] == 3_000
    assert rig.player.paused and not rig.player.no_output and rig.decks.playing == [False, False]


def test_a_track_that_ends_checks_the_output_at_once(tracks: list[Track]) -> None:  # noqa: F811
    a = tracks[0]
    rig = Rig()
    rig.player.play(a)
    rig.decks.position[0] = 9_500
    rig.watch.up, rig.watch.due = False, False  # gone since the last check
    rig.engine.put(("ended", 0))  # so the end was not heard
    assert rig.player.poll() == [PlayerEvent("output", a, NO_OUTPUT)]
    assert rig.player.position_s() == 9.5 and rig.player.paused


def test_a_server_that_starts_after_the_player_gets_the_track_again(
    tracks: list[Track],  # noqa: F811
) -> None:
    a = tracks[0]
    rig = Rig()
    rig.watch._told_up = False  # down before it was ever up: never reported lost
    rig.player.play(a)
    rig.decks.position[0] = 1_500
    loads = len(rig.decks.loads)
    assert rig.player.poll() == [] and not rig.player.paused  # nothing was ever held
    assert len(rig.decks.loads) == loads + 1 and rig.decks.loads[-1] == (0, a.path)
    assert rig.decks.position[0] == 1_500 and rig.decks.playing[0]
