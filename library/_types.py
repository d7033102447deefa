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
    artist: str | None = None
    album: str | None = None
    album_artist: str | None = None
    genre: str | None = None
    track_number: int | None = None
    date: str | None = None
    """As the file gives it: "2012", "2012-12-15"."""
    rg_track_gain_db: float | None = None
    rg_track_peak: float | None = None
    rg_album_gain_db: float | None = None
    rg_album_peak: float | None = None


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


@dataclass(frozen=True)
class Failed:
    """A worker's result for a file that could not be analysed: the stage and the reason."""

    file: FileStat
    stage: str
    reason: str
    retry: bool = False
    """True when the next scan should try the file again even if it has not changed."""
