"""Volume arithmetic: libVLC's volume curve, the crossfade ramp, ducking. Pure functions.

libVLC maps its volume percent to amplitude cubically: with the pulse output it sets the stream
volume, which PulseAudio scales by (v / 100) ** 3 (measured at a null sink's monitor: 80, 50,
30, 20 % gave -5.8, -18.1, -31.4, -41.9 dB, i.e. dB = 60 * log10(v / 100)); its software volume
for other outputs is cubic too. Gains and ramps are amplitudes, so they go through a cube root.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

VOLUME_EXPONENT = 3.0
"""amplitude = (libVLC volume / 100) ** VOLUME_EXPONENT."""
DUCK_LEVEL_PCT = 30
"""Ducked volume as a percent of the user's, on the same cubic scale: 30 % is -31 dB."""


def deck_volume(volume_pct: float, gain_db: float = 0.0, amplitude: float = 1.0) -> int:
    """libVLC volume that plays at ``volume_pct`` with ``gain_db`` and a further ``amplitude``
    factor (a ramp) on top."""
    factor = math.pow(10.0, gain_db / 20) * max(0.0, amplitude)
    return round(volume_pct * math.pow(factor, 1 / VOLUME_EXPONENT))


def fade_gains(progress: float) -> tuple[float, float]:
    """Equal-power amplitudes (outgoing, incoming) at ``progress`` in [0, 1] of a crossfade:
    out² + in² = 1, so two unrelated tracks keep their summed loudness through the overlap."""
    angle = min(1.0, max(0.0, progress)) * math.pi / 2
    return math.cos(angle), math.sin(angle)


@dataclass(frozen=True)
class Fade:
    """A crossfade in progress: deck ``out_deck`` (its track's gain ``gain_db``) fades out, the
    other deck in."""

    out_deck: int
    gain_db: float
    started_s: float
    """On the Player's clock (monotonic seconds)."""
    length_s: float

    def progress(self, now_s: float) -> float:
        if self.length_s <= 0:
            return 1.0
        return min(1.0, max(0.0, (now_s - self.started_s) / self.length_s))
