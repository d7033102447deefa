"""What one ``Planner.plan`` call works with: the round's state, and the candidates near one
path point with their scores (recommend/_planner.py)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recommend._aggregates import Aggregates
from recommend._mix import DayMix
from recommend._types import ListenerState, Point


@dataclass
class Round:
    """What one plan() call knows: the listener, the evidence, the target, randomness."""

    state: ListenerState
    agg: Aggregates
    known: dict[str, npt.NDArray[np.float64]]
    """``Aggregates.read`` of the plan's pool (indexed like the pool)."""
    mix: DayMix
    target: Point
    note: str
    rng: np.random.Generator
    blocked: npt.NDArray[np.bool_]
    """Per track: banned, played inside the no-repeat window, or already queued."""
    recent: list[int]
    noted: bool = False
    why: dict[int, tuple[bool, int]] = field(default_factory=dict)
    """Per chosen track: (no open track was closer, closer ones passed over for artist rules)."""
    heard: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per artist: among the ``recent`` tracks (kept in step with it)."""
    axis: str = ""
    """The target's main axis: far from the path point, distance on it counts most."""

    goal: str = ""
    """The request or part of day in force, in words (the same for every reason)."""

    def push(self, index: int, artists: npt.NDArray[np.int64], spacing: int) -> None:
        """``index`` was picked: block it and slide the artist-spacing window."""
        self.blocked[index] = True
        for old in self.recent:
            self.heard[artists[old]] = False
        self.recent = [*self.recent, index][-spacing:] if spacing else []
        for new in self.recent:
            self.heard[artists[new]] = True


@dataclass(frozen=True)
class Scored:
    """The candidates near one path point and their scores, apart from what is open."""

    cand: npt.NDArray[np.int64]
    artist: npt.NDArray[np.int64]
    pos: npt.NDArray[np.int64]
    """Where each candidate is in the pool ``static`` was worked out for."""
    closeness: npt.NDArray[np.float64]
    total: npt.NDArray[np.float64]
    static: dict[str, npt.NDArray[np.float64]]
    familiar: npt.NDArray[np.bool_]
    """Heard before and liked on balance: what a slot for a favourite takes."""
    new: npt.NDArray[np.bool_]
    """Never heard: what a slot for new music takes."""

    def best(self, ok: npt.NDArray[np.bool_]) -> tuple[int, dict[str, float]]:
        """The highest-scoring candidate among those ``ok``, with its score parts."""
        best = int(np.argmax(np.where(ok, self.total, -np.inf)))
        at = int(self.pos[best])
        parts = {"path": float(self.closeness[best])}
        parts |= {k: float(v[at]) for k, v in self.static.items() if k != "total"}
        return int(self.cand[best]), parts
