"""Read-only views of the library for the CLI: counts, distributions, one track, the mood map."""

from __future__ import annotations

from typing import Any

import numpy as np

from library._store import Row, Store
from library._types import MULTI_SEPARATOR

DISTRIBUTED = (
    "valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness",
    "speechiness", "tempo_bpm", "loudness_lufs",
)  # fmt: skip


def stats(store: Store) -> dict[str, Any]:
    """Counts and per-attribute distributions (min, quartiles, max, mean) of present tracks."""
    count = store.query(
        "SELECT count(*) AS tracks, "
        "sum(missing_since IS NULL) AS present, sum(missing_since IS NOT NULL) AS missing, "
        "(SELECT count(*) FROM analysis a JOIN tracks t ON t.id = a.track_id "
        " WHERE t.missing_since IS NULL) AS analysed, "
        "(SELECT count(*) FROM scan_errors) AS errors, "
        "count(DISTINCT artist) AS artists, count(DISTINCT album) AS albums, "
        "coalesce(sum(CASE WHEN missing_since IS NULL THEN duration_s END), 0) AS seconds "
        "FROM tracks"
    )[0]
    rows = store.query(
        f"SELECT {', '.join('a.' + c for c in DISTRIBUTED)} FROM analysis a "
        "JOIN tracks t ON t.id = a.track_id WHERE t.missing_since IS NULL"
    )
    return {
        "tracks": count["tracks"],
        "present": count["present"] or 0,
        "analysed": count["analysed"],
        "missing": count["missing"] or 0,
        "errors": count["errors"],
        "artists": count["artists"],
        "albums": count["albums"],
        "hours": round(count["seconds"] / 3600, 2),
        "distributions": {c: _distribution([r[c] for r in rows]) for c in DISTRIBUTED},
    }


def _distribution(values: list[float | None]) -> dict[str, float] | None:
    data = np.array([v for v in values if v is not None], dtype=np.float64)
    if data.size == 0:
        return None
    q = np.quantile(data, [0.0, 0.25, 0.5, 0.75, 1.0])
    keys = ("min", "q1", "median", "q3", "max")
    return {"n": int(data.size), "mean": round(float(data.mean()), 4)} | {
        k: round(float(v), 4) for k, v in zip(keys, q, strict=True)
    }


_TRACK_SELECT = (
    "SELECT t.*, a.valence, a.energy, a.danceability, a.acousticness, a.instrumentalness, "
    "a.liveness, a.speechiness, a.tempo_bpm, a.loudness_lufs, a.model_name, a.model_version, "
    "a.excerpts, a.analysed_at FROM tracks t LEFT JOIN analysis a ON a.track_id = t.id "
)


def find_tracks(store: Store, query: str) -> list[dict[str, Any]]:
    """Tracks whose id equals ``query`` or whose path, title, album or any artist contains it."""
    if query.isdigit():
        rows = store.query(_TRACK_SELECT + "WHERE t.id = ?", (int(query),))
        if rows:
            return [_as_dict(r) for r in rows]
    like = f"%{query}%"
    rows = store.query(
        _TRACK_SELECT + "WHERE t.title LIKE ? OR t.artist LIKE ? OR t.artists LIKE ? "
        "OR t.album LIKE ? OR t.path LIKE ? ORDER BY (t.title LIKE ?) DESC, t.title, t.id",
        (like, like, like, like, like, query),
    )
    return [_as_dict(r) for r in rows]


def _as_dict(row: Row) -> dict[str, Any]:
    keys = row.keys()  # iterating a sqlite3.Row gives values, not keys
    out = {k: row[k] for k in keys if k not in ("fingerprint", "relink_pending")}
    out["missing"] = out.pop("missing_since") is not None
    return out


def mood_points(store: Store) -> list[dict[str, Any]]:
    """(id, title, artist, valence, energy) of every present, analysed track."""
    rows = store.query(
        "SELECT t.id, t.title, t.artist, a.valence, a.energy FROM tracks t "
        "JOIN analysis a ON a.track_id = t.id WHERE t.missing_since IS NULL ORDER BY t.title"
    )
    return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]


def errors(store: Store) -> list[dict[str, Any]]:
    rows = store.query("SELECT path, stage, reason, at FROM scan_errors ORDER BY path")
    return [dict(zip(r.keys(), tuple(r), strict=True)) for r in rows]


def library_names(store: Store) -> dict[str, list[str]]:
    """Artists (each value of a multi-artist track), albums and titles of present tracks: the
    names voice commands can say."""
    rows = store.query(
        "SELECT artist, artists, album, title FROM tracks WHERE missing_since IS NULL"
    )
    artists = {a for r in rows for a in (r["artists"] or r["artist"] or "").split(MULTI_SEPARATOR)}
    return {
        "artist": sorted(a for a in artists if a),
        "album": sorted({r["album"] for r in rows if r["album"]}),
        "title": sorted({r["title"] for r in rows if r["title"]}),
    }


def catalogue_rows(store: Store) -> list[Row]:
    """Every present, analysed track with what the recommender needs; ``adaptive`` is 0 for a
    silent or low-confidence (shorter than the model's window) one, which adaptive queues skip
    and albums and the user's own queue still play."""
    return store.query(
        "SELECT t.id, t.title, t.artist, t.duration_s, t.added_at, a.valence, a.energy, "
        "a.instrumentalness, a.speechiness, NOT (a.silent OR a.low_confidence) AS adaptive "
        "FROM tracks t JOIN analysis a ON a.track_id = t.id "
        "WHERE t.missing_since IS NULL ORDER BY t.id"
    )
