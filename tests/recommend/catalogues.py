"""Catalogues for recommender tests: random ones and the shapes that break naive code."""

from __future__ import annotations

import numpy as np

from recommend import Catalogue


def random_catalogue(n: int, artists: int, seed: int = 0) -> Catalogue:
    rng = np.random.default_rng(seed)
    return Catalogue(
        track_ids=np.arange(1, n + 1, dtype=np.int64),
        valence=rng.random(n, dtype=np.float32),
        energy=rng.random(n, dtype=np.float32),
        artist=rng.integers(0, max(1, artists), n).astype(np.int64),
        duration_s=rng.uniform(120, 360, n).astype(np.float32),
        instrumentalness=rng.random(n, dtype=np.float32),
        speechiness=rng.random(n, dtype=np.float32) * 0.3,
        artist_names={a: f"Artist {a}" for a in range(max(1, artists))},
        titles=[f"Track {i}" for i in range(1, n + 1)],
    )
