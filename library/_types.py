"""Types library/ produces for the other rooms, and its errors."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from mood import TrackMood

Float32Array = npt.NDArray[np.float32]


class DecodeError(Exception):
    """An audio file could not be decoded; the message says which decoder said what."""


class StoreError(Exception):
    """The library database cannot be used; the message says why and what to do."""


@dataclass(frozen=True)
class Tags:
    """Tags read with mutagen; absent tags are None. ReplayGain in dB and linear peak."""

    title: str | None = None
    artists: tuple[str, ...] = ()
    """Every artist the file names, in its order, each once (ID3v2.4 NUL-separated TPE1,
    repeated Vorbis ARTIST comments, …)."""
    album: str | None = None
    album_artist: str | None = None
    genres: tuple[str, ...] = ()
    track_number: int | None = None
    """Position on its disc, >= 1 ("3/12" gives 3); None when absent or not a positive number."""
    track_total: int | None = None
    """Tracks on the disc ("3/12" gives 12, or TRACKTOTAL); None when unknown."""
    disc_number: int | None = None
    """Disc of a set, >= 1 ("1/2" gives 1); None when absent or not a positive number."""
    disc_total: int | None = None
    date: str | None = None
    """As the file gives it: "2012", "2012-12-15"."""
    rg_track_gain_db: float | None = None
    rg_track_peak: float | None = None
    rg_album_gain_db: float | None = None
    rg_album_peak: float | None = None

    @property
    def artist(self) -> str | None:
        """The first artist: the one a single-valued field shows."""
        return self.artists[0] if self.artists else None

    @property
    def genre(self) -> str | None:
        return self.genres[0] if self.genres else None


MULTI_SEPARATOR = "\x1f"
"""Joins the values of a multi-value tag in one column (ASCII unit separator: never typed,
never in a real tag, so splitting is exact, and SQL LIKE still finds each value)."""


@dataclass(frozen=True)
class Picture:
    """A picture embedded in an audio file; ``mime`` as the file says it ("" when it does not)."""

    data: bytes
    mime: str


@dataclass(frozen=True)
class Track:
    """One track of the library as the other rooms see it."""

    id: int
    path: str
    title: str
    artist: str | None
    album: str | None
    duration_s: float
    missing: bool = False


@dataclass(frozen=True)
class FileStat:
    """A file found by the walk: what decides whether it must be analysed again."""

    path: str
    size_bytes: int
    mtime_ns: int


@dataclass(frozen=True)
class Analysed:
    """A worker's result for a file that was read and analysed."""

    file: FileStat
    tags: Tags
    duration_s: float
    codec: str
    fingerprint: bytes
    mood: TrackMood
    low_confidence: bool = False
    """The mood came from less music than the model's 1 s window (looped to fill it)."""
    silent: bool = False
    """Silent or near-silent (under -60 LUFS): kept out of adaptive queues, kept in albums."""


@dataclass(frozen=True)
class Failed:
    """A worker's result for a file that could not be analysed: the stage and the reason."""

    file: FileStat
    stage: str
    reason: str
    retry: bool = False
    """True when the next scan should try the file again even if it has not changed."""
