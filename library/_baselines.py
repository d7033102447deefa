"""Voice baselines in the store: the running statistics of each profile's voice features."""

from __future__ import annotations

import time

import numpy as np

from library._store import Store
from mood import Baseline


def load_baseline(store: Store, profile: str, size: int) -> Baseline:
    rows = store.query("SELECT n, mean, m2 FROM voice_baselines WHERE profile = ?", (profile,))
    if not rows:
        return Baseline(size=size)
    mean = np.frombuffer(rows[0]["mean"], dtype=np.float64).copy()
    m2 = np.frombuffer(rows[0]["m2"], dtype=np.float64).copy()
    if mean.shape != (size,):
        return Baseline(size=size)  # a different feature set: start again
    return Baseline(int(rows[0]["n"]), mean, m2)


def save_baseline(store: Store, profile: str, baseline: Baseline) -> None:
    with store.transaction():
        store.execute(
            "INSERT OR REPLACE INTO voice_baselines VALUES (?, ?, ?, ?, ?)",
            (profile, baseline.n, baseline.mean.astype(np.float64).tobytes(),
             baseline.m2.astype(np.float64).tobytes(), time.time()),
        )  # fmt: skip
