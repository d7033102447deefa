"""Feedback: what happened to a track, turned into decayed, context-aware evidence.

| what happened                          | signal | half-life | counts in                      |
|----------------------------------------|--------|-----------|--------------------------------|
| skipped in the first 5 s ("not now")   | -0.3   | 1 day     | the same part of day only      |
| skipped between 5 s and 30 s           | -1.0   | 60 days   | every part of day (x0.5 other) |
| skipped after 30 s, before 50 % / 240 s | -0.4  | 30 days   | every part of day (x0.5 other) |
| played to 50 % or 240 s, or to the end | +1.0   | 90 days   | every part of day (x0.5 other) |
| more like this                         | +1.0   | 90 days   | every part of day (x0.5 other) |
| like / dislike                         | +/-2.0 | 1 year    | every part of day (x0.5 other) |
| ban                                    | never played again until unbanned              |
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from recommend._types import F32, Catalogue

DAY_S = 86_400.0
KINDS = ("played", "skipped", "liked", "disliked", "banned", "unbanned", "more_like_this")


@dataclass(frozen=True)
class Feedback:
    index: int
    """Track index in the Catalogue."""
    kind: str
    at: float
    """Unix time of the event."""
    part_of_day: str
    position_s: float = 0.0
    """How far the track had played (skips, plays)."""
    duration_s: float = 0.0

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown feedback kind {self.kind!r}; one of {KINDS}")


@dataclass(frozen=True)
class SignalWeights:
    not_now: float = -0.3
    not_now_half_life_s: float = 1 * DAY_S
    early_skip: float = -1.0
    early_skip_half_life_s: float = 60 * DAY_S
    late_skip: float = -0.4
    late_skip_half_life_s: float = 30 * DAY_S
    finished: float = 1.0
    finished_half_life_s: float = 90 * DAY_S
    explicit: float = 2.0
    explicit_half_life_s: float = 365 * DAY_S
    other_context: float = 0.5
    """Evidence from another part of the day counts this much."""


def signal(fb: Feedback, w: SignalWeights) -> tuple[float, float, bool]:
    """(value, half-life in s, bound to its part of day) of one event."""
    if fb.kind == "skipped":
        return _skip_signal(fb, w)
    if fb.kind in ("played", "more_like_this"):
        return w.finished, w.finished_half_life_s, False
    if fb.kind in ("liked", "disliked"):
        sign = 1.0 if fb.kind == "liked" else -1.0
        return sign * w.explicit, w.explicit_half_life_s, False
    return 0.0, 1.0, False


def _skip_signal(fb: Feedback, w: SignalWeights) -> tuple[float, float, bool]:
    if fb.position_s < 5:
        return w.not_now, w.not_now_half_life_s, True
    if fb.position_s < 30:
        return w.early_skip, w.early_skip_half_life_s, False
    if fb.duration_s and fb.position_s >= min(0.5 * fb.duration_s, 240):
        return w.finished, w.finished_half_life_s, False  # heard enough to count as played
    return w.late_skip, w.late_skip_half_life_s, False


@dataclass
class History:
    """Every event so far, in order. Cheap to append; summarised per plan."""

    events: list[Feedback] = field(default_factory=list)

    def add(self, fb: Feedback) -> None:
        self.events.append(fb)

    def banned(self) -> set[int]:
        out: set[int] = set()
        for fb in self.events:
            if fb.kind == "banned":
                out.add(fb.index)
            elif fb.kind == "unbanned":
                out.discard(fb.index)
        return out

    def last_played(self, n_tracks: int) -> F32:
        """Unix time each track last started (played or skipped), -inf if never."""
        out = np.full(n_tracks, -np.inf, dtype=np.float64)
        for fb in self.events:
            if fb.kind in ("played", "skipped") and fb.at > out[fb.index]:
                out[fb.index] = fb.at
        return out.astype(np.float32)

    def recent(
        self, count: int, since: float, kinds: tuple[str, ...] = ("played", "skipped")
    ) -> list[int]:
        """The last ``count`` tracks of these kinds at or after ``since``, oldest first."""
        plays = [fb.index for fb in self.events if fb.kind in kinds and fb.at >= since]
        return plays[-count:]


@dataclass(frozen=True)
class Evidence:
    """Per-track and per-artist decayed evidence for one part of day, and play counts."""

    track: F32
    artist_track: F32
    """The artist's evidence, spread to each of its tracks."""
    plays: F32
    finished: F32
    skips: F32


def summarise(
    history: History, cat: Catalogue, part_of_day: str, now: float, w: SignalWeights
) -> Evidence:
    n = cat.size
    track = np.zeros(n, dtype=np.float64)
    plays = np.zeros(n, dtype=np.float64)
    finished = np.zeros(n, dtype=np.float64)
    skips = np.zeros(n, dtype=np.float64)
    for fb in history.events:
        value, half_life, bound = signal(fb, w)
        if fb.kind in ("played", "skipped"):
            plays[fb.index] += 1
            (finished if value > 0 else skips)[fb.index] += 1
        if value == 0.0:
            continue
        same = fb.part_of_day == part_of_day
        if bound and not same:
            continue
        decay = math.exp(-math.log(2) * max(0.0, now - fb.at) / half_life)
        track[fb.index] += value * decay * (1.0 if same else w.other_context)
    artist = np.zeros(int(cat.artist.max()) + 1 if n else 0, dtype=np.float64)
    np.add.at(artist, cat.artist, track)
    return Evidence(
        track.astype(np.float32), artist[cat.artist].astype(np.float32),
        plays.astype(np.float32), finished.astype(np.float32), skips.astype(np.float32),
    )  # fmt: skip
