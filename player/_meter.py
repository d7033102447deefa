"""A level meter on the mixer's output: RMS, peak and a few bands, in dBFS, per block.

It is a tap (``player._device.Tap``): called on the output thread with every block as it will
be heard, so it measures what the speaker plays — music, crossfades, ducking, spoken answers.
One numpy pass per 10 ms block (and one real FFT of 480 points for the bands: ~20 us here).

Scale: dBFS as AES17 defines it for RMS: a full-scale sine reads 0 dB, so a sine of peak
amplitude 0.1 reads -20 dBFS both as RMS and as peak. RMS is over both channels' samples.
The smoothed RMS is an exponential average of the mean square with a VU meter's time constant
(SMOOTH_S); the peak holds and falls PEAK_FALL_DB_S dB a second. Silence reads FLOOR_DB.

Threads: the tap writes one immutable ``Level`` per block into one attribute; a reader on any
thread takes ``meter.level`` with no lock (an attribute read is atomic in CPython).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from player._taps import attach

FLOOR_DB = -90.0
"""What silence (digital zero, a paused player) reads, in dBFS: finite, so JSON carries it."""
SMOOTH_S = 0.3
"""Time constant of the smoothed RMS and bands (a VU meter's 300 ms)."""
PEAK_FALL_DB_S = 20.0
"""How fast the held peak falls, dB a second."""
BANDS_HZ = (0, 250, 1000, 4000)
"""Lower edges of the bands (the last runs to half the rate): lows, low mids, mids, highs."""
AES17_DB = 20 * math.log10(math.sqrt(2))
"""+3.01 dB: an RMS figure of a sine reads the sine's peak level."""


@dataclass(frozen=True)
class Level:
    """The output's level as of the last block, in dBFS (AES17 RMS), each >= FLOOR_DB."""

    rms_db: float
    """Smoothed (SMOOTH_S) RMS of what plays."""
    peak_db: float
    """Held peak, falling PEAK_FALL_DB_S dB a second."""
    block_rms_db: float
    """RMS of the last block alone (10 ms)."""
    bands_db: tuple[float, ...]
    """Smoothed RMS of each band of BANDS_HZ."""
    blocks: int
    """Blocks measured so far (a reader sees whether the meter moves)."""
    at: float
    """The output stream's time (s) at which the last block reaches the device."""


SILENT = Level(FLOOR_DB, FLOOR_DB, FLOOR_DB, (FLOOR_DB,) * len(BANDS_HZ), 0, 0.0)


def db(mean_square: float) -> float:
    """A mean square (of samples in [-1, 1]) as AES17 dBFS, at least FLOOR_DB."""
    if mean_square <= 0:
        return FLOOR_DB
    return max(FLOOR_DB, 10 * math.log10(mean_square) + AES17_DB)


class LevelMeter:
    """A tap measuring every output block; ``level`` is the latest ``Level``. ``rate``: the
    output's frames a second."""

    def __init__(self, rate: int = 48_000) -> None:
        self.rate = rate
        self.level = SILENT
        self._ms = 0.0
        self._bands = np.zeros(len(BANDS_HZ))
        self._peak_db = FLOOR_DB
        self._edges: dict[int, np.ndarray] = {}  # block length -> FFT bin of each band edge

    def __call__(self, block: np.ndarray, dac_time: float) -> None:
        """The tap: ``block`` shape (n, channels) float32; ``dac_time`` in seconds."""
        n = len(block)
        if n == 0:
            return
        samples = block.astype(np.float64, copy=False)
        ms = float(np.mean(np.square(samples)))
        alpha = 1.0 - math.exp(-n / (self.rate * SMOOTH_S))
        self._ms += alpha * (ms - self._ms)
        self._bands += alpha * (self._band_ms(samples) - self._bands)
        peak = float(np.max(np.abs(samples)))
        fallen = self._peak_db - PEAK_FALL_DB_S * n / self.rate
        self._peak_db = max(FLOOR_DB, fallen, 20 * math.log10(peak) if peak > 0 else FLOOR_DB)
        self.level = Level(db(self._ms), self._peak_db, db(ms),
                           tuple(db(float(b)) for b in self._bands),
                           self.level.blocks + 1, dac_time)  # fmt: skip

    def _band_ms(self, samples: np.ndarray) -> np.ndarray:
        """Each band's share of the block's mean square (Parseval over a real FFT of the
        channels' mean, without a window: leakage is no matter on a display)."""
        n = len(samples)
        mono = samples.mean(axis=1) if samples.ndim == 2 else samples
        power = np.abs(np.fft.rfft(mono)) ** 2
        power[1 : (n + 1) // 2] *= 2  # the negative frequencies folded in
        edges = self._edges.get(n)
        if edges is None:
            edges = np.array([round(hz * n / self.rate) for hz in BANDS_HZ] + [len(power)])
            self._edges[n] = edges
        sums = np.add.reduceat(power, edges[:-1]) if n > 1 else np.zeros(len(BANDS_HZ))
        return np.asarray(sums / (n * n))


def level_meter(mixing: Any) -> LevelMeter:
    """The level meter on ``mixing``'s output (``Player.mixing``: its ``taps`` and
    ``mixer.rate``): the one already among its taps, else a new one added to them."""
    return attach(mixing, LevelMeter, lambda: LevelMeter(int(mixing.mixer.rate)))
