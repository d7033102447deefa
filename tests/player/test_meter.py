"""The level meter on the mixer's output, offline: known PCM through ``Mixer.render`` into the
tap, as the output stream's callback calls it."""

from __future__ import annotations

import math

import numpy as np
import pytest

from player import LevelMeter, level_meter
from player._meter import BANDS_HZ, FLOOR_DB, PEAK_FALL_DB_S, SMOOTH_S
from player._mixer import Mixer
from player._pcm import PcmRing

BLOCK = 480


def sine(db: float, hz: float, seconds: float, rate: int = 48_000) -> np.ndarray:
    """A stereo sine whose peak is ``db`` dBFS (an AES17 RMS of ``db`` too)."""
    t = np.arange(int(rate * seconds)) / rate
    x = (10 ** (db / 20) * np.sin(2 * np.pi * hz * t)).astype(np.float32)
    return np.stack([x, x], axis=1)


def play(mixer: Mixer, meter: LevelMeter, pcm: np.ndarray, seconds: float) -> None:
    """``pcm`` through the mixer for ``seconds``, every block to the meter."""
    ring = PcmRing(max(1, len(pcm)))
    if len(pcm):
        ring.write(pcm)
    ring.mark_eos()
    mixer.start(mixer.add(ring))
    for i in range(int(mixer.rate * seconds) // BLOCK):
        meter(mixer.render(BLOCK), i * BLOCK / mixer.rate)


@pytest.mark.parametrize("hz", [100.0, 997.0, 6000.0])
def test_a_minus_20_dbfs_sine_reads_minus_20(hz: float) -> None:
    mixer, meter = Mixer(), LevelMeter()
    play(mixer, meter, sine(-20, hz, 3.0), 3.0)
    level = meter.level
    assert level.rms_db == pytest.approx(-20, abs=0.5)
    assert level.block_rms_db == pytest.approx(-20, abs=0.5)
    assert level.peak_db == pytest.approx(-20, abs=0.5)
    assert level.blocks == 300


def test_each_band_hears_its_own_tone() -> None:
    for band, hz in enumerate([100.0, 500.0, 2000.0, 9000.0]):
        mixer, meter = Mixer(), LevelMeter()
        play(mixer, meter, sine(-20, hz, 2.0), 2.0)
        bands = meter.level.bands_db
        assert len(bands) == len(BANDS_HZ)
        assert bands[band] == pytest.approx(-20, abs=1.0), (hz, bands)
        others = [b for i, b in enumerate(bands) if i != band]
        assert max(others) < -32, (hz, bands)  # leakage of an unwindowed 10 ms block


def test_silence_reads_the_floor_and_the_level_falls_at_its_time_constant() -> None:
    mixer, meter = Mixer(), LevelMeter()
    assert meter.level.rms_db == FLOOR_DB and meter.level.blocks == 0
    play(mixer, meter, sine(-20, 997, 3.0), 3.0)
    steady = meter.level.rms_db
    play(mixer, meter, np.zeros((0, 2), np.float32), SMOOTH_S)  # its sine has ended: silence
    level = meter.level
    # After one time constant the mean square is e^-1 of what it was: 4.34 dB down.
    assert level.rms_db == pytest.approx(steady - 10 * math.log10(math.e), abs=0.05)
    assert level.block_rms_db == FLOOR_DB
    assert level.peak_db == pytest.approx(-20 - PEAK_FALL_DB_S * SMOOTH_S, abs=0.1)
    play(mixer, meter, np.zeros((0, 2), np.float32), 10.0)
    assert meter.level.rms_db == FLOOR_DB and meter.level.peak_db == FLOOR_DB


def test_the_meter_follows_a_duck_of_the_music() -> None:
    mixer, meter = Mixer(), LevelMeter()
    ring = PcmRing(48_000 * 6)
    ring.write(sine(-10, 440, 6.0))
    voice = mixer.add(ring)
    mixer.start(voice)
    for i in range(200):
        meter(mixer.render(BLOCK), i / 100)
    assert meter.level.rms_db == pytest.approx(-10, abs=0.5)
    mixer.ramp(voice, 0.1, 0.02)  # -20 dB
    for i in range(300):
        meter(mixer.render(BLOCK), i / 100)
    assert meter.level.rms_db == pytest.approx(-30, abs=0.5)


class Decks:
    """What ``level_meter`` needs of ``Player.mixing``: its taps and its mixer."""

    def __init__(self) -> None:
        self.taps: list[object] = []
        self.mixer = Mixer(44_100)


def test_level_meter_adds_one_meter_to_the_taps() -> None:
    decks = Decks()
    meter = level_meter(decks)
    assert level_meter(decks) is meter and decks.taps == [meter]
    assert meter.rate == 44_100
