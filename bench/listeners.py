"""Simulated listeners for bench/simulate.py. Never reads the recommender's parameters.

No listening-history data set is installable here, so listeners are simulated. Each has hidden
tastes: a preferred point on the valence x energy plane for each part of the day, artists they
love and hate, and a rule for skipping. Three populations, one with a different skip rule:

- ``mood_keepers``: skip a track far from where they want to be now, a hated artist, or a track
  heard in the last hour; finishing a track pulls their state a little toward it.
- ``artist_fans``: wide mood tolerance, but strong artist loves and hates.
- ``jump_averse``: a different rule: they skip when a track jumps too far from the previous
  one (whatever the absolute mood) or is louder than their cap for the time of day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

PARTS = ("night", "morning", "afternoon", "evening")
# Where people tend to be at each part of the day (population centres, not the recommender's).
CENTRES = {"night": (0.45, 0.2), "morning": (0.65, 0.55), "afternoon": (0.6, 0.65),
           "evening": (0.5, 0.4)}  # fmt: skip


@dataclass(frozen=True)
class Offer:
    """A track as the listener meets it."""

    track: int
    point: tuple[float, float]
    artist: int
    prev: tuple[float, float] | None
    part: str
    now: float
    duration_s: float


@dataclass
class Listener:
    kind: str
    wants: dict[str, tuple[float, float]]
    tolerance: float
    loves: set[int]
    hates: set[int]
    jump_tolerance: float = 0.35
    energy_cap: dict[str, float] = field(default_factory=dict)
    state: tuple[float, float] = (0.5, 0.5)
    last_heard: dict[int, float] = field(default_factory=dict)

    def start_session(self, part: str, rng: np.random.Generator) -> None:
        v, e = self.wants[part]
        self.state = (float(np.clip(v + rng.normal(0, 0.1), 0, 1)),
                      float(np.clip(e + rng.normal(0, 0.1), 0, 1)))  # fmt: skip

    def react(self, offer: Offer, rng: np.random.Generator) -> float:
        """Seconds listened before skipping, or the track's duration when it is finished."""
        heard_recently = offer.now - self.last_heard.get(offer.track, -1e12) < 3600
        self.last_heard[offer.track] = offer.now
        if heard_recently:
            return 3.0
        if offer.artist in self.hates:
            return 12.0
        far = math.dist(offer.point, self._target(offer.part)) > self._tolerance(offer.artist)
        if self.kind == "jump_averse":
            prev = offer.prev
            jump = prev is not None and math.dist(offer.point, prev) > self.jump_tolerance
            far = jump or offer.point[1] > self.energy_cap.get(offer.part, 1.0)
        if far and rng.random() < 0.9:
            return 12.0
        self._drift(offer.point)
        return offer.duration_s

    def _target(self, part: str) -> tuple[float, float]:
        # where they want to be: partly the time of day, partly where they are now
        w = self.wants[part]
        return ((w[0] + self.state[0]) / 2, (w[1] + self.state[1]) / 2)

    def _tolerance(self, artist: int) -> float:
        return self.tolerance * (1.6 if artist in self.loves else 1.0)

    def _drift(self, point: tuple[float, float]) -> None:
        self.state = (0.8 * self.state[0] + 0.2 * point[0], 0.8 * self.state[1] + 0.2 * point[1])


def population(kind: str, count: int, artists: int, seed: int) -> list[Listener]:
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        shift = rng.normal(0, 0.12, 2)
        wants = {
            p: (float(np.clip(c[0] + shift[0], 0.05, 0.95)),
                float(np.clip(c[1] + shift[1], 0.05, 0.95)))
            for p, c in CENTRES.items()
        }  # fmt: skip
        picks = rng.choice(artists, size=min(artists, 6), replace=False)
        loves, hates = set(int(a) for a in picks[:3]), set(int(a) for a in picks[3:])
        if kind == "mood_keepers":
            out.append(Listener(kind, wants, 0.25, loves, set(list(hates)[:1])))
        elif kind == "artist_fans":
            out.append(Listener(kind, wants, 0.45, loves, hates))
        else:
            caps = {p: float(np.clip(c[1] + 0.25, 0.3, 1.0)) for p, c in wants.items()}
            out.append(Listener(kind, wants, 1.0, loves, set(), 0.3, caps))
    return out


POPULATIONS = ("mood_keepers", "artist_fans", "jump_averse")
