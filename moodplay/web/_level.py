"""The output's level for the page's meter: the mixer's level meter, in whole dB.

Read on the server's event loop without the session: ``Player.mixing`` is set once at start-up
and the meter's ``level`` is one attribute the output thread replaces each block.
"""

from __future__ import annotations

from typing import Any

from player import level_meter


def output_level(player: Any) -> list[int] | None:
    """[RMS, peak, band...] in whole dBFS (``player.Level``: AES17 RMS, held peak, BANDS_HZ),
    or None on libVLC's own output (no mixer, no meter). The meter is added to the mixer's
    taps on first use."""
    mixing = getattr(player, "mixing", None)
    if mixing is None:
        return None
    level = level_meter(mixing).level
    return [round(level.rms_db), round(level.peak_db), *(round(b) for b in level.bands_db)]
