"""Open an audio file with libsndfile, falling back to FFmpeg (PyAV) for what it cannot read."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from library._types import DecodeError, Float32Array


class AudioSource(Protocol):
    sample_rate: int
    channels: int
    frames: int | None
    """Length the container declares, in sample frames; None when it does not say."""
    codec: str

    def read(self, start: int, frames: int) -> Float32Array:
        """(n, channels) float32 from sample frame ``start``; n < frames only at the end.

        Raises DecodeError when the decoder fails.
        """
        ...

    def close(self) -> None: ...


def open_audio(path: Path) -> AudioSource:
    from library._decode_sndfile import SndfileSource

    try:
        return SndfileSource(path)
    except DecodeError as first:
        from library._decode_av import AvSource

        try:
            return AvSource(path)
        except DecodeError as second:
            raise DecodeError(f"not a readable audio file ({first}; {second})") from second
