"""The eight mood buttons on the demo library (issue 12, item 6): a dark, quiet library of 16
tracks. Each word keeps its meaning (its main axis first) and gives a queue of its own,
planned through ``moodplay queue``'s code path."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from moodplay import Config
from moodplay._queue_cli import plan_queue

WORDS = ("calm", "happy", "energetic", "sad", "relaxing", "focused", "upbeat", "dark")


def queues(db: Path) -> tuple[dict[str, list[int]], np.ndarray, np.ndarray, dict[str, bool]]:
    """Per word: the first five track indices; the library's energy and valence; whether the
    queue carried the instrumental preference."""
    out, prefer = {}, {}
    for word in WORDS:
        args = argparse.Namespace(db=str(db), at="20:00", mood=word, n=5, seed=0)
        plan, cat = plan_queue(Config(), args)[:2]
        out[word] = [e.index for e in plan.entries]
        prefer[word] = all("prefer" in e.parts for e in plan.entries)
    return out, np.asarray(cat.energy), np.asarray(cat.valence), prefer


def test_eight_buttons_eight_queues_each_word_on_its_axis(scanned_db: Path) -> None:
    q, energy, valence, prefer = queues(scanned_db)
    assert len(energy) == 16 and float(valence.max()) < 0.6  # the demo library is dark
    assert len({tuple(v) for v in q.values()}) == 8
    rank = {int(i): r for r, i in enumerate(np.argsort(energy))}  # 0: the quietest
    for word in ("calm", "relaxing"):  # low energy first: the library's quietest tracks
        ranks = [rank[i] for i in q[word]]
        assert ranks[0] < 6 and max(ranks) < 8, (word, ranks)
    assert rank[q["energetic"][0]] >= 13  # one of the three most energetic
    mean_v = {w: float(valence[q[w]].mean()) for w in WORDS}
    assert max(mean_v["sad"], mean_v["dark"]) < min(mean_v["happy"], mean_v["upbeat"])
    assert prefer["focused"] and not prefer["calm"]
