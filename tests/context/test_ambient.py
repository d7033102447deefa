"""The room's noise without our own music: levels in, the estimate out, on a clock we step."""

from __future__ import annotations

import dataclasses
import math
import random

import pytest

from context import AmbientNoise, ContextSource
from context._ambient import HIDDEN_DB, MIN_SLOTS, SLOT_S

BLOCK_S = 0.03  # a microphone block
LATENCY_BLOCKS = 7  # 0.21 s from the meter to the microphone


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def power(db: float) -> float:
    return 10 ** (db / 10)


def db(p: float) -> float:
    return 10 * math.log10(p)


def feed(noise: AmbientNoise, clock: Clock, seconds: float, room_db: float,
         music: list[float] | None, *, coupling_db: float = -20.0,
         speech: float = 0.0, seed: int = 1) -> list[float]:  # fmt: skip
    """The microphone hearing the room, the music through the coupling and, ``speech`` of the
    time, a talker at -20 dBFS (in bursts of 0.3-2 s, or a single block: a knock); ``music``
    cycles through its levels a second each (None: no meter). Returns the microphone's levels
    fed."""
    rng = random.Random(seed)
    heard, talking, meter = [], 0, None
    blocks = round(seconds / BLOCK_S)
    for i in range(blocks):
        clock.now += BLOCK_S
        p = power(room_db) * rng.uniform(0.8, 1.2)
        music_db = None
        if music is not None:
            # The speaker plays what the meter read 0.2 s before (the output's latency); the
            # meter reads the music smoothed over 0.3 s.
            p += power(music[int((i - LATENCY_BLOCKS) * BLOCK_S) % len(music)] + coupling_db)
            target = power(music[int(i * BLOCK_S) % len(music)])
            smooth = 1 - math.exp(-BLOCK_S / 0.3)
            meter = target if meter is None else meter + (target - meter) * smooth
            music_db = db(meter)
        if talking == 0 and rng.random() < speech / 20:
            talking = rng.choice([1, rng.randint(10, 66)])
        if talking:
            p += power(-20)
            talking -= 1
        heard.append(db(p))
        noise.hear(db(p), music_db)
    return heard


def quieter_fifth(levels: list[float]) -> float:
    return sorted(levels)[len(levels) // 5]


def test_without_music_the_room_is_what_the_microphone_hears() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    assert noise.db() is None
    feed(noise, clock, SLOT_S * (MIN_SLOTS - 1) + 0.1, -50, [-90.0])
    assert noise.db() is None  # too little heard yet
    feed(noise, clock, 10, -50, [-90.0])
    assert noise.db() == pytest.approx(-50, abs=0.5)


def test_our_music_is_taken_out_of_the_figure() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    loud_and_soft = [-12.0, -18.0, -25.0, -15.0, -30.0, -10.0, -20.0]
    heard = feed(noise, clock, 60, -60, loud_and_soft, coupling_db=-20)
    assert noise.coupling_db == pytest.approx(-20, abs=0.5)
    assert noise.db() == pytest.approx(-60, abs=1.5)
    assert quieter_fifth(heard) > -52  # the microphone alone would call the music room noise


def test_speech_and_knocks_do_not_count() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    feed(noise, clock, 60, -55, [-24.0, -32.0, -28.0, -35.0], speech=0.1)
    assert noise.db() == pytest.approx(-55, abs=1.5)


def test_a_room_far_under_the_music_reads_hidden_db_under_the_microphone() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    heard = feed(noise, clock, 60, -100, [-10.0, -14.0, -8.0, -12.0])  # -30..-24 at the mic
    assert noise.db() == pytest.approx(sorted(heard)[len(heard) // 2] - HIDDEN_DB, abs=1.0)


def test_unknown_music_gives_no_figure_and_a_pause_gives_one() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    feed(noise, clock, 10, -50, None)  # libVLC's own output: no meter to subtract
    assert noise.db() is None and noise.coupling_db is None
    feed(noise, clock, 40, -50, [-90.0])  # paused: the music adds nothing
    assert noise.db() == pytest.approx(-50, abs=0.5)


def test_a_louder_room_shows_within_the_window() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    feed(noise, clock, 30, -60, [-15.0, -25.0])
    feed(noise, clock, 31, -40, [-15.0, -25.0])  # a dishwasher started
    assert noise.db() == pytest.approx(-40, abs=1.5)


def test_nonsense_levels_are_ignored() -> None:
    clock = Clock()
    noise = AmbientNoise(clock)
    for _ in range(200):
        clock.now += BLOCK_S
        noise.hear(float("nan"), -20.0)
        noise.hear(-50.0, float("-inf"))
    assert noise.db() is None


def test_snapshots_carry_the_estimate_and_a_settings_change_keeps_it() -> None:
    clock = Clock()
    source = ContextSource("desktop", clock=lambda: 1_700_000_000.0,
                           ambient=AmbientNoise(clock))  # fmt: skip
    assert source.snapshot().ambient_db is None
    feed(source.ambient, clock, 10, -48, [-90.0])
    assert source.snapshot().ambient_db == pytest.approx(-48, abs=0.5)
    changed = dataclasses.replace(source, quiet_start="23:00")  # the settings page's way
    assert changed.ambient is source.ambient
    assert changed.snapshot().ambient_db == source.snapshot().ambient_db
    assert source.snapshot(ambient_db=-30.0).ambient_db == -30.0  # given: taken as it is
