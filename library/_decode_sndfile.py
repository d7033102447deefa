"""soundfile (libsndfile) adapter: the primary decoder (wav, flac, ogg/vorbis/opus, mp3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from library._types import DecodeError, Float32Array


class SndfileSource:
    def __init__(self, path: Path) -> None:
        try:
            self._file = sf.SoundFile(str(path))
        except (sf.LibsndfileError, RuntimeError) as e:
            raise DecodeError(f"libsndfile: {e}") from e
        self.sample_rate = int(self._file.samplerate)
        self.channels = int(self._file.channels)
        self.frames: int | None = int(self._file.frames) if self._file.frames > 0 else None
        self.codec = f"{self._file.format}/{self._file.subtype}"

    def read(self, start: int, frames: int) -> Float32Array:
        try:
            self._file.seek(start)
            block = self._file.read(frames, dtype="float32", always_2d=True)
        except (sf.LibsndfileError, RuntimeError) as e:
            raise DecodeError(
                f"libsndfile stopped decoding at {start / self.sample_rate:.1f} s: {e}"
            ) from e
        return np.ascontiguousarray(block)

    def close(self) -> None:
        self._file.close()
