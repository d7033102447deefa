"""The analysed library as the live session needs it: arrays to plan with, files to play."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from library import MULTI_SEPARATOR, Store
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
    disc_number: int | None = None
    """Disc of a set, >= 1; None when the file gives none (MPD sorts those first)."""
    artists: tuple[str, ...] = ()
    """Every artist the file names (``artist`` is the first); MPD lists each."""
    genres: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class LiveLibrary:
    """The analysed library as the session needs it: arrays to plan, files to play."""

    catalogue: Catalogue
    tracks: dict[int, TrackInfo]


def track_infos(store: Store) -> dict[int, TrackInfo]:
    rows = store.query(
        "SELECT t.id, t.path, t.title, t.artist, t.artists, t.genres, t.album, t.album_artist, "
        "t.track_number, t.disc_number, t.date, t.rg_track_gain_db, t.mtime_ns, a.loudness_lufs "
        "FROM tracks t JOIN analysis a ON a.track_id = t.id WHERE t.missing_since IS NULL"
    )
    out = {}
    for r in rows:
        gain = gain_for(r["rg_track_gain_db"], r["loudness_lufs"])
        artist = r["artist"] or "unknown"
        out[r["id"]] = TrackInfo(
            Path(r["path"]), r["title"], artist, gain, r["album"] or "",
            _positive(r["track_number"]), r["album_artist"] or "", r["date"] or "",
            r["mtime_ns"] / 1e9, _positive(r["disc_number"]),
            _split(r["artists"]) or (artist,), _split(r["genres"]),
        )  # fmt: skip
    return out


def _positive(number: int | None) -> int | None:
    """A track or disc number; scans before schema 7 stored "-1" and "0" as given."""
    return number if number is not None and number >= 1 else None


def _split(joined: str | None) -> tuple[str, ...]:
    return tuple(v for v in (joined or "").split(MULTI_SEPARATOR) if v)
