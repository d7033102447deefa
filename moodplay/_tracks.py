"""The analysed library as the live session needs it: arrays to plan with, files to play."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from library import Store
from player import gain_for
from recommend import Catalogue


@dataclasses.dataclass(frozen=True)
class TrackInfo:
    path: Path
    title: str
    artist: str
    gain_db: float
    album: str = ""
    track_number: int | None = None
    album_artist: str = ""
    date: str = ""
    modified_s: float = 0.0
    """The file's modification time (Unix seconds), as the last scan saw it."""


@dataclasses.dataclass(frozen=True)
class LiveLibrary:
    """The analysed library as the session needs it: arrays to plan, files to play."""

    catalogue: Catalogue
    tracks: dict[int, TrackInfo]


def track_infos(store: Store) -> dict[int, TrackInfo]:
    rows = store.query(
        "SELECT t.id, t.path, t.title, t.artist, t.album, t.album_artist, t.track_number, t.date, "
        "t.rg_track_gain_db, t.mtime_ns, a.loudness_lufs "
        "FROM tracks t JOIN analysis a ON a.track_id = t.id WHERE t.missing_since IS NULL"
    )
    out = {}
    for r in rows:
        gain = gain_for(r["rg_track_gain_db"], r["loudness_lufs"])
        artist = r["artist"] or "unknown"
        out[r["id"]] = TrackInfo(
            Path(r["path"]), r["title"], artist, gain, r["album"] or "", r["track_number"],
            r["album_artist"] or "", r["date"] or "", r["mtime_ns"] / 1e9,
        )  # fmt: skip
    return out
