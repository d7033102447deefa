"""Targets and the mood path (iso principle): from where the listener is, in small steps."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import numpy.typing as npt

from recommend._request import main_axis
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
"""A target farther than this from every track is brought into the library (clip_to_library)."""
FAR_SLOPE = 1.0
"""Closeness lost per unit of distance beyond two closeness widths (see path_closeness)."""
LARGE_JUMP = 0.4
"""A request this far from the listener's known (voice) mood is reached in two tracks."""
MAIN_AXIS_WEIGHT = 3.0
"""Bringing a target into the library: a distance on the request's main axis costs this many
times one on the other axis (calm stays quiet before it stays bright)."""


def learned_prior(default: Point, evidence: list[tuple[Point, float]]) -> Point:
    """The default prior pulled toward tracks finished at this time of day and pushed away
    from tracks skipped then. ``evidence``: (track point, weight: + finished, - skipped)."""
    if not evidence:
        return default
    total = PRIOR_WEIGHT + sum(abs(w) for _, w in evidence)
    dv = sum(w * (p.valence - default.valence) for p, w in evidence) / total
    de = sum(w * (p.energy - default.energy) for p, w in evidence) / total
    return Point(min(1.0, max(0.0, default.valence + dv)), min(1.0, max(0.0, default.energy + de)))


def clip_to_library(target: Point, cat: Catalogue, axis: str = "") -> tuple[Point, bool]:
    """The target (False), or, when no track lies within COVERAGE_RADIUS of it, a point the
    library can give that keeps its meaning (True).

    The library's range on each axis then stands for the whole [0, 1] axis: the target is
    rescaled into it (v' = min + v * (max - min)), so a dark library asked for "calm" gets its
    own calm end, and "happy" and "upbeat" stay apart. If nothing is near that point either,
    the track nearest to it, with the main ``axis`` (default :func:`main_axis`) counting
    MAIN_AXIS_WEIGHT times, gives the other axis's value; the main axis keeps its own."""
    if cat.size == 0 or _covered(target, cat):
        return target, False
    lo_v, hi_v = float(cat.valence.min()), float(cat.valence.max())
    lo_e, hi_e = float(cat.energy.min()), float(cat.energy.max())
    scaled = Point(lo_v + target.valence * (hi_v - lo_v), lo_e + target.energy * (hi_e - lo_e))
    if _covered(scaled, cat):
        return scaled, True
    on_energy = (axis or main_axis(target)) == "energy"
    wv, we = _axis_weights("energy" if on_energy else "valence")
    d2 = (wv * (cat.valence - scaled.valence)) ** 2 + (we * (cat.energy - scaled.energy)) ** 2
    nearest = cat.point(int(np.argmin(d2)))
    if on_energy:
        return Point(nearest.valence, scaled.energy), True
    return Point(scaled.valence, nearest.energy), True


def _covered(point: Point, cat: Catalogue) -> bool:
    d2 = (cat.valence - point.valence) ** 2 + (cat.energy - point.energy) ** 2
    return math.sqrt(float(d2.min())) <= COVERAGE_RADIUS


def path_closeness(
    dv: npt.NDArray[np.floating[Any]], de: npt.NDArray[np.floating[Any]], width: float,
    axis: str = "",
) -> npt.NDArray[np.float64]:  # fmt: skip
    """How close tracks (valence, energy offsets ``dv``, ``de`` from a path point) are to it:
    exp(-d^2 / width^2), less FAR_SLOPE per unit of distance beyond two widths, the offset on
    the main ``axis`` counting MAIN_AXIS_WEIGHT times there. In a dense library every
    candidate is near and only the Gaussian matters; in a sparse one far tracks are still
    ordered by distance (calm: the quieter first), not by exploration noise."""
    d2 = dv * dv + de * de
    wv, we = _axis_weights(axis)
    far = np.maximum(0.0, np.sqrt((wv * dv) ** 2 + (we * de) ** 2) - 2.0 * width)
    return np.asarray(np.exp(-d2 / width**2) - FAR_SLOPE * far, dtype=np.float64)


def _axis_weights(axis: str) -> tuple[float, float]:
    """(valence, energy) weights for a main axis; none: both 1."""
    if axis == "energy":
        return 1.0, MAIN_AXIS_WEIGHT
    if axis == "valence":
        return MAIN_AXIS_WEIGHT, 1.0
    return 1.0, 1.0


def request_path(start: Point, target: Point, slots: int, kept: int, mood_known: bool
                 ) -> list[Point]:  # fmt: skip
    """An explicit request's path: the ``kept`` slots (playing, prepared) at ``start``, then the
    target at once; when the listener's own mood is known (voice) and the target is at least
    LARGE_JUMP from it, the midpoint first, then the target."""
    head = [start] * min(kept, slots)
    if mood_known and start.distance(target) >= LARGE_JUMP:
        head.append(Point((start.valence + target.valence) / 2,
                          (start.energy + target.energy) / 2))  # fmt: skip
    return (head + [target] * slots)[:slots]


def plan_path(start: Point, target: Point, slots: int, max_step: float) -> list[Point]:
    """``slots`` points from ``start`` toward ``target``, each at most ``max_step`` further."""
    dist = start.distance(target)
    out = []
    for i in range(1, slots + 1):
        share = 1.0 if dist == 0 else min(1.0, i * max_step / dist)
        out.append(Point(start.valence + (target.valence - start.valence) * share,
                         start.energy + (target.energy - start.energy) * share))  # fmt: skip
    return out
