"""Open an audio file with libsndfile, falling back to FFmpeg (PyAV) for what it cannot read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from library._types import DecodeError, Float32Array


class AudioSource(Protocol):
    sample_rate: int
    channels: int
    frames: int | None
    """Length in sample frames: stated by the container, or measured; None when unknown."""
    length_stated: bool
    """True when the file itself states ``frames`` (a header, a frame count); False when it was
    measured (frames counted to the end). Only a stated length can show truncation."""
    codec: str

    def read(self, start: int, frames: int) -> Float32Array:
        """(n, channels) float32 from sample frame ``start``; n < frames only at the end.

        Raises DecodeError when the decoder fails.
        """
        ...

    def close(self) -> None: ...


def _open_sndfile(path: Path) -> AudioSource:
    from library._decode_sndfile import SndfileSource

    return SndfileSource(path)


def _open_av(path: Path) -> AudioSource:
    from library._decode_av import AvSource

    return AvSource(path)


DECODERS: tuple[Callable[[Path], AudioSource], ...] = (_open_sndfile, _open_av)
"""Tried in order: libsndfile first (fast, exact seeking), FFmpeg for the rest."""


def open_audio(path: Path) -> AudioSource:
    """The first decoder that opens ``path``; DecodeError with every decoder's reason if none."""
    reasons = []
    for opener in DECODERS:
        try:
            return opener(path)
        except DecodeError as e:
            reasons.append(str(e))
    raise DecodeError(f"not a readable audio file ({'; '.join(reasons)})")


def read_mono(path: Path, max_seconds: float = 600.0) -> tuple[Float32Array, int]:
    """A whole short file as mono float32 and its sample rate (for clips, not for tracks)."""
    import numpy as np

    source = open_audio(path)
    try:
        frames = source.frames or int(max_seconds * source.sample_rate)
        if frames > max_seconds * source.sample_rate:
            raise DecodeError(f"{path} is longer than {max_seconds:.0f} s")
        audio = source.read(0, frames)
    finally:
        source.close()
    return np.ascontiguousarray(audio.mean(axis=1), dtype=np.float32), source.sample_rate
