"""Old listening history folded into one row per track, so start-up does not grow with years.

The running aggregates (``_aggregates``) are sums: decayed sums with a reference time, counts
and maxima. So the events before a time ``cut`` can be replaced by one row per track they
touched: the track's decayed signal sums as of ``cut`` (per part of day and half-life class),
its decayed starts (wear), its counts of plays, finished plays, likes and skips per part of day,
and its last start. The artist, region and part-of-day sums are sums over tracks, so they are
worked out again from these rows for whatever catalogue is loaded. Loading a fold and then the
events after its cut gives the aggregates of every event (tests/recommend/test_fold.py); bans
are kept as the set banned at the cut.

A fold is tied to the signal weights it was made with (``key``): other weights need the events.
Shapes: ``n`` tracks, ``P`` parts of day (``parts``), ``C`` half-life classes
(``_aggregates.half_lives``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from recommend._aggregates import WEAR_HALF_LIFE_S, Aggregates
from recommend._feedback import Feedback, SignalWeights
from recommend._types import Catalogue

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]


@dataclass(frozen=True)
class Fold:
    """The history before ``cut`` (Unix s), per track with history (see the module text)."""

    cut: float
    key: str
    """``weights_key`` of the signal weights the sums were made with."""
    parts: tuple[str, ...]
    track_id: I64
    """(n,) library track ids."""
    acc: F64
    """(n, P, C) decayed signal sums as of ``cut``."""
    wear: F64
    """(n,) decayed starts as of ``cut`` (half-life ``WEAR_HALF_LIFE_S``)."""
    plays: F64
    finished: F64
    last: F64
    """(n,) Unix time of the last start (-inf: none)."""
    likes: F64
    ctx_finished: F64
    """(n, P) finished starts per part of day."""
    ctx_skips: F64
    """(n, P) other starts per part of day."""
    ctx_neg: F64
    """(n, P) starts that count against the part of day's learned mood (early and late skips)."""
    banned: I64
    """Track ids banned at ``cut``."""


def weights_key(w: SignalWeights) -> str:
    """What a fold depends on, as text: every signal weight and half-life."""
    return repr(w)


def fold_history(
    events: Sequence[tuple[int, Feedback]], cut: float, w: SignalWeights,
    previous: Fold | None = None,
) -> Fold:  # fmt: skip
    """Fold ``previous`` (if any, with an earlier cut and the same weights) and ``events``
    (pairs of library track id and a Feedback whose ``index`` is ignored; all before ``cut``)
    into one fold as of ``cut``. Raises ValueError for an event at or after ``cut`` or a
    ``previous`` fold made with other weights or a later cut."""
    if previous is not None and (previous.key != weights_key(w) or previous.cut > cut):
        raise ValueError("the previous fold has other weights or a later cut")
    if any(fb.at >= cut for _, fb in events):
        raise ValueError("every folded event must be before the cut")
    before = [previous.track_id, previous.banned] if previous is not None else []
    ids = np.unique(np.concatenate([*before, np.array([t for t, _ in events], dtype=np.int64)]))
    # Each track its own artist: the per-artist fondness is then the track's own.
    n = ids.shape[0]
    zeros = np.zeros(n, dtype=np.float32)
    own = Catalogue(track_ids=ids, valence=zeros, energy=zeros, artist=np.arange(n),
                    duration_s=zeros, instrumentalness=zeros, speechiness=zeros)  # fmt: skip
    agg = Aggregates(own, w)
    if previous is not None:
        agg.ingest_fold(previous, own)
    at = {int(t): i for i, t in enumerate(ids)}
    agg.ingest([
        Feedback(at[t], fb.kind, fb.at, fb.part_of_day, fb.position_s, fb.duration_s)
        for t, fb in events
    ])  # fmt: skip
    return _extract(agg, ids, cut, w)


def _extract(agg: Aggregates, ids: I64, cut: float, w: SignalWeights) -> Fold:
    """The per-track rows of ``agg`` (built on a catalogue where each track is its own
    artist), decayed to ``cut``."""
    index = np.flatnonzero(agg.slot >= 0)
    rows = agg.slot[index]
    parts = tuple(sorted(agg.parts, key=agg.parts.__getitem__))
    n_parts = max(1, len(parts))
    age = np.maximum(0.0, cut - agg.tracks.ref[rows])
    decay = np.exp2(-age[:, None] / agg.tracks.hl[None, :])
    finished = agg.finished[rows]
    return Fold(
        cut=cut,
        key=weights_key(w),
        parts=parts,
        track_id=ids[index].astype(np.int64),
        acc=agg.tracks.acc[rows, :n_parts] * decay[:, None, :],
        wear=agg.tracks.wear[rows] * np.exp2(-age / WEAR_HALF_LIFE_S),
        plays=agg.plays[rows].copy(),
        finished=finished.copy(),
        last=agg.last[rows].copy(),
        likes=(agg.artist_fond[index] - finished) / 2.0,
        ctx_finished=agg.ctx_finished[rows, :n_parts].copy(),
        ctx_skips=agg.ctx_skips[rows, :n_parts].copy(),
        ctx_neg=agg.ctx_neg[rows, :n_parts].copy(),
        banned=np.array(sorted(int(ids[i]) for i in agg.banned), dtype=np.int64),
    )
