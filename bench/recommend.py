"""Benchmark: re-planning a 20-track queue over a 100,000-track catalogue.

Prints p50/p95 of a full re-plan (two tracks kept, 18 re-planned) with a realistic history,
the memory held for the track features, and the ratio of a re-plan to the memory-bandwidth
floor (one pass over the feature matrix, measured as a numpy sum over it).

    .venv/bin/python bench/recommend.py [--tracks 100000] [--artists 5000] [--runs 200]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from recommend import Feedback, History, ListenerState, Planner, Point, Situation
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=100_000)
    parser.add_argument("--artists", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=2_000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
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
