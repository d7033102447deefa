"""Planning a queue: follow the mood path, score candidates, keep artists apart, explain each.

Per queue slot the grid yields a few hundred candidates near the path point; only they are
scored: closeness to the path point plus the parts of ``_scoring`` (affinity per track, artist
and mood region, wear from repeated plays, exploration, cold start). The day's mix (``_mix``)
decides per slot whether a favourite or a track new to the listener is taken, and caps each
artist's share of the day. Banned tracks, tracks played inside the no-repeat window and tracks
already queued are out; an artist heard within the last ``artist_spacing`` tracks is out too
unless nothing else is left. The history is read through running aggregates (``_aggregates``),
so a re-plan costs the same after three years of listening as after a day.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recommend._aggregates import DAY_S, Aggregates
from recommend._feedback import History, SignalWeights
from recommend._grid import MoodGrid
from recommend._mix import DayMix, MixSplit, mix_split
from recommend._path import (
    COVERAGE_RADIUS,
    PART_OF_DAY_PRIORS,
    WIND_DOWN_TARGET,
    clip_to_library,
    learned_prior,
    path_closeness,
    plan_path,
    request_path,
)
from recommend._reasons import Facts, explain, goal_words
from recommend._request import main_axis
from recommend._round import Round, Scored
from recommend._scoring import Weights, static_parts
from recommend._types import Catalogue, ListenerState, Plan, Point, QueueEntry

FIRST_SCAN_S = DAY_S
"""Tracks added within a day of the library's first track came with the first scan."""
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
    score: Weights = field(default_factory=Weights)
    """The other score parts (recommend._scoring)."""
    familiar_share: float = 0.25
    """Share of a day's plays (last 24 h) that are favourites heard before; the rest is new to
    the listener. 0: only new music; 1: only favourites (while there are any)."""
    favourite_rest: float = 2.0
    """A favourite rests (is not taken for a favourite's slot) while its decayed count of
    starts (half-life 30 days, ``recommend._aggregates.WEAR_HALF_LIFE_S``) is at least this:
    two plays this week, or three this month."""
    artist_share: float = 0.10
    """Most of a day's plays one artist takes, unless the listener's likes give it more."""
    wind_down_s: float = 1800.0
    weights: SignalWeights = field(default_factory=SignalWeights)


class Planner:
    def __init__(self, cat: Catalogue, settings: Settings | None = None) -> None:
        self.cat = cat
        self.s = settings or Settings()
        self.grid = MoodGrid(cat)
        self.n_artists = int(cat.artist.max()) + 1 if cat.size else 0
        self._agg: tuple[History, Aggregates] | None = None
        total_h = float(cat.duration_s.sum()) / 3600 if cat.size else 0.0
        self.repeat_window_s = 3600 * min(self.s.no_repeat_hours, 0.5 * total_h)
        self.added_at = later_additions(cat.added_at)

    def plan(
        self, state: ListenerState, history: History, n: int, seed: int,
        *, keep: list[int] | None = None, avoid: list[int] | None = None,
    ) -> Plan:  # fmt: skip
        """A queue of ``n`` entries; the indices in ``keep`` stay first, unchanged; those in
        ``avoid`` are never planned (kept ones still play)."""
        now = state.situation.timestamp
        target, note, axis = self._target(state, history)
        start = self._start(state, history, target)
        if self.cat.size == 0:
            return Plan([], [], start, target, note, "the library is empty: scan some music first")
        kept = list(keep or [])
        path = self._path(state, start, target, n, len(kept))
        agg = self._aggregates(history)
        session = history.recent(self.s.artist_spacing, now - SESSION_GAP_S)
        blocked = self._blocked(history, now)
        blocked[kept] = True
        blocked[list(avoid or [])] = True
        mix = DayMix.of(agg, now, self.s.familiar_share, self.s.artist_share, n)
        mix.track_days(agg)
        todo = path[len(kept) :]
        pool, near = self._pool(todo)
        known = agg.read(pool, state.situation.part_of_day, now)
        said = "; ".join(w for w in (self._jump_words(state, path, start, len(kept)), note) if w)
        r = Round(state, agg, known, mix, target, said, np.random.default_rng(seed), blocked,
                   session + kept)  # fmt: skip
        r.heard, r.axis = np.zeros(self.n_artists, dtype=bool), axis
        r.goal = goal_words(state.request, state.situation.part_of_day, state.wind_down)
        r.heard[self.cat.artist[r.recent]] = True
        static = self._static(r, pool, known)  # one Thompson sample per track per plan
        picks: list[tuple[int, Point, dict[str, float]]] = [(i, path[0], {"kept": 0.0})
                                                             for i in kept]  # fmt: skip
        for i in kept:
            mix.count(int(self.cat.artist[i]), bool(agg.plays_of(i)))
        scored: dict[Point, Scored] = {}  # points repeat once the target is reached
        for point in todo:
            if point not in scored:
                scored[point] = self._score(
                    point, pool, static, known, near[_key(point)], axis=axis
                )
            choice = self._choose(r, point, scored[point])
            if choice is None:
                break
            index, parts = choice
            picks.append((index, point, parts))
            r.push(index, self.cat.artist, self.s.artist_spacing)
            mix.count(int(self.cat.artist[index]), bool(agg.plays_of(index)))
        entries = self._entries(r, picks)  # reasons last: the history does not move meanwhile
        message = "" if entries else "every track is banned or was just played"
        return Plan(entries, path, start, target, note, message)

    def split(self, history: History, plan: Plan, now: float) -> MixSplit:
        """The plan's familiar/new split and the last 24 hours' (for ``--explain``)."""
        tracks = [e.index for e in plan.entries]
        return mix_split(self._aggregates(history), tracks, now, self.s.familiar_share)

    def _aggregates(self, history: History) -> Aggregates:
        """The running aggregates of this history, brought up to date with its new events
        (built from scratch once per history: at start-up, after a rescan)."""
        if (
            self._agg is None
            or self._agg[0] is not history
            or self._agg[1].seen > len(history.events)
        ):
            self._agg = (history, Aggregates(self.cat, self.s.weights))
            if history.fold is not None:
                self._agg[1].ingest_fold(history.fold, self.cat)
        self._agg[1].ingest(history.events)
        return self._agg[1]

    def _wind_down_slots(self) -> int:
        mean_s = float(self.cat.duration_s.mean()) or 240.0
        return max(1, round(self.s.wind_down_s / mean_s))

    def _path(self, state: ListenerState, start: Point, target: Point, n: int, kept: int
              ) -> list[Point]:  # fmt: skip
        """The mood path, one point per slot. An explicit request goes straight to its target
        (in two steps when the jump from a known voice mood is large: ``request_path``);
        targets from the voice, the clock and the wind-down follow the iso principle, in steps
        of at most ``max_step`` (the wind-down's spread over its half hour)."""
        if state.wind_down:
            slots = self._wind_down_slots()
            return plan_path(start, target, slots, max(0.02, start.distance(target) / slots))
        if state.target is not None and state.request:
            mood_known = state.now is not None and state.now_confidence > 0
            return request_path(start, target, n, kept, mood_known)
        return plan_path(start, target, n, self.s.max_step)

    def _jump_words(self, state: ListenerState, path: list[Point], start: Point, kept: int
                    ) -> str:  # fmt: skip
        """What the first re-planned track of an explicit request says when the request moves
        the queue farther than one ordinary step: straight there, or half way first."""
        if state.wind_down or not state.request or kept >= len(path):
            return ""
        if start.distance(path[-1]) <= self.s.max_step:
            return ""
        goal = goal_words(state.request, state.situation.part_of_day, False)
        if path[kept] == path[-1]:
            return f"straight to {goal}"
        return f"half way from your mood to {goal}, there with the next track"

    def _target(self, state: ListenerState, history: History) -> tuple[Point, str, str]:
        """The target brought into the library, a note when it moved, and its main axis (the
        request's, else the one the wanted point leans on)."""
        if state.wind_down:
            wanted = WIND_DOWN_TARGET
        elif state.target is not None:
            wanted = state.target
        else:
            part = state.situation.part_of_day
            default = PART_OF_DAY_PRIORS.get(part, Point(0.5, 0.5))
            wanted = learned_prior(default, self._prior_evidence(history, part))
        axis = state.axis if state.target is not None and not state.wind_down else ""
        axis = axis or main_axis(wanted)
        target, clipped = self._clip(wanted, axis)
        note = ""
        if clipped:
            what = f"'{state.request}'" if state.request else "that mood"
            note = f"the library has nothing nearer to {what}"
        return target, note, axis

    def _prior_evidence(self, history: History, part: str) -> list[tuple[Point, float]]:
        """What the listener finished (+1) or skipped early (-0.5) at this part of day, folded
        into at most two weighted points by the running aggregates (no walk over the events)."""
        return self._aggregates(history).prior_evidence(part)

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
        return self._clip(prior, main_axis(prior))[0]

    def _clip(self, wanted: Point, axis: str = "") -> tuple[Point, bool]:
        """``clip_to_library`` (keeping the main ``axis``), asking the grid cells around the point
        first: a track there within COVERAGE_RADIUS settles it without measuring the distance to
        every track. The point's own cell (a tenth of those tracks, each nearer than the radius
        unless the point lies outside [0, 1]) is asked before the ring around it."""
        if math.isfinite(wanted.valence) and math.isfinite(wanted.energy):
            for near in (self.grid.cell(wanted), self.grid.near(wanted, 1)):
                if near.size and self._covers(near, wanted):
                    return wanted, False
        return clip_to_library(wanted, self.cat, axis)

    def _covers(self, near: npt.NDArray[np.int64], wanted: Point) -> bool:
        dv = self.cat.valence[near] - wanted.valence
        de = self.cat.energy[near] - wanted.energy
        return math.sqrt(float((dv**2 + de**2).min())) <= COVERAGE_RADIUS

    def _blocked(self, history: History, now: float) -> npt.NDArray[np.bool_]:
        """Banned, started inside the no-repeat window (only that tail of the history), or not
        for adaptive queues (silent, or too short for a trustworthy mood)."""
        agg = self._aggregates(history)
        blocked = np.zeros(self.cat.size, dtype=bool)
        if self.cat.adaptive.size:
            blocked |= ~self.cat.adaptive
        blocked[agg.recent_starts(now - self.repeat_window_s)[0]] = True
        blocked[sorted(agg.banned)] = True
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
        # A binary search in the small sorted pool, not a scatter into a library-sized array:
        # the re-plan's time goes mostly to memory it has to fetch (issue 12).
        return pool, {k: np.searchsorted(pool, v).astype(np.int64) for k, v in near.items()}

    def _score(
        self, point: Point, pool: npt.NDArray[np.int64],
        static: dict[str, npt.NDArray[np.float64]], known: dict[str, npt.NDArray[np.float64]],
        pos: npt.NDArray[np.int64], *, axis: str = "",
    ) -> Scored:  # fmt: skip
        """The candidates near ``point`` (``pos`` indexes them in ``pool``), scored; far from
        the point, distance on the main ``axis`` counts most (``path_closeness``). ``static``
        and ``known`` are indexed like ``pool``."""
        cand = pool[pos]
        dv = self.cat.valence[cand] - point.valence
        de = self.cat.energy[cand] - point.energy
        closeness = self.s.w_path * path_closeness(dv, de, self.s.closeness_width, axis)
        total = closeness + static["total"][pos]
        plays = known["plays"][pos]
        rested = known["wear"][pos] < self.s.favourite_rest
        familiar = (plays > 0) & (known["value"][pos] > 0) & rested
        return Scored(cand, self.cat.artist[cand], pos, closeness, total, static, familiar,
                       plays == 0)  # fmt: skip

    def _choose(
        self, r: Round, point: Point, scored: Scored
    ) -> tuple[int, dict[str, float]] | None:
        """The best open track near ``point`` of the kind the day's mix wants (a favourite or
        one new to the listener); else of either kind; spacing and the artist cap hold unless
        nothing near is left (then ``_choose_wider``). This runs once per slot on a few hundred
        candidates, so it keeps to a few whole-array steps (issue 12: the re-plan's budget)."""
        assert r.mix.days is not None  # plan() asked the mix to track the artists' days
        blocked = r.blocked[scored.cand]
        shut = blocked | r.heard[scored.artist]
        ok = np.greater(r.mix.days.open(scored.artist, r.mix.day()), shut)  # open and not shut
        if not np.count_nonzero(ok):
            ok = ~shut
            if not np.count_nonzero(ok):
                return self._choose_wider(r, point)
        pick = ok & (scored.familiar if r.mix.wants_familiar() else scored.new)
        if not np.count_nonzero(pick):  # no rested favourite near: new music, else anything
            pick = ok & scored.new
        index, parts = scored.best(pick if np.count_nonzero(pick) else ok)
        closer = scored.closeness > parts["path"]
        n_closer = np.count_nonzero(closer) - np.count_nonzero(closer & blocked)  # open ones
        r.why[index] = (not n_closer, int(n_closer - np.count_nonzero(closer & ok)))
        return index, parts

    def _choose_wider(self, r: Round, point: Point) -> tuple[int, dict[str, float]] | None:
        """Nothing open and spaced near the point: every open track, spaced ones first."""
        pool = self._spaced_anywhere(r)
        if pool.size == 0:  # only recently heard artists are left: spacing gives way
            pool = np.nonzero(~r.blocked)[0].astype(np.int64)
            if pool.size == 0:
                return None
        everything = np.arange(pool.size, dtype=np.int64)
        ok = np.ones(pool.size, dtype=bool)
        known = r.agg.read(pool, r.state.situation.part_of_day, r.state.situation.timestamp)
        static = self._static(r, pool, known)
        return self._score(point, pool, static, known, everything, axis=r.axis).best(ok)

    def _spaced_anywhere(self, r: Round) -> npt.NDArray[np.int64]:
        """Open tracks anywhere whose artist was not heard just now (a wider net)."""
        free = ~r.blocked & ~r.heard[self.cat.artist]
        return np.nonzero(free)[0].astype(np.int64)

    def _static(
        self, r: Round, pool: npt.NDArray[np.int64], known: dict[str, npt.NDArray[np.float64]]
    ) -> dict[str, npt.NDArray[np.float64]]:
        """The score parts that do not depend on the path point, once per plan and pool
        (``known``: the aggregates read for that pool)."""
        added = None
        if self.cat.added_at.size:
            added = r.state.situation.timestamp - self.added_at[pool]
        prefer = None
        if r.state.prefer_instrumental:
            prefer = self.cat.instrumentalness[pool] - self.cat.speechiness[pool] - 0.5
        return static_parts(self.s.score, known, r.rng, added_age_s=added, prefer=prefer)

    def _entries(self, r: Round, picks: list[tuple[int, Point, dict[str, float]]]
                 ) -> list[QueueEntry]:  # fmt: skip
        """The queue entries of the picks (index, path point, score parts), each with its
        reason; the target note is said once, on the first new entry."""
        out = []
        ids = self.cat.track_ids[[i for i, _, _ in picks]].tolist()
        for (index, point, parts), facts, track_id in zip(
            picks, self.facts(r, [i for i, _, _ in picks]), ids, strict=True
        ):
            note = "" if r.noted or "kept" in parts else r.note
            r.noted = r.noted or bool(note)
            reason = explain(facts, parts, note)
            out.append(QueueEntry(index, track_id, sum(parts.values()), parts, reason, point))
        return out

    def facts(self, r: Round, indices: list[int]) -> list[Facts]:
        """What the history says about these tracks now, for their reasons (read for all of
        them at once: a handful of gathers instead of a dozen lookups per entry)."""
        agg, at = r.agg, np.asarray(indices, dtype=np.int64)
        rows = agg.slot[at]
        known = rows >= 0
        where = np.where(known, rows, 0)

        def per_track(values: npt.NDArray[np.float64]) -> list[float]:
            got = values[where] if values.size else np.zeros(at.shape[0])
            return [float(v) for v in np.where(known, got, 0.0).tolist()]

        plays, finished, last = per_track(agg.plays), per_track(agg.finished), per_track(agg.last)
        artists = self.cat.artist[at]
        a_plays = agg.artist_plays[artists].tolist()
        a_finished = agg.artist_finished[artists].tolist()
        a_tracks = agg.artist_tracks[artists].tolist()
        added: list[float | None] = [None] * at.shape[0]
        if self.cat.added_at.size:
            ages = r.state.situation.timestamp - self.added_at[at]
            added = [a if a <= self.s.score.new_days * DAY_S else None for a in ages.tolist()]
        state = r.state
        goal = r.goal or goal_words(state.request, state.situation.part_of_day, state.wind_down)
        out = []
        for k, index in enumerate(indices):
            nearest, passed = r.why.get(index, (False, 0))
            out.append(Facts(
                plays=int(plays[k]), finished=int(finished[k]), last_at=last[k],
                artist=self.cat.artist_name(index), artist_plays=int(a_plays[k]),
                artist_finished=int(a_finished[k]), artist_tracks=int(a_tracks[k]),
                added_age_s=added[k], goal=goal, nearest=nearest, passed=passed,
            ))  # fmt: skip
        return out


def later_additions(added_at: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """When each track was added (Unix s), or -inf for the library as first scanned: tracks
    added within ``FIRST_SCAN_S`` of the earliest are the library the listener came with, not
    "new in your library" (a first scan would otherwise make every track new for two weeks)."""
    if not added_at.size:
        return added_at
    added = added_at.astype(np.float64)
    return np.where(added >= added.min() + FIRST_SCAN_S, added, -np.inf)


def _key(p: Point) -> tuple[float, float]:
    return (round(p.valence, 4), round(p.energy, 4))
