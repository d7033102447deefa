"""Planning a queue: follow the mood path, score candidates, keep artists apart, explain each.

Per queue slot the grid yields a few hundred candidates near the path point; only they are
scored: closeness to the path point, learned affinity (track, artist, part of day), a Thompson
sample of how often the track was finished (exploration for tracks never played), the request's
attribute preference, and a small guard against the same few tracks. Banned tracks, tracks
played inside the no-repeat window and tracks already queued are out; an artist heard within
the last ``artist_spacing`` tracks is out too unless nothing else is left.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from recommend._feedback import Evidence, History, SignalWeights, signal, summarise
from recommend._grid import MoodGrid
from recommend._path import (
    COVERAGE_RADIUS,
    PART_OF_DAY_PRIORS,
    WIND_DOWN_TARGET,
    clip_to_library,
    learned_prior,
    plan_path,
)
from recommend._types import Catalogue, ListenerState, Plan, Point, QueueEntry

SESSION_GAP_S = 2 * 3600.0
"""Plays older than this do not say where the listener is now, nor space artists."""


@dataclass(frozen=True)
class Settings:
    max_step: float = 0.15
    """Largest move on the mood plane from one track to the next."""
    closeness_width: float = 0.12
    artist_spacing: int = 3
    no_repeat_hours: float = 4.0
    """Shrinks to half the library's playing time when the library is small."""
    candidates: int = 300
    w_path: float = 1.0
    w_track: float = 0.6
    w_artist: float = 0.3
    w_explore: float = 0.25
    w_prefer: float = 0.2
    w_guard: float = 0.05
    wind_down_s: float = 1800.0
    weights: SignalWeights = field(default_factory=SignalWeights)


@dataclass
class _Round:
    """What one plan() call knows: the listener, the evidence, the target, randomness."""

    state: ListenerState
    ev: Evidence
    target: Point
    note: str
    rng: np.random.Generator
    blocked: npt.NDArray[np.bool_]
    """Per track: banned, played inside the no-repeat window, or already queued."""
    recent: list[int]
    noted: bool = False
    heard: npt.NDArray[np.bool_] = field(default_factory=lambda: np.zeros(0, dtype=bool))
    """Per artist: among the ``recent`` tracks (kept in step with it)."""

    def push(self, index: int, artists: npt.NDArray[np.int64], spacing: int) -> None:
        """``index`` was picked: block it and slide the artist-spacing window."""
        self.blocked[index] = True
        self.recent = [*self.recent, index][-spacing:] if spacing else []
        self.heard[:] = False
        self.heard[artists[self.recent]] = True


@dataclass(frozen=True)
class _Scored:
    """The candidates near one path point and their scores, apart from what is open."""

    cand: npt.NDArray[np.int64]
    artist: npt.NDArray[np.int64]
    pos: npt.NDArray[np.int64]
    """Where each candidate is in the pool ``static`` was worked out for."""
    closeness: npt.NDArray[np.float64]
    total: npt.NDArray[np.float64]
    static: dict[str, npt.NDArray[np.float64]]

    def best(self, ok: npt.NDArray[np.bool_]) -> tuple[int, dict[str, float]]:
        """The highest-scoring candidate among those ``ok``, with its score parts."""
        best = int(np.argmax(np.where(ok, self.total, -np.inf)))
        at = int(self.pos[best])
        parts = {"path": float(self.closeness[best])}
        parts |= {k: float(v[at]) for k, v in self.static.items() if k != "total"}
        return int(self.cand[best]), parts


class Planner:
    def __init__(self, cat: Catalogue, settings: Settings | None = None) -> None:
        self.cat = cat
        self.s = settings or Settings()
        self.grid = MoodGrid(cat)
        self._rank = np.zeros(cat.size, dtype=np.int64)
        """Scratch: a pool track's position in the pool (valid only for the current pool)."""
        self.n_artists = int(cat.artist.max()) + 1 if cat.size else 0
        self._cache: tuple[History, tuple[int, str, int], Evidence] | None = None
        total_h = float(cat.duration_s.sum()) / 3600 if cat.size else 0.0
        self.repeat_window_s = 3600 * min(self.s.no_repeat_hours, 0.5 * total_h)

    def plan(
        self, state: ListenerState, history: History, n: int, seed: int,
        *, keep: list[int] | None = None, avoid: list[int] | None = None,
    ) -> Plan:  # fmt: skip
        """A queue of ``n`` entries; the indices in ``keep`` stay first, unchanged; those in
        ``avoid`` are never planned (kept ones still play)."""
        now = state.situation.timestamp
        target, note = self._target(state, history)
        start = self._start(state, history, target)
        if self.cat.size == 0:
            return Plan([], [], start, target, note, "the library is empty: scan some music first")
        slots = n if not state.wind_down else self._wind_down_slots()
        step = self.s.max_step if not state.wind_down else max(0.02, start.distance(target) / slots)
        path = plan_path(start, target, slots, step)
        ev = self._evidence(history, state.situation.part_of_day, now)
        kept = list(keep or [])
        session = history.recent(self.s.artist_spacing, now - SESSION_GAP_S)
        blocked = self._blocked(history, now)
        blocked[kept] = True
        blocked[list(avoid or [])] = True
        r = _Round(state, ev, target, note, np.random.default_rng(seed), blocked, session + kept)
        r.heard = np.zeros(self.n_artists, dtype=bool)
        r.heard[self.cat.artist[r.recent]] = True
        todo = path[len(kept) :]
        pool, near = self._pool(todo)
        static = self._static(r, pool)  # one Thompson sample per track per plan
        entries = [self._entry(r, i, path[0], start, {"kept": 0.0}) for i in kept]
        prev = self.cat.point(kept[-1]) if kept else start
        scored: dict[Point, _Scored] = {}  # points repeat once the target is reached
        for point in todo:
            if point not in scored:
                scored[point] = self._score(point, pool, static, near[_key(point)])
            choice = self._choose(r, point, scored[point])
            if choice is None:
                break
            index, parts = choice
            entries.append(self._entry(r, index, point, prev, parts))
            r.push(index, self.cat.artist, self.s.artist_spacing)
            prev = self.cat.point(index)
        message = "" if entries else "every track is banned or was just played"
        return Plan(entries, path, start, target, note, message)

    def _evidence(self, history: History, part: str, now: float) -> Evidence:
        """Evidence is cached while no feedback arrives (a request or a mood change re-plans
        with the same history); decay is computed to the minute: half-lives are days."""
        key = (len(history.events), part, int(now // 60))
        if self._cache is None or self._cache[0] is not history or self._cache[1] != key:
            ev = summarise(history, self.cat, part, now, self.s.weights, n_artists=self.n_artists)
            self._cache = (history, key, ev)
        return self._cache[2]

    def _wind_down_slots(self) -> int:
        mean_s = float(self.cat.duration_s.mean()) or 240.0
        return max(1, round(self.s.wind_down_s / mean_s))

    def _target(self, state: ListenerState, history: History) -> tuple[Point, str]:
        if state.wind_down:
            wanted = WIND_DOWN_TARGET
        elif state.target is not None:
            wanted = state.target
        else:
            part = state.situation.part_of_day
            default = PART_OF_DAY_PRIORS.get(part, Point(0.5, 0.5))
            wanted = learned_prior(default, self._prior_evidence(history, part))
        target, clipped = self._clip(wanted)
        note = ""
        if clipped:
            what = f"'{state.request}'" if state.request else "that mood"
            note = f"the library has nothing nearer to {what}"
        return target, note

    def _prior_evidence(self, history: History, part: str) -> list[tuple[Point, float]]:
        """What the listener finished (+1) or skipped early (-0.5) at this part of day."""
        out = []
        for fb in history.events:
            if fb.part_of_day != part or fb.kind not in ("played", "skipped"):
                continue
            value, _, _ = signal(fb, self.s.weights)
            weight = 1.0 if value > 0 else (-0.5 if value <= self.s.weights.late_skip else 0.0)
            if weight:
                out.append((self.cat.point(fb.index), weight))
        return out

    def _start(self, state: ListenerState, history: History, target: Point) -> Point:
        """Where the listener is: voice mood, else the recent tracks, else (with nothing known)
        the request itself, else the time of day."""
        if state.now is not None:
            return state.now
        now = state.situation.timestamp
        recent = history.recent(3, now - SESSION_GAP_S, ("played",))  # skipped: not where they are
        if recent:
            v, e = self.cat.valence[recent], self.cat.energy[recent]
            return Point(float(np.mean(v)), float(np.mean(e)))
        if state.target is not None:
            return target  # nothing says where they are: an explicit request is taken as it is
        prior = PART_OF_DAY_PRIORS.get(state.situation.part_of_day, target)
        return self._clip(prior)[0]

    def _clip(self, wanted: Point) -> tuple[Point, bool]:
        """``clip_to_library``, asking the grid cells around the point first: a track there
        within COVERAGE_RADIUS settles it without measuring the distance to every track."""
        if math.isfinite(wanted.valence) and math.isfinite(wanted.energy):
            near = self.grid.near(wanted, 1)
            if near.size:
                dv = self.cat.valence[near] - wanted.valence
                de = self.cat.energy[near] - wanted.energy
                if math.sqrt(float((dv**2 + de**2).min())) <= COVERAGE_RADIUS:
                    return wanted, False
        return clip_to_library(wanted, self.cat)

    def _blocked(self, history: History, now: float) -> npt.NDArray[np.bool_]:
        """Banned, or started inside the no-repeat window (worked out per track with history)."""
        w = self.s.weights
        cols = history.columns(w)
        started = cols["started"] > 0
        tracks = history.tracks(w)
        last = np.full(tracks.shape[0], -np.inf, dtype=np.float64)
        np.maximum.at(last, history.slots(w)[started], cols["at"][started])
        blocked = np.zeros(self.cat.size, dtype=bool)
        blocked[tracks[last > now - self.repeat_window_s]] = True
        blocked[sorted(history.banned())] = True
        return blocked

    def _pool(
        self, path: list[Point]
    ) -> tuple[npt.NDArray[np.int64], dict[tuple[float, float], npt.NDArray[np.int64]]]:
        """The union of grid candidates near the path points (scored once per plan), and for
        each distinct point the positions of its own candidates in that union."""
        points = {_key(p): p for p in path}  # once the target is reached, points repeat
        near = {k: self.grid.near(p, self.s.candidates) for k, p in points.items()}
        if not near:
            return np.zeros(0, dtype=np.int64), {}
        found = np.sort(np.concatenate(list(near.values())))
        fresh = np.ones(found.shape[0], dtype=bool)
        np.not_equal(found[1:], found[:-1], out=fresh[1:])
        pool = found[fresh].astype(np.int64, copy=False)  # sorted, each track once
        self._rank[pool] = np.arange(pool.shape[0])
        return pool, {k: self._rank[v] for k, v in near.items()}

    def _score(
        self, point: Point, pool: npt.NDArray[np.int64],
        static: dict[str, npt.NDArray[np.float64]], pos: npt.NDArray[np.int64],
    ) -> _Scored:  # fmt: skip
        """The candidates near ``point`` (``pos`` indexes them in ``pool``), scored."""
        cand = pool[pos]
        dv = self.cat.valence[cand] - point.valence
        de = self.cat.energy[cand] - point.energy
        closeness = self.s.w_path * np.exp(-(dv * dv + de * de) / self.s.closeness_width**2)
        total = closeness + static["total"][pos]
        return _Scored(cand, self.cat.artist[cand], pos, closeness, total, static)

    def _choose(
        self, r: _Round, point: Point, scored: _Scored
    ) -> tuple[int, dict[str, float]] | None:
        """The best open track among the candidates near ``point``."""
        ok = ~r.blocked[scored.cand] & ~r.heard[scored.artist]
        if not ok.any():
            return self._choose_wider(r, point)
        return scored.best(ok)

    def _choose_wider(self, r: _Round, point: Point) -> tuple[int, dict[str, float]] | None:
        """Nothing open and spaced near the point: every open track, spaced ones first."""
        pool = self._spaced_anywhere(r)
        if pool.size == 0:  # only recently heard artists are left: spacing gives way
            pool = np.nonzero(~r.blocked)[0].astype(np.int64)
            if pool.size == 0:
                return None
        everything = np.arange(pool.size, dtype=np.int64)
        ok = np.ones(pool.size, dtype=bool)
        return self._score(point, pool, self._static(r, pool), everything).best(ok)

    def _spaced_anywhere(self, r: _Round) -> npt.NDArray[np.int64]:
        """Open tracks anywhere whose artist was not heard just now (a wider net)."""
        free = ~r.blocked & ~r.heard[self.cat.artist]
        return np.nonzero(free)[0].astype(np.int64)

    def _static(self, r: _Round, pool: npt.NDArray[np.int64]) -> dict[str, npt.NDArray[np.float64]]:
        """The score parts that do not depend on the path point, once per plan and pool."""
        s, cat, ev = self.s, self.cat, r.ev
        artist = cat.artist[pool]
        rows = ev.rows(pool)
        parts: dict[str, npt.NDArray[np.floating[Any]]] = {
            "track": s.w_track * np.tanh(ev.track[rows]),
            "artist": s.w_artist * np.tanh(0.5 * ev.artist[artist]),
            "explore": s.w_explore
            * (r.rng.beta(1 + ev.context_finished[rows], 1 + ev.context_skips[rows]) - 0.5),
            "guard": -s.w_guard * np.log1p(ev.plays[rows]),
        }
        if r.state.prefer_instrumental:
            prefer = cat.instrumentalness[pool] - cat.speechiness[pool] - 0.5
            parts["prefer"] = s.w_prefer * prefer
        out = {k: np.asarray(v, dtype=np.float64) for k, v in parts.items()}
        out["total"] = np.asarray(np.sum(list(out.values()), axis=0), dtype=np.float64)
        return out

    def _entry(
        self, r: _Round, index: int, point: Point, prev: Point, parts: dict[str, float]
    ) -> QueueEntry:
        reason = explain(self.cat, index, prev, r, parts)
        track_id = int(self.cat.track_ids[index])
        return QueueEntry(index, track_id, sum(parts.values()), parts, reason, point)


def _key(p: Point) -> tuple[float, float]:
    return (round(p.valence, 4), round(p.energy, 4))


def explain(cat: Catalogue, index: int, prev: Point, r: _Round, parts: dict[str, float]) -> str:
    """One sentence: the step on the mood plane, toward what, and what history says."""
    if "kept" in parts:
        return "already playing or prepared next; kept as it was"
    clauses = [f"{_step_words(prev, cat.point(index))} toward {_goal_words(r.state)}"]
    artist = int(cat.artist[index])
    plays, finished = int(r.ev.artist_plays[artist]), int(r.ev.artist_finished[artist])
    if plays:
        clauses.append(f"you finished {finished} of {plays} tracks by {cat.artist_name(index)}")
    elif r.ev.plays[r.ev.row(index)] == 0 and parts.get("explore", 0.0) > 0.05:
        clauses.append("something you have not heard here yet")
    if parts.get("prefer", 0.0) > 0.05:
        clauses.append("instrumental, to stay out of your way")
    if r.note and not r.noted:
        clauses.append(r.note)  # said once, on the first new entry
        r.noted = True
    sentence = "; ".join(clauses)
    return sentence[0].upper() + sentence[1:]


def _step_words(a: Point, b: Point) -> str:
    dv, de = b.valence - a.valence, b.energy - a.energy
    if math.hypot(dv, de) < 0.03:
        return "a steady step"
    if abs(de) >= abs(dv):
        return "a calmer step" if de < 0 else "a more energetic step"
    return "a darker step" if dv < 0 else "a brighter step"


def _goal_words(state: ListenerState) -> str:
    if state.wind_down:
        return "a quiet stop"
    if state.request:
        return f"the {state.request} you asked for"
    return {
        "night": "a calm night", "morning": "a bright morning", "afternoon": "your afternoon",
        "evening": "your evening wind-down",
    }.get(state.situation.part_of_day, "your usual mood")  # fmt: skip
