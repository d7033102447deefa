"""Targets and the mood path (iso principle): from where the listener is, in small steps."""

from __future__ import annotations

import math

import numpy as np

from recommend._types import Catalogue, Point

PART_OF_DAY_PRIORS = {
    "night": Point(0.50, 0.20),  # calm late at night
    "morning": Point(0.65, 0.55),  # brighter in the morning
    "afternoon": Point(0.60, 0.60),
    "evening": Point(0.55, 0.40),  # winding down
}
"""Default target per part of day, before anything is learned (documented in README)."""
PRIOR_WEIGHT = 5.0
"""Finished tracks needed before the learned prior weighs as much as the default."""
WIND_DOWN_TARGET = Point(0.55, 0.08)
COVERAGE_RADIUS = 0.08
"""A target farther than this from every track is clipped to the nearest track."""


def learned_prior(default: Point, evidence: list[tuple[Point, float]]) -> Point:
    """The default prior pulled toward tracks finished at this time of day and pushed away
    from tracks skipped then. ``evidence``: (track point, weight: + finished, - skipped)."""
    if not evidence:
        return default
    total = PRIOR_WEIGHT + sum(abs(w) for _, w in evidence)
    dv = sum(w * (p.valence - default.valence) for p, w in evidence) / total
    de = sum(w * (p.energy - default.energy) for p, w in evidence) / total
    return Point(min(1.0, max(0.0, default.valence + dv)), min(1.0, max(0.0, default.energy + de)))


def clip_to_library(target: Point, cat: Catalogue) -> tuple[Point, bool]:
    """The target, or, when no track lies within COVERAGE_RADIUS, the track nearest to the target
    brought inside the library's range on each axis first: a dark library asked for "calm"
    still gets its calmest corner, not whatever track happens to be least dark."""
    if cat.size == 0:
        return target, False
    d2 = (cat.valence - target.valence) ** 2 + (cat.energy - target.energy) ** 2
    if math.sqrt(float(d2.min())) <= COVERAGE_RADIUS:
        return target, False
    boxed = Point(float(np.clip(target.valence, cat.valence.min(), cat.valence.max())),
                  float(np.clip(target.energy, cat.energy.min(), cat.energy.max())))  # fmt: skip
    d2 = (cat.valence - boxed.valence) ** 2 + (cat.energy - boxed.energy) ** 2
    return cat.point(int(np.argmin(d2))), True


def plan_path(start: Point, target: Point, slots: int, max_step: float) -> list[Point]:
    """``slots`` points from ``start`` toward ``target``, each at most ``max_step`` further."""
    dist = start.distance(target)
    out = []
    for i in range(1, slots + 1):
        share = 1.0 if dist == 0 else min(1.0, i * max_step / dist)
        out.append(Point(start.valence + (target.valence - start.valence) * share,
                         start.energy + (target.energy - start.energy) * share))  # fmt: skip
    return out
