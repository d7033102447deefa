"""Running aggregates of the listening history: per track, artist, mood region and part of day.

Each event updates a few rows in O(1); decay is lazy. A row keeps, per part of day and per
half-life class, the decayed sum of signals as of the row's reference time ``ref`` (the time of
its last update); reading at time ``now`` multiplies by ``2 ** (-(now - ref) / half_life)``.
That is exact for exponential decay (``sum v_i 2^(-(now - t_i)/h)`` factorises), so a re-plan
reads the rows of the tracks it scores, never the event list: its cost does not grow with the
history (issue 12, item 9). ``summarise`` in ``_feedback.py`` is the event-walking reference the
tests compare this with.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
import numpy.typing as npt

from recommend._feedback import Feedback, SignalWeights, signal
from recommend._types import Catalogue, Point

if TYPE_CHECKING:
    from recommend._fold import Fold

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

DAY_S = 86_400.0
WEAR_HALF_LIFE_S = 30 * DAY_S
"""How fast repeated exposure wears off: a play a month ago tires half as much as one today."""
REGION_CELLS = 8
"""The mood plane is cut into 8 x 8 regions (0.125 wide) for region evidence."""
MAX_PARTS = 8
"""Parts of day kept apart (night, morning, afternoon, evening, and room for others)."""
STARTED = ("played", "skipped")


def half_lives(w: SignalWeights) -> tuple[float, ...]:
    """The distinct half-lives (s) of the signals, in a fixed order: one decay class each."""
    return tuple(sorted({w.not_now_half_life_s, w.early_skip_half_life_s,
                         w.late_skip_half_life_s, w.finished_half_life_s,
                         w.explicit_half_life_s}))  # fmt: skip


class _Rows:
    """Decayed sums for a growing set of rows: ``acc[row, part, class]`` as of ``ref[row]``."""

    def __init__(self, rows: int, classes: tuple[float, ...]) -> None:
        self.hl = np.array(classes, dtype=np.float64)
        self.acc = np.zeros((rows, MAX_PARTS, len(classes)), dtype=np.float64)
        self.wear = np.zeros(rows, dtype=np.float64)
        self.ref = np.zeros(rows, dtype=np.float64)

    def grow(self, rows: int) -> None:
        have = self.ref.shape[0]
        if rows <= have:
            return
        room = max(rows, 2 * have, 64)
        self.acc = np.concatenate([self.acc, np.zeros((room - have, *self.acc.shape[1:]))])
        self.wear = np.concatenate([self.wear, np.zeros(room - have)])
        self.ref = np.concatenate([self.ref, np.zeros(room - have)])

    def add(self, row: int, at: float, part: int, cls: int, value: float, wear: float) -> None:  # noqa: PLR0917 (one event's fields, called in one place)
        """Add ``value`` (class ``cls``) and ``wear`` at time ``at``, decaying the row first."""
        ref = self.ref[row]
        if at >= ref:
            self.acc[row] *= np.exp2(-(at - ref) / self.hl)
            self.wear[row] *= 2.0 ** (-(at - ref) / WEAR_HALF_LIFE_S)
            self.ref[row] = at
            ref = at
        self.acc[row, part, cls] += value * 2.0 ** (-(ref - at) / self.hl[cls])
        self.wear[row] += wear * 2.0 ** (-(ref - at) / WEAR_HALF_LIFE_S)

    def value(self, rows: I64, now: float, factor: F64) -> F64:
        """Decayed value at ``now`` of these rows; ``factor[part, class]`` weighs each sum.
        ``factor`` may stop after the parts in use: the sums of the others are zero, so only
        the first ``len(factor)`` parts of each row are read (half the memory a re-plan
        touches); einsum adds the same terms in the same order, leaving out only zeros."""
        return self._value(rows, np.maximum(0.0, now - self.ref[rows]), factor)

    def _value(self, rows: I64, age: F64, factor: F64) -> F64:
        decay = np.exp2(-age[:, None] / self.hl[None, :])
        out: F64 = np.einsum("rpc,rc,pc->r", self.acc[rows, : factor.shape[0]], decay, factor)
        return out

    def value_and_wear(self, rows: I64, now: float, factor: F64) -> tuple[F64, F64]:
        """``value``, and the decayed count of starts (exposure, half-life WEAR_HALF_LIFE_S),
        reading each row's reference time once."""
        age = np.maximum(0.0, now - self.ref[rows])
        return self._value(rows, age, factor), self.wear[rows] * np.exp2(-age / WEAR_HALF_LIFE_S)


class Starts:
    """Every play and skip in arrival order, as growing arrays (for the day's mix and the
    no-repeat window): a window is found by binary search, so only its length costs."""

    def __init__(self) -> None:
        self.n = 0
        self.at = np.zeros(256)
        self.index = np.zeros(256, dtype=np.int64)
        self.artist = np.zeros(256, dtype=np.int64)
        self.familiar = np.zeros(256, dtype=bool)
        self.ordered = True
        """False once an event arrived older than the one before (then windows use a mask)."""

    def add(self, at: float, index: int, artist: int, familiar: bool) -> None:
        if self.n == self.at.shape[0]:
            for name in ("at", "index", "artist", "familiar"):
                old = getattr(self, name)
                setattr(self, name, np.concatenate([old, np.zeros_like(old)]))
        if self.n and at < self.at[self.n - 1]:
            self.ordered = False
        self.at[self.n], self.index[self.n] = at, index
        self.artist[self.n], self.familiar[self.n] = artist, familiar
        self.n += 1

    def since(self, since: float) -> tuple[I64, I64, npt.NDArray[np.bool_]]:
        """(track index, artist, familiar) of the starts at or after ``since``, oldest first."""
        if self.ordered:
            lo = int(np.searchsorted(self.at[: self.n], since, side="left"))
            return self.index[lo : self.n], self.artist[lo : self.n], self.familiar[lo : self.n]
        keep = self.at[: self.n] >= since
        return (
            self.index[: self.n][keep],
            self.artist[: self.n][keep],
            self.familiar[: self.n][keep],
        )


class Aggregates:
    """What the planner needs of the history, kept up to date one event at a time.

    Counts (plays, finished, skipped, distinct tracks per artist) are not decayed: reasons quote
    them. Values (the signals of ``_feedback``) decay with their half-lives. ``starts`` keeps
    the plays and skips in arrival order for the day's mix and the no-repeat window; those read
    only the tail they need.
    """

    def __init__(self, cat: Catalogue, w: SignalWeights) -> None:
        self.w, self.classes = w, half_lives(w)
        self.n_tracks = cat.size
        self.artist_of = cat.artist
        n_artists = self.n_artists = int(cat.artist.max()) + 1 if cat.size else 0
        self.cell_of = _cells(cat.valence, cat.energy)
        self.slot = np.full(cat.size, -1, dtype=np.int64)
        """Per track: its row in the per-track arrays, -1 before its first event."""
        self.tracks = _Rows(0, self.classes)
        self.artists = _Rows(n_artists, self.classes)
        self.regions = _Rows(REGION_CELLS * REGION_CELLS, self.classes)
        self.plays = np.zeros(0, dtype=np.float64)
        self.finished = np.zeros(0, dtype=np.float64)
        self.ctx_finished = np.zeros((0, MAX_PARTS), dtype=np.float64)
        self.ctx_skips = np.zeros((0, MAX_PARTS), dtype=np.float64)
        self.ctx_neg = np.zeros((0, MAX_PARTS), dtype=np.float64)
        """Starts that count against their part of day's learned mood (``prior``)."""
        self.last = np.zeros(0, dtype=np.float64)
        self.artist_plays = np.zeros(n_artists, dtype=np.float64)
        self.artist_finished = np.zeros(n_artists, dtype=np.float64)
        self.artist_tracks = np.zeros(n_artists, dtype=np.float64)
        self.artist_fond = np.zeros(n_artists, dtype=np.float64)
        """Finished plays + 2 per like, per artist (the listener's own artist shares)."""
        self.fond_total = 0.0
        self.prior = np.zeros((MAX_PARTS, 2, 3), dtype=np.float64)
        """Per part, for finished (0) and early-skipped (1) tracks: sum w, sum w*v, sum w*e."""
        self.points = (cat.valence, cat.energy)
        self.banned: set[int] = set()
        self.starts = Starts()
        self.parts: dict[str, int] = {}
        self.seen = 0
        """Events of the history taken in so far."""
        self.used = 0
        """Rows of the per-track arrays in use (tracks with history)."""

    def ingest(self, events: Sequence[Feedback]) -> None:
        """Take in the events after the first ``seen`` (the history only grows)."""
        for fb in events[self.seen :]:
            self._add(fb)
        self.seen = len(events)

    def ingest_fold(self, fold: Fold, cat: Catalogue) -> None:
        """Start from a fold of the history before ``fold.cut`` (``recommend._fold``), before
        any event: its tracks not in ``cat`` are left out, as their events would be. Raises
        ValueError once events were taken in or for a fold made with other weights."""
        from recommend._fold import weights_key  # _fold builds on this module

        if self.seen or self.used or self.banned:
            raise ValueError("a fold comes before every event")
        if fold.key != weights_key(self.w):
            raise ValueError("the fold was made with other signal weights")
        where = {int(t): i for i, t in enumerate(cat.track_ids)}
        pairs = [(k, where[int(t)]) for k, t in enumerate(fold.track_id) if int(t) in where]
        self.banned = {where[int(t)] for t in fold.banned if int(t) in where}
        if not pairs:
            return
        k = np.array([a for a, _ in pairs], dtype=np.int64)
        index = np.array([b for _, b in pairs], dtype=np.int64)
        rows = np.arange(k.shape[0], dtype=np.int64)
        self.slot[index], self.used = rows, k.shape[0]
        self._grow(self.used)
        codes = np.array([self.part(p) for p in fold.parts], dtype=np.int64)
        acc = np.zeros((k.shape[0], MAX_PARTS, len(self.classes)))
        for j, code in enumerate(codes.tolist()):  # two names may share the last code
            acc[:, code, :] += fold.acc[k, j, :]
        self.tracks.acc[rows], self.tracks.wear[rows] = acc, fold.wear[k]
        self.tracks.ref[rows] = fold.cut
        artists, cells = self.artist_of[index], self.cell_of[index]
        for group, keys in ((self.artists, artists), (self.regions, cells)):
            np.add.at(group.acc, keys, acc)
            group.ref[:] = fold.cut  # every row was zero: any reference time is exact
        self.plays[rows], self.finished[rows], self.last[rows] = (
            fold.plays[k], fold.finished[k], fold.last[k])  # fmt: skip
        for name in ("ctx_finished", "ctx_skips", "ctx_neg"):
            into = getattr(self, name)
            np.add.at(into, (rows[:, None], codes[None, :]), getattr(fold, name)[k])
        self._fold_counts(fold, k, index, artists, codes)

    def _fold_counts(self, fold: Fold, k: I64, index: I64, artists: I64, codes: I64) -> None:
        """The per-artist counts and the part-of-day prior of the folded tracks."""
        n = self.n_artists
        self.artist_plays += np.bincount(artists, fold.plays[k], n)
        self.artist_finished += np.bincount(artists, fold.finished[k], n)
        self.artist_tracks += np.bincount(artists, (fold.plays[k] > 0).astype(np.float64), n)
        fond = fold.finished[k] + 2.0 * fold.likes[k]
        self.artist_fond += np.bincount(artists, fond, n)
        self.fond_total += float(fond.sum())
        v, e = self.points[0][index].astype(np.float64), self.points[1][index].astype(np.float64)
        for j, code in enumerate(codes.tolist()):
            for side, weight in ((0, fold.ctx_finished[k, j]), (1, -0.5 * fold.ctx_neg[k, j])):
                self.prior[code, side] += (weight.sum(), (weight * v).sum(), (weight * e).sum())

    def part(self, name: str) -> int:
        """The code of a part of day (the first MAX_PARTS - 1 names; later ones share the last)."""
        if name not in self.parts:
            self.parts[name] = min(len(self.parts), MAX_PARTS - 1)
        return self.parts[name]

    def _add(self, fb: Feedback) -> None:
        if not 0 <= fb.index < self.n_tracks:
            raise ValueError(f"feedback track index {fb.index} is outside the library")
        if fb.kind in ("banned", "unbanned"):
            (self.banned.add if fb.kind == "banned" else self.banned.discard)(fb.index)
            return
        row = self._row(fb.index)
        artist = int(self.artist_of[fb.index])
        value, half_life, _bound = signal(fb, self.w)
        part, cls = self.part(fb.part_of_day), self.classes.index(half_life)
        started = fb.kind in STARTED
        wear = 1.0 if started else 0.0
        if value or wear:
            self.tracks.add(row, fb.at, part, cls, value, wear)
            self.artists.add(artist, fb.at, part, cls, value, 0.0)
            self.regions.add(int(self.cell_of[fb.index]), fb.at, part, cls, value, 0.0)
        if fb.kind == "liked":
            self._fond(artist, 2.0)
        if started:
            self._started(fb, row, artist, part, value)

    def _started(self, fb: Feedback, row: int, artist: int, part: int, value: float) -> None:
        familiar = self.plays[row] > 0
        self.starts.add(fb.at, fb.index, artist, bool(familiar))
        if not familiar:
            self.artist_tracks[artist] += 1
        self.plays[row] += 1
        self.artist_plays[artist] += 1
        self.last[row] = max(self.last[row], fb.at)
        good = value > 0
        (self.ctx_finished if good else self.ctx_skips)[row, part] += 1
        if good:
            self.finished[row] += 1
            self.artist_finished[artist] += 1
            self._fond(artist, 1.0)
        weight = 1.0 if good else (-0.5 if value <= self.w.late_skip else 0.0)
        self.ctx_neg[row, part] += weight < 0
        if weight:
            v, e = float(self.points[0][fb.index]), float(self.points[1][fb.index])
            self.prior[part, 0 if good else 1] += (weight, weight * v, weight * e)

    def _fond(self, artist: int, amount: float) -> None:
        self.artist_fond[artist] += amount
        self.fond_total += amount

    def _row(self, index: int) -> int:
        row = int(self.slot[index])
        if row < 0:
            row = self.used
            self.slot[index] = row
            self.used += 1
            self._grow(self.used)
        return row

    def _grow(self, rows: int) -> None:
        if rows <= self.plays.shape[0]:
            return
        room = max(rows, 2 * self.plays.shape[0], 64)
        self.tracks.grow(room)
        extra = room - self.plays.shape[0]
        self.plays = np.concatenate([self.plays, np.zeros(extra)])
        self.finished = np.concatenate([self.finished, np.zeros(extra)])
        self.last = np.concatenate([self.last, np.full(extra, -np.inf)])
        self.ctx_finished = np.concatenate([self.ctx_finished, np.zeros((extra, MAX_PARTS))])
        self.ctx_skips = np.concatenate([self.ctx_skips, np.zeros((extra, MAX_PARTS))])
        self.ctx_neg = np.concatenate([self.ctx_neg, np.zeros((extra, MAX_PARTS))])

    def plays_of(self, index: int) -> int:
        """How many times this track was started (played or skipped)."""
        row = int(self.slot[index])
        return int(self.plays[row]) if row >= 0 else 0

    def factor(self, part_of_day: str) -> F64:
        """Weights ``[part, class]`` for a query at this part of day: other parts count
        ``other_context``; the "not now" class (bound to its part of day) only counts there."""
        here = self.parts.get(part_of_day, -1)
        f = np.full((MAX_PARTS, len(self.classes)), self.w.other_context, dtype=np.float64)
        bound = self.classes.index(self.w.not_now_half_life_s)
        f[:, bound] = 0.0
        if here >= 0:
            f[here, :] = 1.0
        return f

    def read(self, pool: I64, part_of_day: str, now: float) -> dict[str, F64]:
        """Per track of ``pool``: value (decayed signals), plays, finished, wear (decayed starts),
        last (unix time of the last start, -inf: never), ctx_finished and ctx_skips (this part
        of day counts 1, others ``other_context``), and its artist's and region's values."""
        n = pool.shape[0]
        out = {k: np.zeros(n) for k in ("value", "plays", "finished", "wear", "ctx_finished",
                                         "ctx_skips")}  # fmt: skip
        out["last"] = np.full(n, -np.inf)
        rows = self.slot[pool]
        has = np.flatnonzero(rows >= 0)  # positions, not a mask: found once, used eight times
        r = rows[has]
        factor = self.factor(part_of_day)[: max(1, len(self.parts))]  # parts in use (value)
        if r.size:
            out["value"][has], out["wear"][has] = self.tracks.value_and_wear(r, now, factor)
            plays, finished = self.plays[r], self.finished[r]
            out["plays"][has], out["finished"][has] = plays, finished
            out["last"][has] = self.last[r]
            here = self.parts.get(part_of_day, -1)
            out["ctx_finished"][has] = self._ctx(self.ctx_finished, r, finished, here)
            out["ctx_skips"][has] = self._ctx(self.ctx_skips, r, plays - finished, here)
        artists = self.artist_of[pool]
        out["artist_plays"] = self.artist_plays[artists]
        out["artist"] = _grouped(self.artists, artists, now, factor, self.n_artists)
        out["region"] = _grouped(self.regions, self.cell_of[pool], now, factor,
                                 REGION_CELLS * REGION_CELLS)  # fmt: skip
        return out

    def _ctx(self, counts: F64, rows: I64, total: F64, here: int) -> F64:
        """``counts`` of ``rows`` at part ``here`` plus ``other_context`` x the rest. ``total``:
        the rows' counts over all parts, which are their finished (or skipped) starts: whole
        numbers, so taking them from there is exact, and only one column is read."""
        if here < 0:
            return np.asarray(self.w.other_context * total, dtype=np.float64)
        at = counts[rows, here]
        return np.asarray(at + self.w.other_context * (total - at), dtype=np.float64)

    def prior_evidence(self, part_of_day: str) -> list[tuple[Point, float]]:
        """What ``learned_prior`` needs, folded: the finished tracks at this part of day as one
        point (their weighted mean) with their total weight, and the skipped ones likewise.
        ``learned_prior`` is linear in the points, so this equals passing every event."""
        here = self.parts.get(part_of_day, -1)
        if here < 0:
            return []
        out = []
        for w, wv, we in self.prior[here]:
            if w:
                out.append((Point(float(wv / w), float(we / w)), float(w)))
        return out

    def recent_starts(self, since: float) -> tuple[I64, I64, npt.NDArray[np.bool_]]:
        """(track index, artist, familiar) of the plays and skips at or after ``since``."""
        return self.starts.since(since)


def _grouped(rows: _Rows, keys: I64, now: float, factor: F64, size: int) -> F64:
    """``rows.value`` of each key (all below ``size``), worked out once per distinct key. The
    distinct keys come from marking them, not sorting: the same sorted keys as ``np.unique``
    in a pass over ``size`` flags (a few thousand artists), cheaper than sorting the pool."""
    if keys.size == 0:
        return np.zeros(0)
    seen = np.zeros(size, dtype=bool)
    seen[keys] = True
    unique = np.flatnonzero(seen).astype(np.int64, copy=False)
    at = np.empty(size, dtype=np.int64)
    at[unique] = np.arange(unique.shape[0])
    return rows.value(unique, now, factor)[at[keys]]


def _cells(valence: F64 | npt.NDArray[np.float32], energy: F64 | npt.NDArray[np.float32]) -> I64:
    cx = np.clip((valence * REGION_CELLS).astype(np.int64), 0, REGION_CELLS - 1)
    cy = np.clip((energy * REGION_CELLS).astype(np.int64), 0, REGION_CELLS - 1)
    return (cx * REGION_CELLS + cy).astype(np.int64)
