"""The score parts of a track that do not depend on the path point, once per plan and pool.

| part    | formula (weights from ``Weights``)                     | for                  |
|---------|--------------------------------------------------------|----------------------|
| track   | track * tanh(decayed signals of the track)             | what you did with it |
| wear    | -wear * decayed starts (half-life 30 days)             | tracks heard before  |
| artist  | artist * tanh(0.5 * decayed signals of its artist)     | every track          |
| region  | region * tanh(decayed signals of its region / 4)       | every track          |
| explore | explore * (Beta(1 + finished, 1 + skipped) - 0.5)      | tracks heard before  |
| new     | added (if added <= new_days ago and neither its region | tracks never heard   |
|         | nor its artist has negative evidence) + new_artist     |                      |
|         | (artist never played)                                  |                      |
| prefer  | prefer * (instrumentalness - speechiness - 0.5)        | when the request asks|

A region is a 1/8 x 1/8 square of the mood plane.

Wear makes a replayed favourite tire: five plays this month cost at least 0.75, more than the
0.6 its finishes can earn, so it ranks below a similar track never heard (which has no wear and
no random exploration term). The region and artist parts carry a finished play to the tracks
around it: a play is evidence about a region of the mood plane and an artist, not only a track.
The Thompson sample (exploration) is drawn only for tracks with history: it ranks favourites by
how often they were finished; new tracks are ranked by the path, artist, region and cold start.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from recommend._aggregates import DAY_S

F64 = npt.NDArray[np.float64]


@dataclass(frozen=True)
class Weights:
    """The weights of the score parts (see the module table)."""

    track: float = 0.6
    wear: float = 0.3
    artist: float = 0.3
    region: float = 0.15
    explore: float = 0.25
    added: float = 0.3
    new_artist: float = 0.1
    prefer: float = 0.2
    new_days: float = 14.0
    """A track added this many days ago or less is "new in your library"."""


def static_parts(
    w: Weights, known: dict[str, F64], rng: np.random.Generator, *, added_age_s: F64 | None,
    prefer: npt.NDArray[np.floating[Any]] | None,
) -> dict[str, F64]:  # fmt: skip
    """Score parts per pool track. ``known``: ``Aggregates.read`` of the pool; ``added_age_s``:
    seconds since each was added (None: unknown); ``prefer``: the attribute preference or None.
    The sum of the parts is under "total"."""
    heard = known["plays"] > 0
    sample = rng.beta(1 + known["ctx_finished"], 1 + known["ctx_skips"]) - 0.5
    new = np.where(known["artist_plays"] > 0, 0.0, w.new_artist)
    if added_age_s is not None:  # a chance, unless what the listener did near it says no
        welcome = (known["region"] >= 0) & (known["artist"] >= 0)
        new = new + np.where((added_age_s <= w.new_days * DAY_S) & welcome, w.added, 0.0)
    parts: dict[str, npt.NDArray[np.floating[Any]]] = {
        "track": w.track * np.tanh(known["value"]),
        "wear": -w.wear * known["wear"],
        "artist": w.artist * np.tanh(0.5 * known["artist"]),
        "region": w.region * np.tanh(known["region"] / 4),
        "explore": np.where(heard, w.explore * sample, 0.0),
        "new": np.where(heard, 0.0, new),
    }
    if prefer is not None:
        parts["prefer"] = w.prefer * prefer
    out = {k: np.asarray(v, dtype=np.float64) for k, v in parts.items()}
    first, *rest = out.values()
    total = first.copy()
    for v in rest:  # part by part, in order: what np.sum(axis=0) adds, without stacking them
        total += v
    out["total"] = total
    return out
