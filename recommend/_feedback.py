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

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from recommend._types import Catalogue

if TYPE_CHECKING:
    from recommend._fold import Fold

F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]

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


_FLOAT_COLUMNS = ("index", "at", "value", "half_life", "bound", "started", "part")


@dataclass
class History:
    """Every event so far, in order. Appending is cheap; the numeric columns the planner needs
    are converted once per new event into growing buffers, so a re-plan does not walk the
    history. Each event also gets its track's *slot*: tracks numbered in the order they first
    appear, so evidence is summed over the tracks with history, not over the whole library."""

    events: list[Feedback] = field(default_factory=list)
    _buffers: dict[str, npt.NDArray[Any]] = field(default_factory=dict, repr=False)
    _columns: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict, repr=False)
    _converted: int = field(default=0, repr=False)
    _weights: SignalWeights | None = field(default=None, repr=False)
    _banned: set[int] = field(default_factory=set, repr=False)
    _part_codes: dict[str, int] = field(default_factory=dict, repr=False)
    _slot_of: dict[int, int] = field(default_factory=dict, repr=False)
    _slot_map: npt.NDArray[np.int64] = field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False
    )
    _mapped: int = field(default=0, repr=False)
    fold: Fold | None = field(default=None)
    """The history before ``fold.cut``, folded (``recommend._fold``); ``events`` follow it.
    The planner's aggregates start from it; the event-walking helpers here see only
    ``events``."""

    def add(self, fb: Feedback) -> None:
        self.events.append(fb)

    def banned(self) -> set[int]:
        self.columns(self._weights or SignalWeights())
        return set(self._banned)

    def last_played(self, n_tracks: int) -> npt.NDArray[np.float64]:
        """Unix time each track last started (played or skipped), -inf if never."""
        cols = self.columns(self._weights or SignalWeights())
        out = np.full(n_tracks, -np.inf, dtype=np.float64)
        started = cols["started"] > 0
        np.maximum.at(out, cols["index"][started].astype(np.int64), cols["at"][started])
        return out

    def recent(
        self, count: int, since: float, kinds: tuple[str, ...] = ("played", "skipped")
    ) -> list[int]:
        """The last ``count`` tracks of these kinds at or after ``since``, oldest first."""
        out: list[int] = []
        for fb in reversed(self.events):
            if fb.at < since or len(out) == count:
                break
            if fb.kind in kinds:
                out.append(fb.index)
        return out[::-1]

    def columns(self, w: SignalWeights) -> dict[str, npt.NDArray[np.float64]]:
        """index, at, value, half_life, bound, started, part per event (cached)."""
        if self._weights != w:
            self._buffers, self._columns, self._converted, self._weights = {}, {}, 0, w
            self._banned = set()
            self._slot_of, self._mapped = {}, 0
            self._slot_map = np.zeros(0, dtype=np.int64)
        new = self.events[self._converted :]
        if new or not self._columns:
            self._convert(new, w)
        return self._columns

    def slots(self, w: SignalWeights) -> npt.NDArray[np.int64]:
        """Per event, its track's slot (see :meth:`tracks`)."""
        self.columns(w)
        return self._buffers["slot"][: self._converted]

    def tracks(self, w: SignalWeights) -> npt.NDArray[np.int64]:
        """Per slot, the track index: every track with history, in order of first event."""
        self.columns(w)
        return self._buffers["track"][: len(self._slot_of)]

    def slot_map(self, w: SignalWeights, n_tracks: int) -> npt.NDArray[np.int64]:
        """Per track of a library of ``n_tracks``: its slot, -1 if it has no history.
        Kept up to date in place: only tracks new since the last call are written."""
        tracks = self.tracks(w)
        if self._slot_map.shape[0] != n_tracks:
            self._slot_map = np.full(n_tracks, -1, dtype=np.int64)
            self._mapped = 0
        if self._mapped < tracks.shape[0]:
            self._slot_map[tracks[self._mapped :]] = np.arange(self._mapped, tracks.shape[0])
            self._mapped = tracks.shape[0]
        return self._slot_map

    def _convert(self, new: list[Feedback], w: SignalWeights) -> None:
        start, end = self._converted, self._converted + len(new)
        self._reserve(end)
        rows = [
            (fb.index, fb.at, *signal(fb, w), fb.kind in ("played", "skipped"),
             self._code(fb.part_of_day))
            for fb in new
        ]  # fmt: skip
        fresh = np.array(rows, dtype=np.float64).reshape(-1, len(_FLOAT_COLUMNS))
        for k, name in enumerate(_FLOAT_COLUMNS):
            self._buffers[name][start:end] = fresh[:, k]
        slot = self._buffers["slot"]
        track = self._buffers["track"]
        for k, fb in enumerate(new, start):
            got = self._slot_of.get(fb.index)
            if got is None:
                got = self._slot_of[fb.index] = len(self._slot_of)
                track[got] = fb.index
            slot[k] = got
            if fb.kind == "banned":
                self._banned.add(fb.index)
            elif fb.kind == "unbanned":
                self._banned.discard(fb.index)
        self._converted = end
        self._columns = {name: self._buffers[name][:end] for name in _FLOAT_COLUMNS}

    def _reserve(self, size: int) -> None:
        """Room for ``size`` events in every buffer, doubling so appends stay amortised O(1)."""
        have = self._buffers["at"].shape[0] if self._buffers else 0
        if size <= have and self._buffers:
            return
        room = max(size, 2 * have, 256)
        old, self._buffers = self._buffers, {}
        for name in (*_FLOAT_COLUMNS, "slot", "track"):
            dtype = np.int64 if name in ("slot", "track") else np.float64
            grown = np.zeros(room, dtype=dtype)
            if name in old:
                grown[:have] = old[name]
            self._buffers[name] = grown

    def _code(self, part: str) -> int:
        return self._part_codes.setdefault(part, len(self._part_codes))

    def part_code(self, part: str) -> int:
        """The number ``columns()["part"]`` holds for this part of day (-1: never seen)."""
        return self._part_codes.get(part, -1)


@dataclass(frozen=True)
class Evidence:
    """Decayed evidence for one part of day. The per-track columns have one row per track with
    history (its slot, see :meth:`History.tracks`) and a last row of zeros for every other
    track; :meth:`rows` maps track indices to rows. The per-artist columns are indexed by artist.
    """

    slot: I64
    """Per track of the library: its row, -1 (the zero row) if it had no history yet."""
    track: F64
    plays: F64
    finished: F64
    skips: F64
    context_finished: F64
    """Finished plays, those in other parts of the day counted half (for Thompson sampling)."""
    context_skips: F64
    artist: F64
    artist_plays: F64
    artist_finished: F64

    def rows(self, tracks: I64) -> I64:
        """The rows of these tracks in the per-track columns."""
        rows = self.slot[tracks]
        # ``slot`` grows in place with the history: tracks newer than this summary have none.
        return np.where(rows < self.track.shape[0] - 1, rows, -1)

    def row(self, track: int) -> int:
        return int(self.rows(np.array([track], dtype=np.int64))[0])


def summarise(
    history: History, cat: Catalogue, part_of_day: str, now: float, w: SignalWeights,
    *, n_artists: int | None = None,
) -> Evidence:  # fmt: skip
    """Vectorised over the cached event columns: a few bincounts over the tracks with history
    (not the whole library), no Python loop. ``n_artists``: ``cat.artist.max() + 1``, if known.
    """
    n = cat.size
    cols = history.columns(w)
    idx = cols["index"].astype(np.int64)
    if idx.size and int(idx.min()) < 0:
        raise ValueError("feedback track indices must be non-negative")
    slot = history.slots(w)
    rows = history.tracks(w).shape[0] + 1  # the last row stays zero: tracks without history
    same = cols["part"] == history.part_code(part_of_day)
    factor = np.where(same, 1.0, w.other_context) * ~((cols["bound"] > 0) & ~same)
    decay = np.exp(-np.log(2) * np.maximum(0.0, now - cols["at"]) / cols["half_life"])
    value = cols["value"] * decay * factor
    started = cols["started"] > 0
    good = started & (cols["value"] > 0)
    track: F64 = np.bincount(slot, weights=value, minlength=rows).astype(np.float64, copy=False)
    plays: F64 = np.bincount(slot[started], minlength=rows).astype(np.float64)
    finished: F64 = np.bincount(slot[good], minlength=rows).astype(np.float64)
    # The exploration counts are per track x part of day: plays elsewhere count half.
    ctx = np.where(same, 1.0, w.other_context)
    bad = started & ~(cols["value"] > 0)
    ctx_finished: F64 = np.bincount(slot[good], ctx[good], rows).astype(np.float64, copy=False)
    ctx_skips: F64 = np.bincount(slot[bad], ctx[bad], rows).astype(np.float64, copy=False)
    if n_artists is None:
        n_artists = int(cat.artist.max()) + 1 if n else 0
    by_artist = cat.artist[idx] if idx.size else np.zeros(0, np.int64)
    return Evidence(
        history.slot_map(w, n), track, plays, finished, plays - finished, ctx_finished,
        ctx_skips,
        np.bincount(by_artist, weights=value, minlength=n_artists).astype(np.float64),
        np.bincount(by_artist[started], minlength=n_artists).astype(np.float64),
        np.bincount(by_artist[good], minlength=n_artists).astype(np.float64),
    )  # fmt: skip
