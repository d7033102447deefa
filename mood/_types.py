"""Types mood/ produces for the other rooms."""

from __future__ import annotations

import math
from dataclasses import dataclass

ATTRIBUTES = (
    "valence",
    "energy",
    "danceability",
    "acousticness",
    "instrumentalness",
    "liveness",
    "speechiness",
)


@dataclass(frozen=True)
class TrackMood:
    """What the analysis says about one track. Attributes are in [0, 1].

    ``loudness_lufs`` is integrated loudness per ITU-R BS.1770-4 (LUFS), None for digital
    silence; ``tempo_bpm`` is None when no beat was found.
    """

    valence: float
    energy: float
    danceability: float
    acousticness: float
    instrumentalness: float
    liveness: float
    speechiness: float
    tempo_bpm: float | None
    loudness_lufs: float | None
    model_name: str
    model_version: str
    excerpts: int

    def __post_init__(self) -> None:
        for name in ATTRIBUTES:
            value = getattr(self, name)
            if not (math.isfinite(value) and 0.0 <= value <= 1.0):
                raise ValueError(f"TrackMood.{name} = {value!r} is not in [0, 1]")
        if self.tempo_bpm is not None and not (0 < self.tempo_bpm < 400):
            raise ValueError(f"TrackMood.tempo_bpm = {self.tempo_bpm!r} is not a tempo")
        if self.loudness_lufs is not None and not math.isfinite(self.loudness_lufs):
            raise ValueError("TrackMood.loudness_lufs must be finite or None")
