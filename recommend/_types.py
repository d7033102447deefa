"""The recommendation core's own plain types: arrays and small dataclasses, no I/O."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

F32 = npt.NDArray[np.float32]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Point:
    """A point on the [0, 1] valence x energy plane."""

    valence: float
    energy: float

    def distance(self, other: Point) -> float:
        return math.hypot(self.valence - other.valence, self.energy - other.energy)

    @staticmethod
    def from_arousal(arousal: float, valence: float) -> Point:
        """Voice estimates in [-1, 1] map linearly: energy = (arousal + 1) / 2."""
        return Point((valence + 1.0) / 2.0, (arousal + 1.0) / 2.0)


@dataclass(frozen=True)
class Catalogue:
    """The analysed library as arrays, one row per track (index = position)."""

    track_ids: I64
    valence: F32
    energy: F32
    artist: I64
    duration_s: F32
    instrumentalness: F32
    speechiness: F32
    artist_names: dict[int, str] = field(default_factory=dict)
    titles: list[str] = field(default_factory=list)
    added_at: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Unix time each track entered the library (for "new in your library"); empty: unknown."""
    adaptive: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per track: whether adaptive queues may choose it (False: silent, or too short for a
    trustworthy mood); the user may still queue it. Empty: every track."""

    def __post_init__(self) -> None:
        n = self.track_ids.shape[0]
        for name in (
            "valence",
            "energy",
            "artist",
            "duration_s",
            "instrumentalness",
            "speechiness",
        ):
            if getattr(self, name).shape != (n,):
                raise ValueError(f"Catalogue.{name} must have one value per track ({n})")
        if self.added_at.size and self.added_at.shape != (n,):
            raise ValueError(f"Catalogue.added_at must be empty or have one value per track ({n})")
        if self.adaptive.size and self.adaptive.shape != (n,):
            raise ValueError(f"Catalogue.adaptive must be empty or have one value per track ({n})")
        if n and not (np.all(np.isfinite(self.valence)) and np.all(np.isfinite(self.energy))):
            raise ValueError("Catalogue valence/energy must be finite")

    @property
    def size(self) -> int:
        return int(self.track_ids.shape[0])

    def point(self, index: int) -> Point:
        return Point(float(self.valence[index]), float(self.energy[index]))

    def artist_name(self, index: int) -> str:
        return self.artist_names.get(int(self.artist[index]), "this artist")


@dataclass(frozen=True)
class Situation:
    """What the core needs of the Context: when it is."""

    timestamp: float
    part_of_day: str  # night | morning | afternoon | evening
    weekend: bool = False


@dataclass(frozen=True)
class ListenerState:
    """Where the listener is (voice mood, else recent tracks), the explicit request if any,
    and when. ``target`` overrides the context prior; ``request`` names it for reasons."""

    situation: Situation
    now: Point | None = None
    now_confidence: float = 0.0
    now_source: str = ""
    target: Point | None = None
    request: str | None = None
    axis: str = ""
    """The request's main axis ("energy" or "valence"; empty: the target's own, see
    ``recommend._request.main_axis``): kept when the target is brought into the library."""
    prefer_instrumental: bool = False
    wind_down: bool = False


@dataclass(frozen=True)
class QueueEntry:
    """One planned track: its score broken into parts and one sentence of reason."""

    index: int
    track_id: int
    score: float
    parts: dict[str, float]
    reason: str
    path_point: Point


@dataclass(frozen=True)
class Plan:
    entries: list[QueueEntry]
    path: list[Point]
    start: Point
    target: Point
    target_note: str
    """Empty, or why the target moved (e.g. the library has no track near it)."""
    message: str = ""
    """Set when no queue could be planned (empty library, everything banned)."""
