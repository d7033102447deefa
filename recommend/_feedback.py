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

import numpy as np
import numpy.typing as npt

from recommend._types import Catalogue

F64 = npt.NDArray[np.float64]

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
    """Every event so far, in order. Appending is cheap; the numeric columns the planner needs
    are converted once per new event and cached, so a re-plan does not walk the history."""

    events: list[Feedback] = field(default_factory=list)
    _columns: dict[str, npt.NDArray[np.float64]] = field(default_factory=dict, repr=False)
    _converted: int = field(default=0, repr=False)
    _weights: SignalWeights | None = field(default=None, repr=False)
    _banned: set[int] = field(default_factory=set, repr=False)
    _part_codes: dict[str, int] = field(default_factory=dict, repr=False)

    def add(self, fb: Feedback) -> None:
        self.events.append(fb)

    def banned(self) -> set[int]:
        self.columns(self._weights or SignalWeights())
        return set(self._banned)

    def last_played(self, n_tracks: int) -> npt.NDArray[np.float64]:
        """Unix time each track last started (played or skipped), -inf if never."""
        cols = self.columns(SignalWeights())
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
        """index, at, value, half_life, bound, started, finished per event (cached)."""
        if self._weights != w:
            self._columns, self._converted, self._weights = {}, 0, w
            self._banned = set()
        new = self.events[self._converted :]
        if new or not self._columns:
            rows = [
                (fb.index, fb.at, *signal(fb, w), fb.kind in ("played", "skipped")) for fb in new
            ]
            fresh = np.array(rows, dtype=np.float64).reshape(-1, 6)
            names = ("index", "at", "value", "half_life", "bound", "started")
            for k, name in enumerate(names):
                old = self._columns.get(name, np.zeros(0))
                self._columns[name] = np.concatenate([old, fresh[:, k]])
            codes = np.array([self._code(fb.part_of_day) for fb in new], dtype=np.float64)
            self._columns["part"] = np.concatenate([self._columns.get("part", np.zeros(0)), codes])
            for fb in new:
                if fb.kind == "banned":
                    self._banned.add(fb.index)
                elif fb.kind == "unbanned":
                    self._banned.discard(fb.index)
            self._converted = len(self.events)
        return self._columns

    def _code(self, part: str) -> int:
        return self._part_codes.setdefault(part, len(self._part_codes))

    def part_code(self, part: str) -> int:
        """The number ``columns()["part"]`` holds for this part of day (-1: never seen)."""
        return self._part_codes.get(part, -1)


@dataclass(frozen=True)
class Evidence:
    """Decayed evidence for one part of day: per track, and per artist (indexed by artist)."""

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


def summarise(
    history: History, cat: Catalogue, part_of_day: str, now: float, w: SignalWeights
) -> Evidence:
    """Vectorised over the cached event columns: a few bincounts, no Python loop."""
    n = cat.size
    cols = history.columns(w)
    idx = cols["index"].astype(np.int64)
    same = cols["part"] == history.part_code(part_of_day)
    factor = np.where(same, 1.0, w.other_context) * ~((cols["bound"] > 0) & ~same)
    decay = np.exp(-np.log(2) * np.maximum(0.0, now - cols["at"]) / cols["half_life"])
    value = cols["value"] * decay * factor
    started = cols["started"] > 0
    good = started & (cols["value"] > 0)
    track: F64 = np.bincount(idx, weights=value, minlength=n).astype(np.float64, copy=False)
    plays: F64 = np.bincount(idx[started], minlength=n).astype(np.float64)
    finished: F64 = np.bincount(idx[good], minlength=n).astype(np.float64)
    # The exploration counts are per track x part of day: plays elsewhere count half.
    ctx = np.where(same, 1.0, w.other_context)
    bad = started & ~(cols["value"] > 0)
    ctx_finished: F64 = np.bincount(idx[good], ctx[good], n).astype(np.float64, copy=False)
    ctx_skips: F64 = np.bincount(idx[bad], ctx[bad], n).astype(np.float64, copy=False)
    artists = int(cat.artist.max()) + 1 if n else 0
    by_artist = cat.artist[idx] if idx.size else np.zeros(0, np.int64)
    return Evidence(
        track, plays, finished, plays - finished, ctx_finished, ctx_skips,
        np.bincount(by_artist, weights=value, minlength=artists).astype(np.float64),
        np.bincount(by_artist[started], minlength=artists).astype(np.float64),
        np.bincount(by_artist[good], minlength=artists).astype(np.float64),
    )  # fmt: skip
