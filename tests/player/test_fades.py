"""Crossfade and ducking logic over a hand-written Decks and a hand-driven clock.

The recorded tests in test_player.py check the same behaviour through libVLC and PulseAudio;
these pin down the arithmetic and the event semantics exactly.
"""

from __future__ import annotations

import math
import queue
from pathlib import Path

import pytest

from player import DUCK_LEVEL_PCT, Player, PlayerEvent, Track
from player._ramp import deck_volume, fade_gains
from player._seek import SEEK_SETTLE_S


class FakeDecks:
    """Two decks that remember what they were told; the test moves their positions."""

    def __init__(self, volume_frozen_tail_s: float = 0.0) -> None:
        self.volume_frozen_tail_s = volume_frozen_tail_s
        self.media: list[Path | None] = [None, None]
        self.playing = [False, False]
        self.volume = [100, 100]
        self.muted = [False, False]
        self.position = [0, 0]
        self.length = [0, 0]
        self.loads: list[tuple[int, Path]] = []
        self.reopened: list[int] = []

    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None:
        self.media[deck], self.playing[deck] = path, False
        self.position[deck] = int(start_s * 1000)
        self.loads.append((deck, path))

    def play(self, deck: int) -> None:
        self.playing[deck] = True

    def pause(self, deck: int, paused: bool) -> None:
        self.playing[deck] = not paused

    def stop(self, deck: int) -> None:
        self.playing[deck] = False

    def set_volume(self, deck: int, percent: int) -> None:
        self.volume[deck] = percent

    def get_volume(self, deck: int) -> int:
        return self.volume[deck]

    def set_mute(self, deck: int, muted: bool) -> None:
        self.muted[deck] = muted

    def position_ms(self, deck: int) -> int:
        return self.position[deck]

    def length_ms(self, deck: int) -> int:
        return self.length[deck]

    def seek_ms(self, deck: int, ms: int) -> None:
        self.position[deck] = ms

    def reopen(self, deck: int) -> None:
        self.media[deck], self.playing[deck], self.position[deck] = None, False, 0
        self.reopened.append(deck)


class Clock:
    def __init__(self) -> None:
        self.now_s = 100.0

    def __call__(self) -> float:
        return self.now_s


@pytest.fixture
def tracks(tmp_path: Path) -> list[Track]:
    out = []
    for i, gain_db in enumerate((0.0, -6.0, 0.0), start=1):
        path = tmp_path / f"t{i}.ogg"
        path.write_bytes(b"")  # only its existence is looked at
        out.append(Track(i, path, gain_db))
    return out


class Rig:
    def __init__(self, crossfade_s: float, volume_frozen_tail_s: float = 0.0) -> None:
        self.decks, self.clock = FakeDecks(volume_frozen_tail_s), Clock()
        self.engine: queue.Queue[tuple[str, int]] = queue.Queue()
        self.player = Player(self.decks, self.engine, crossfade_s, clock=self.clock)

    def start(self, a: Track, b: Track, length_ms: int = 10_000) -> None:
        self.player.play(a)
        self.player.prepare(b)
        self.decks.length = [length_ms, length_ms]

    def at(self, position_ms: int, deck: int = 0) -> list[PlayerEvent]:
        self.decks.position[deck] = position_ms
        return self.player.poll()


def test_fade_gains_are_equal_power_from_out_to_in() -> None:
    assert fade_gains(0.0) == (1.0, 0.0)
    assert fade_gains(1.0) == pytest.approx((0.0, 1.0))
    assert fade_gains(0.5) == pytest.approx((math.sqrt(0.5), math.sqrt(0.5)))
    for p in (0.1, 0.3, 0.7, 0.9):
        out, into = fade_gains(p)
        assert out**2 + into**2 == pytest.approx(1.0)
    assert fade_gains(-1.0) == fade_gains(0.0) and fade_gains(2.0) == fade_gains(1.0)


def test_deck_volume_takes_amplitudes_through_libvlcs_cubic_curve() -> None:
    assert deck_volume(100) == 100 and deck_volume(50) == 50
    assert deck_volume(100, amplitude=0.5) == 79  # 0.5 ** (1/3)
    assert deck_volume(100, gain_db=-6.0) == 79  # -6 dB is amplitude 0.501
    assert deck_volume(80, amplitude=0.0) == 0
    assert deck_volume(100, gain_db=6.0) == 126  # libVLC allows up to 200


def test_crossfade_starts_near_the_end_reports_ended_once_and_brings_in_the_next(
    tracks: list[Track],
) -> None:
    a, b, c = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    assert rig.decks.media[1] == b.path and not rig.decks.playing[1]
    assert rig.at(7_900) == [] and not rig.player.crossfading
    assert rig.at(8_000) == [PlayerEvent("ended", a)]
    assert rig.player.current == b and rig.player.crossfading
    assert rig.decks.playing == [True, True] and rig.decks.volume == [100, 0]
    # The session answers "ended" with play(next), prepare(after): b is not restarted, and c
    # waits for the deck that is still fading out.
    loads = len(rig.decks.loads)
    rig.player.play(b)
    rig.player.prepare(c)
    assert len(rig.decks.loads) == loads and rig.decks.playing == [True, True]
    rig.clock.now_s += 1.0  # half way
    assert rig.at(9_000) == []
    half = deck_volume(100, 0.0, math.sqrt(0.5)), deck_volume(100, b.gain_db, math.sqrt(0.5))
    assert tuple(rig.decks.volume) == half
    rig.clock.now_s += 1.0
    assert rig.at(10_000) == []
    assert not rig.player.crossfading and rig.decks.playing == [False, True]
    assert rig.decks.media[0] == c.path and rig.decks.volume[1] == deck_volume(100, b.gain_db)
    rig.engine.put(("ended", 0))  # the faded-out deck's own end, late: not reported again
    assert rig.player.poll() == []
    rig.engine.put(("ended", 1))
    assert rig.player.poll() == [PlayerEvent("ended", b)]


def test_advance_after_a_crossfade_returns_the_track_it_brought_in(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    assert rig.at(8_500) == [PlayerEvent("ended", a)]
    assert rig.player.advance() == b and rig.player.current == b
    assert rig.decks.playing == [True, True]  # still fading: not switched a second time


def test_the_fade_out_ends_where_the_engines_frozen_tail_begins(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0, volume_frozen_tail_s=2.5)
    rig.start(a, b)
    assert rig.at(5_400) == []
    assert rig.at(5_600) == [PlayerEvent("ended", a)]
    rig.clock.now_s += 1.85
    rig.at(7_450)
    assert rig.decks.playing == [True, True] and rig.decks.volume[0] > 0
    rig.clock.now_s += 0.1
    rig.at(7_550)
    assert rig.decks.playing == [False, True]  # stopped 2.5 s before its end, silent by then


def test_no_crossfade_when_only_the_frozen_tail_is_left(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0, volume_frozen_tail_s=2.5)
    rig.start(a, b)
    assert rig.at(7_600) == [] and not rig.player.crossfading  # e.g. resumed this late
    assert rig.player.advance() == b  # a skip cuts: a fade-out would not be heard
    assert rig.decks.playing == [False, True] and not rig.player.crossfading


def test_skip_with_advance_crossfades_and_reports_nothing(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    rig.decks.position[0] = 3_000
    assert rig.player.advance() == b
    assert rig.player.current == b and rig.decks.playing == [True, True]
    assert rig.player.poll() == []
    rig.clock.now_s += 2.0
    rig.player.poll()
    assert rig.decks.playing == [False, True] and not rig.player.crossfading


def test_without_crossfade_the_track_plays_to_its_end_and_advance_cuts(
    tracks: list[Track],
) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.start(a, b)
    assert rig.at(9_990) == [] and rig.decks.playing == [True, False]
    rig.engine.put(("ended", 0))
    assert rig.player.poll() == [PlayerEvent("ended", a)]
    assert rig.player.advance() == b
    assert rig.decks.playing == [False, True] and rig.decks.volume[1] == deck_volume(100, -6.0)


def test_no_crossfade_without_a_prepared_track(tracks: list[Track]) -> None:
    a, _, _ = tracks
    rig = Rig(crossfade_s=2.0)
    rig.player.play(a)
    rig.decks.length[0] = 10_000
    assert rig.at(9_000) == [] and not rig.player.crossfading


def test_playing_another_track_cuts_the_crossfade(tracks: list[Track]) -> None:
    a, b, c = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    rig.at(8_500)
    rig.player.play(c)  # not the track brought in: the queue changed
    assert not rig.player.crossfading and rig.decks.playing == [False, True]
    assert rig.decks.media[1] == c.path and rig.player.current == c


def test_pausing_during_a_crossfade_finishes_it(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    rig.at(8_500)
    rig.player.pause(True)
    assert not rig.player.crossfading and rig.decks.playing == [False, False]
    rig.player.pause(False)
    assert rig.decks.playing == [False, True] and rig.decks.volume[1] == deck_volume(100, -6.0)


def test_duck_lowers_to_a_share_of_the_users_volume_and_restores_it(
    tracks: list[Track],
) -> None:
    a, _, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.player.play(a)
    rig.player.set_volume(80)
    rig.player.duck(True)
    assert rig.decks.volume[0] == round(80 * DUCK_LEVEL_PCT / 100) and rig.player.volume_pct == 80
    rig.player.set_volume(50)  # the user's volume changes while ducked
    assert rig.decks.volume[0] == 15
    rig.player.duck(False)
    assert rig.decks.volume[0] == 50
    rig.decks.volume[0] = 15  # a late report from PulseAudio of the ducked volume
    rig.player.poll()
    assert rig.decks.volume[0] == 50  # put back


def test_duck_applies_to_both_decks_of_a_crossfade(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=2.0)
    rig.start(a, b)
    rig.at(8_000)
    rig.clock.now_s += 1.0
    rig.player.duck(True, level_pct=50)
    ramp = math.sqrt(0.5)
    assert rig.decks.volume == [deck_volume(50, 0.0, ramp), deck_volume(50, -6.0, ramp)]
    rig.clock.now_s += 1.0
    rig.player.poll()
    assert rig.decks.volume[1] == deck_volume(50, -6.0)


def test_settings_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError, match="crossfade_s"):
        Player(FakeDecks(), queue.Queue(), crossfade_s=-1.0)
    with pytest.raises(ValueError, match="duck level"):
        Player(FakeDecks(), queue.Queue()).duck(True, level_pct=150)


def test_start_uses_the_prepared_deck_and_loads_anything_else(tracks: list[Track]) -> None:
    a, b, c = tracks
    rig = Rig(crossfade_s=0.0)
    rig.start(a, b)
    loads = len(rig.decks.loads)
    rig.player.start(b)  # the prepared one: no new load, the other deck plays
    assert len(rig.decks.loads) == loads and rig.decks.playing == [False, True]
    assert rig.player.current == b
    rig.player.start(c)  # not prepared: loaded now
    assert rig.decks.loads[-1] == (1, c.path) and rig.player.current == c


def test_reopen_output_restarts_the_track_where_it_was(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.start(a, b)
    rig.decks.position[0] = 4_200
    rig.player.pause(True)
    rig.player.reopen_output()
    assert rig.decks.reopened == [0, 1]  # both decks on a new connection to the output
    assert rig.decks.loads[-2:] == [(0, a.path), (1, b.path)]  # and the prepared one again
    assert rig.decks.position[0] == 4_200
    assert rig.player.paused and rig.decks.playing == [False, False]


class LateDecks(FakeDecks):
    """libVLC drops a seek made before the track's input is ready, and reports the old
    position meanwhile."""

    def __init__(self) -> None:
        super().__init__()
        self.dropped = 0

    def seek_ms(self, deck: int, ms: int) -> None:
        if self.dropped == 0:
            self.dropped += 1
            return
        super().seek_ms(deck, ms)


def test_a_seek_libvlc_dropped_is_reported_as_made_and_issued_again(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.decks = decks = LateDecks()
    rig.player = Player(decks, rig.engine, 0.0, clock=rig.clock)
    rig.start(a, b)
    rig.player.seek(10.0)
    assert decks.position[0] == 0 and rig.player.position_s() == 10.0
    rig.clock.now_s += 0.5  # playing on: a relative seek now starts from 10.5, not from 0
    assert rig.player.position_s() == pytest.approx(10.5)
    rig.player.poll()  # not followed after SEEK_RETRY_S: issued again where it should be
    assert decks.position[0] == 10_500
    assert rig.player.position_s() == pytest.approx(10.5)


def test_a_pending_seek_ends_with_its_track_and_is_retried_once(tracks: list[Track]) -> None:
    a, b, c = tracks
    rig = Rig(crossfade_s=0.0)
    rig.decks = decks = LateDecks()
    rig.player = Player(decks, rig.engine, 0.0, clock=rig.clock)
    rig.start(a, b)
    decks.dropped = 1  # this deck follows seeks, but reports late
    decks.seek_ms = lambda deck, ms: None  # type: ignore[method-assign]  # never follows
    rig.player.seek(10.0)
    for _ in range(int(SEEK_SETTLE_S / 0.4) + 2):
        rig.clock.now_s += 0.4
        rig.player.poll()
    assert rig.player.position_s() == decks.position[0] / 1000  # given up after settling
    rig.player.seek(8.0)
    rig.player.play(c)  # another track: the seek no longer applies
    assert rig.player.position_s() == decks.position[rig.player._active] / 1000


def test_after_a_seek_libvlc_running_ahead_is_not_shown(tracks: list[Track]) -> None:
    """Measured under load: ``seekcur 6`` read 6.00 at once, then 7.05 a moment later, so a
    relative seek counted from a second too far."""
    a, b, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.start(a, b)
    rig.player.seek(6.0)
    rig.decks.position[0] = 7_050  # libVLC followed, and reads a second ahead
    rig.clock.now_s += 0.2
    assert rig.player.position_s() == pytest.approx(6.2)
    rig.clock.now_s += SEEK_SETTLE_S  # settled: libVLC's report again
    assert rig.player.position_s() == 7.05


def test_a_pause_within_a_seeks_window_stops_its_clock(tracks: list[Track]) -> None:
    a, b, _ = tracks
    rig = Rig(crossfade_s=0.0)
    rig.start(a, b)
    rig.player.seek(10.0)
    rig.clock.now_s += 1.0
    rig.player.pause(True)
    assert rig.player.position_s() == pytest.approx(11.0)
    rig.clock.now_s += 2.0  # paused: no time played
    assert rig.player.position_s() == pytest.approx(11.0)
    rig.player.pause(False)
    rig.clock.now_s += 0.5
    assert rig.player.position_s() == pytest.approx(11.5)
