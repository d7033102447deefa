"""Evaluation: simulated listeners (bench/listeners.py) against moodplay and two baselines.

Baselines get the same ban and no-repeat filters: uniform shuffle, and nearest-mood (always the
open track nearest the target point: the request, else the part-of-day prior). moodplay gets
what the product has: the listener's mood from their voice (their hidden state plus noise), the
request, the time of day, and the feedback of earlier sessions. Printed per catalogue and
population: skip rate, tracks until within 0.15 of the reachable target (and how often within
ceil(distance / max step) + 1), back-to-back artists where another artist was possible, and
catalogue coverage.

    .venv/bin/python bench/simulate.py [--db LIBRARY.db] [--tracks 100000] [--quick]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.listeners import PARTS, POPULATIONS, Listener, Offer, population
from recommend import (
    PART_OF_DAY_PRIORS,
    Catalogue,
    Feedback,
    History,
    ListenerState,
    Planner,
    Point,
    Situation,
)
from tests.recommend.catalogues import random_catalogue

REQUESTS = {"calm": (0.6, 0.2), "happy": (0.85, 0.65), "energetic": (0.65, 0.9),
            "sad": (0.2, 0.25), "dark": (0.15, 0.55), None: None}  # fmt: skip
HOUR_OF = {"night": 23, "morning": 8, "afternoon": 14, "evening": 19}
DAY0 = 1_795_000_000.0
MAX_STEP = 0.15


@dataclass
class Tally:
    tracks: int = 0
    skips: int = 0
    b2b: int = 0
    b2b_possible: int = 0
    reach: list[int] = field(default_factory=list)
    within_bound: int = 0
    requests: int = 0
    heard: set[int] = field(default_factory=set)


class Policy:
    def __init__(self, name: str, cat: Catalogue, seed: int) -> None:
        self.name, self.cat = name, cat
        self.planner = Planner(cat)
        self.rng = np.random.default_rng(seed)

    def pick(self, history: History, state: ListenerState, target: Point, now: float) -> int | None:
        if self.name == "moodplay":
            plan = self.planner.plan(state, history, 3, seed=int(self.rng.integers(1 << 30)))
            return plan.entries[0].index if plan.entries else None
        blocked = self.planner._blocked(history, now)  # the same ban and no-repeat filters
        open_ = np.nonzero(~blocked)[0]
        if open_.size == 0:
            return None
        if self.name == "shuffle":
            return int(self.rng.choice(open_))
        d = np.hypot(
            self.cat.valence[open_] - target.valence, self.cat.energy[open_] - target.energy
        )
        return int(open_[int(np.argmin(d))])


@dataclass(frozen=True)
class Run:
    """One evaluation: a population over a catalogue with one policy."""

    listeners: int
    sessions: int
    length: int
    seed: int


def session(policy: Policy, listener: Listener, history: History, tally: Tally, s: int,
            *, rng: np.random.Generator, length: int) -> None:  # fmt: skip
    part = PARTS[s % 4]
    now = DAY0 + s * 86_400 / 2 + HOUR_OF[part] * 3600
    listener.start_session(part, rng)
    # Half the sessions start with a spoken request: the mood word nearest what the listener
    # wants right now (people ask for what they want, not for a random mood).
    word = _nearest_word(listener.wants[part]) if rng.random() < 0.5 else None
    wanted = REQUESTS[word]
    target = Point(*wanted) if wanted else PART_OF_DAY_PRIORS[part]
    cat = policy.cat
    reachable = _nearest_point(cat, target)
    start = Point(*listener.state)
    bound = math.ceil(start.distance(reachable) / MAX_STEP) + 1
    prev: tuple[float, float] | None = None
    prev_artist, reached = -1, None
    for k in range(length):
        voice = Point(float(np.clip(listener.state[0] + rng.normal(0, 0.05), 0, 1)),
                      float(np.clip(listener.state[1] + rng.normal(0, 0.05), 0, 1)))  # fmt: skip
        # The voice mood is heard when the listener speaks (the request, at the start); later
        # re-plans start from the tracks just played, as in the product.
        state = ListenerState(Situation(now, part), now=voice if k == 0 else None,
                              now_confidence=0.5, target=Point(*wanted) if wanted else None,
                              request=word)  # fmt: skip
        index = policy.pick(history, state, target, now)
        if index is None:
            break
        point = (float(cat.valence[index]), float(cat.energy[index]))
        artist = int(cat.artist[index])
        duration = float(cat.duration_s[index])
        listened = listener.react(Offer(index, point, artist, prev, part, now, duration), rng)
        kind = "played" if listened >= duration else "skipped"
        history.add(Feedback(index, kind, now, part, listened, duration))
        tally.tracks += 1
        tally.skips += kind == "skipped"
        tally.heard.add(index)
        if artist == prev_artist and _other_artist_open(policy, history, artist, now):
            tally.b2b += 1
        if (
            wanted
            and reached is None
            and math.dist(point, (reachable.valence, reachable.energy)) <= 0.15
        ):
            reached = k + 1
        prev, prev_artist = point, artist
        now += listened + 2
    if wanted:
        tally.requests += 1
        tally.reach.append(reached if reached is not None else length + 1)
        tally.within_bound += reached is not None and reached <= bound


def _nearest_word(point: tuple[float, float]) -> str | None:
    words = [w for w in REQUESTS if w is not None]
    return min(words, key=lambda w: math.dist(point, REQUESTS[w] or (0.0, 0.0)))


def _other_artist_open(policy: Policy, history: History, artist: int, now: float) -> bool:
    """Whether a track by another artist was open (not banned, not played too recently)."""
    open_ = ~policy.planner._blocked(history, now)
    return bool((open_ & (policy.cat.artist != artist)).any())


def _nearest_point(cat: Catalogue, p: Point) -> Point:
    i = int(np.argmin(np.hypot(cat.valence - p.valence, cat.energy - p.energy)))
    return cat.point(i)


def evaluate(cat: Catalogue, kind: str, policy_name: str, run: Run) -> dict[str, Any]:
    tally = Tally()
    artists = int(cat.artist.max()) + 1
    people = population(kind, run.listeners, artists, run.seed)
    rng = np.random.default_rng(run.seed + 1)
    for person in people:
        policy = Policy(policy_name, cat, run.seed + 2)
        history = History()
        for s in range(run.sessions):
            session(policy, person, history, tally, s, rng=rng, length=run.length)
    return {
        "skip_pct": round(100 * tally.skips / max(1, tally.tracks), 1),
        "to_target": round(float(np.mean(tally.reach)), 2) if tally.reach else None,
        "within_bound_pct": round(100 * tally.within_bound / max(1, tally.requests), 1),
        "b2b_artists": tally.b2b,
        "coverage_pct": round(100 * len(tally.heard) / cat.size, 2),
    }


def load_real(db: Path | None) -> Catalogue:
    from library import Store
    from moodplay._queue_cli import build_catalogue

    if db is None:
        db = Path(tempfile.mkdtemp()) / "library.db"
        subprocess.run([sys.executable, "-m", "moodplay", "scan", "--plain", "--no-map",
                        "--db", str(db), "/usr/share/games/singularity/music"],
                       check=True, capture_output=True)  # fmt: skip
    with Store(db) as store:
        return build_catalogue(store)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="an analysed library (default: scan the demo)")
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--artists", type=int, default=5_000)
    parser.add_argument("--quick", action="store_true", help="fewer listeners and sessions")
    args = parser.parse_args()
    run = Run(6, 4, 10, 11) if args.quick else Run(20, 8, 15, 11)
    generated = random_catalogue(args.tracks, args.artists, 7)
    catalogues = {"singularity (real, 16 tracks)": load_real(args.db),
                  f"generated ({args.tracks} tracks)": generated}  # fmt: skip
    print(f"{run.listeners} listeners x {run.sessions} sessions x {run.length} tracks each")
    header = f"{'catalogue / population':<46}{'policy':<10}{'skip %':>8}{'to target':>10}" \
             f"{'in bound %':>11}{'b2b':>5}{'cover %':>9}"  # fmt: skip
    print(header)
    for cat_name, cat in catalogues.items():
        for kind in POPULATIONS:
            for policy in ("moodplay", "shuffle", "nearest"):
                r = evaluate(cat, kind, policy, run)
                print(f"{cat_name + ' / ' + kind:<46}{policy:<10}{r['skip_pct']:>8}"
                      f"{r['to_target']!s:>10}{r['within_bound_pct']:>11}{r['b2b_artists']:>5}"
                      f"{r['coverage_pct']:>9}", flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
