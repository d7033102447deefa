"""Benchmark: re-planning a 20-track queue over a 100,000-track catalogue.

Prints p50/p95 of a full re-plan (two tracks kept, 18 re-planned) with a realistic history,
the memory held for the track features, and the ratio of a re-plan to the memory-bandwidth
floor (one pass over the feature matrix, measured as a numpy sum over it).

    .venv/bin/python bench/recommend.py [--tracks 100000] [--artists 5000] [--runs 200]
    .venv/bin/python bench/recommend.py --long   # 100k tracks x 100k events (~3 years)

``--long`` also times, in the same run, the old way of reading the history that every re-plan
did before issue 12 (``summarise`` over every event, the part-of-day prior walked event by
event, the no-repeat window over every event): the new re-plan reads running aggregates.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommend import (
    Catalogue,
    Feedback,
    History,
    ListenerState,
    Planner,
    Point,
    SignalWeights,
    Situation,
    fold_history,
)
from recommend._feedback import signal, summarise
from tests.recommend.catalogues import random_catalogue

NOW = 1_795_600_000.0


def history(n_tracks: int, events: int, seed: int) -> History:
    rng = np.random.default_rng(seed)
    kinds = ["played"] * 6 + ["skipped"] * 3 + ["liked"]
    h = History()
    for k in range(events):
        at = NOW - (events - k) * 200.0
        kind = kinds[int(rng.integers(len(kinds)))]
        part = ("night", "morning", "afternoon", "evening")[int(at // 21600) % 4]
        h.add(Feedback(int(rng.integers(n_tracks)), kind, at, part,
                       float(rng.uniform(0, 300)), 300.0))  # fmt: skip
    return h


def old_history_read(planner: Planner, h: History, now: float) -> None:
    """What a re-plan without a request read before issue 12: O(events) each time."""
    cat, w = planner.cat, planner.s.weights
    summarise(h, cat, "evening", now, w, n_artists=planner.n_artists)
    prior = []
    for fb in h.events:  # the old _prior_evidence
        if fb.part_of_day != "evening" or fb.kind not in ("played", "skipped"):
            continue
        value = signal(fb, w)[0]
        weight = 1.0 if value > 0 else (-0.5 if value <= w.late_skip else 0.0)
        if weight:
            prior.append((cat.point(fb.index), weight))
    cols = h.columns(w)  # the old _blocked
    started = cols["started"] > 0
    last = np.full(h.tracks(w).shape[0], -np.inf)
    np.maximum.at(last, h.slots(w)[started], cols["at"][started])


def long_run(runs: int) -> None:
    """100k tracks x 100k events: re-plan p50/p95 after feedback, new and old history reads."""
    cat = random_catalogue(100_000, 5_000, 0)
    h = history(cat.size, 100_000, 1)
    planner = Planner(cat)
    t = time.perf_counter()
    planner.plan(ListenerState(Situation(NOW, "evening")), h, 20, seed=0)
    first_s = time.perf_counter() - t

    def replan(run: int) -> float:
        at = NOW + 240.0 * (run + 1)
        h.add(Feedback(run * 7, "played", at, "evening", 240.0, 240.0))
        state = ListenerState(Situation(at, "evening"))
        t = time.perf_counter()
        planner.plan(state, h, 20, seed=run, keep=[run])
        return (time.perf_counter() - t) * 1000

    def old_read(run: int) -> float:
        t = time.perf_counter()
        old_history_read(planner, h, NOW + 240.0 * (run + 1))
        return (time.perf_counter() - t) * 1000

    # Re-plans back to back (the daemon's usual case: a skip, then another), then each right
    # after the old read of every event, which leaves the CPU caches cold (a pessimistic case).
    block = [replan(run) for run in range(runs)]
    cold, old = [], []
    for run in range(runs, 2 * runs):
        old.append(old_read(run))
        cold.append(replan(run))
    b50, b95 = np.percentile(block, [50, 95])
    n50, n95 = np.percentile(cold, [50, 95])
    o50, o95 = np.percentile(old, [50, 95])
    print(f"100000 tracks, 100000 history events; aggregates built once in {first_s:.2f} s")
    print(
        f"re-plan after feedback, back to back:    p50 {b50:.2f} ms, p95 {b95:.2f} ms ({runs} runs)"
    )
    print(f"re-plan after feedback, caches cold:     p50 {n50:.2f} ms, p95 {n95:.2f} ms "
          "(each right after the old read)")  # fmt: skip
    print(f"old history read alone (every event):   p50 {o50:.2f} ms, p95 {o95:.2f} ms")
    start_up(cat, h)


def start_up(cat: Catalogue, h: History) -> None:
    """Start-up side by side: aggregates from every event vs from the stored fold of the events
    older than 60 days (moodplay/_history_fold.py) plus the rest."""
    from moodplay._history_fold import FOLD_AFTER_S, fold_from_bytes, fold_to_bytes

    w = SignalWeights()
    t = time.perf_counter()
    Planner(cat)._aggregates(h)
    every_s = time.perf_counter() - t
    cut = max(fb.at for fb in h.events) - FOLD_AFTER_S
    old = [(int(cat.track_ids[fb.index]), fb) for fb in h.events if fb.at < cut]
    t = time.perf_counter()
    blob = fold_to_bytes(fold_history(old, cut, w))
    made_s = time.perf_counter() - t
    recent = [fb for fb in h.events if fb.at >= cut]
    t = time.perf_counter()
    Planner(cat)._aggregates(History(recent, fold=fold_from_bytes(blob)))
    fold_s = time.perf_counter() - t
    print(f"start-up aggregates: every event {every_s:.2f} s; fold + {len(recent)} recent events "
          f"{fold_s:.2f} s ({every_s / fold_s:.1f}x; the fold of {len(old)} events made once in "
          f"{made_s:.2f} s, {len(blob) / 1e6:.1f} MB stored)")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--artists", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--long", action="store_true", help="100k tracks x 100k events")
    args = parser.parse_args()
    if args.long:
        long_run(args.runs)
        return
    cat = random_catalogue(args.tracks, args.artists, 0)
    feature_bytes = sum(getattr(cat, f).nbytes for f in (
        "track_ids", "valence", "energy", "artist", "duration_s", "instrumentalness",
        "speechiness"))  # fmt: skip
    t = time.perf_counter()
    planner = Planner(cat)
    build_ms = (time.perf_counter() - t) * 1000
    h = history(args.tracks, args.events, 1)
    first = planner.plan(ListenerState(Situation(NOW, "evening")), h, 20, seed=0)
    keep = [e.index for e in first.entries[:2]]
    times, after_feedback = [], []
    for run in range(args.runs):
        target = Point(float(run % 10) / 10, 1 - float(run % 7) / 7)
        state = ListenerState(Situation(NOW, "evening"), target=target, request="bench")
        t = time.perf_counter()
        planner.plan(state, h, 20, seed=run, keep=keep)  # after a request: same history
        times.append((time.perf_counter() - t) * 1000)
        h.add(Feedback(run, "skipped", NOW + run, "evening", 12.0, 240.0))
        t = time.perf_counter()
        planner.plan(state, h, 20, seed=run, keep=keep)  # after feedback: evidence recomputed
        after_feedback.append((time.perf_counter() - t) * 1000)
    matrix = np.stack([cat.valence, cat.energy, cat.duration_s, cat.instrumentalness,
                       cat.speechiness])  # fmt: skip
    floor = []
    for _ in range(50):
        t = time.perf_counter()
        float(matrix.sum())
        floor.append((time.perf_counter() - t) * 1000)
    p50, p95 = np.percentile(times, [50, 95])
    f50, f95 = np.percentile(after_feedback, [50, 95])
    floor_ms = float(np.median(floor))
    print(f"{args.tracks} tracks, {args.artists} artists, {args.events} history events")
    print(f"planner set-up (grid): {build_ms:.1f} ms; features held: {feature_bytes / 1e6:.1f} MB")
    print(
        f"re-plan 18 of 20 after a request: p50 {p50:.2f} ms, p95 {p95:.2f} ms ({args.runs} runs)"
    )
    print(f"re-plan 18 of 20 after feedback: p50 {f50:.2f} ms, p95 {f95:.2f} ms")
    print(
        f"one pass over the feature matrix: {floor_ms:.3f} ms; p50 / floor = {p50 / floor_ms:.0f}x"
    )


if __name__ == "__main__":
    main()
