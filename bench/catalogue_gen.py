"""A generated library for the long-run bench: Zipf-skewed artist sizes, moods over the plane.

Artist sizes follow a discrete power law (P(size = s) ~ s^-2, at most 600): a few artists with
hundreds of tracks, most with one to three. Each artist has a mood centre, uniform over the
valence x energy plane, and its tracks scatter around it, so moods over the whole library are
roughly uniform while an artist stays recognisable. Instrumentalness is per artist (mostly
instrumental or mostly sung), speechiness small, durations 2-7 minutes.

``rescan`` appends tracks, as a rescan finding new files does: the old indices stay as they
were (``build_catalogue`` orders by track id and new files get new ids).
"""

from __future__ import annotations

import numpy as np

from recommend import Catalogue

MAX_ARTIST = 600
SPREAD = 0.12
"""How far an artist's tracks scatter around its mood centre (standard deviation)."""


def _sizes(n: int, rng: np.random.Generator) -> list[int]:
    s = np.arange(1, MAX_ARTIST + 1, dtype=np.float64)
    p = s**-2.0
    p /= p.sum()
    sizes: list[int] = []
    total = 0
    while total < n:
        size = min(int(rng.choice(s, p=p)), n - total)
        sizes.append(size)
        total += size
    return sizes


def _tracks(rng: np.random.Generator, artists: np.ndarray, centres: np.ndarray,
            sung: np.ndarray) -> dict[str, np.ndarray]:  # fmt: skip
    n = artists.size
    mood = np.clip(centres[artists] + rng.normal(0, SPREAD, (n, 2)), 0.0, 1.0)
    instrumental = np.where(sung[artists], rng.uniform(0, 0.3, n), rng.uniform(0.5, 1.0, n))
    return {
        "valence": mood[:, 0].astype(np.float32),
        "energy": mood[:, 1].astype(np.float32),
        "duration_s": rng.uniform(120, 420, n).astype(np.float32),
        "instrumentalness": instrumental.astype(np.float32),
        "speechiness": (rng.random(n) * 0.2).astype(np.float32),
    }


def generate(n: int = 20_000, seed: int = 3, added_at: float = 0.0) -> Catalogue:
    """``n`` tracks by Zipf-sized artists (artist 0 is not special: sizes are shuffled), all
    found by the library's first scan at ``added_at`` (Unix time)."""
    rng = np.random.default_rng(seed)
    sizes = _sizes(n, rng)
    artists = np.repeat(np.arange(len(sizes)), sizes)
    artists = artists[rng.permutation(n)]
    centres = rng.uniform(0.05, 0.95, (len(sizes), 2))
    sung = rng.random(len(sizes)) < 0.6
    cols = _tracks(rng, artists, centres, sung)
    return Catalogue(
        track_ids=np.arange(1, n + 1, dtype=np.int64),
        artist=artists.astype(np.int64),
        artist_names={a: f"Artist {a}" for a in range(len(sizes))},
        titles=[f"Track {i}" for i in range(1, n + 1)],
        added_at=np.full(n, added_at, dtype=np.float64),
        **cols,
    )


def rescan(cat: Catalogue, favour: list[int], n: int = 200, seed: int = 15,
           added_at: float = 0.0) -> Catalogue:  # fmt: skip
    """``cat`` plus ``n`` new tracks found by a rescan at ``added_at``: two each by the
    ``favour`` artists (while they last, at most half of ``n``), a quarter of the rest by other
    existing artists, the others by new artists with one to three tracks each. Moods follow
    each artist's existing centre."""
    rng = np.random.default_rng(seed)
    fav = [a for a in favour for _ in range(2)][: n // 2]
    rest = n - len(fav)
    existing = rng.integers(0, len(cat.artist_names), rest // 4).tolist()
    first_new = max(cat.artist_names) + 1
    fresh: list[int] = []
    while len(fresh) < rest - len(existing):
        fresh += [first_new + len(set(fresh))] * int(rng.integers(1, 4))
    artists = np.array(fav + existing + fresh[: rest - len(existing)], dtype=np.int64)
    count = max(int(artists.max()) + 1, first_new)
    centres = rng.uniform(0.05, 0.95, (count, 2))
    for a in set(fav + existing):
        rows = cat.artist == a
        centres[a] = (cat.valence[rows].mean(), cat.energy[rows].mean())
    sung = rng.random(count) < 0.6
    cols = _tracks(rng, artists, centres, sung)
    start = int(cat.track_ids.max()) + 1
    before = cat.added_at if cat.added_at.size else np.zeros(cat.size, dtype=np.float64)
    names = dict(cat.artist_names) | {a: f"Artist {a}" for a in range(first_new, count)}
    return Catalogue(
        track_ids=np.concatenate([cat.track_ids, np.arange(start, start + n, dtype=np.int64)]),
        artist=np.concatenate([cat.artist, artists]),
        artist_names=names,
        titles=cat.titles + [f"Track {i}" for i in range(start, start + n)],
        added_at=np.concatenate([before, np.full(n, added_at, dtype=np.float64)]),
        **{k: np.concatenate([getattr(cat, k), v]) for k, v in cols.items()},
    )
