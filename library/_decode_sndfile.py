"""soundfile (libsndfile) adapter: the primary decoder (wav, flac, ogg/vorbis/opus, mp3)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from library._length import mp3_states_length, ogg_stream_count, wav_states_length
from library._types import DecodeError, Float32Array

_IMPOSSIBLE_FRAMES = 1 << 40  # about 290 days at 44.1 kHz: libsndfile's "unknown" on chained Ogg


class SndfileSource:
    """A file libsndfile opens and whose length it can state or count exactly.

    Raises DecodeError when libsndfile cannot open the file, and also when its length would be
    a guess (an MP3 without a Xing/VBRI frame count, chained Ogg, a header with no length): the
    next decoder, which measures such lengths, gets the file.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._file = sf.SoundFile(str(path))
        except (sf.LibsndfileError, RuntimeError) as e:
            raise DecodeError(f"libsndfile: {e}") from e
        self.sample_rate = int(self._file.samplerate)
        self.channels = int(self._file.channels)
        self.codec = f"{self._file.format}/{self._file.subtype}"
        try:
            self.length_stated = self._check_length(path)
        except (DecodeError, OSError) as e:
            self._file.close()
            raise DecodeError(f"libsndfile: {e}") from e
        self.frames: int | None = int(self._file.frames)

    def _check_length(self, path: Path) -> bool:
        """Whether the length is stated by the header (else libsndfile counted it exactly)."""
        frames, fmt = int(self._file.frames), self._file.format
        if fmt == "MP3" and not mp3_states_length(path):
            raise DecodeError("MP3 without a Xing/VBRI header: its length must be measured")
        if fmt == "OGG" and (frames >= _IMPOSSIBLE_FRAMES or ogg_stream_count(path) > 1):
            raise DecodeError("chained Ogg (streams joined end to end): not seekable here")
        if frames <= 0 or frames >= _IMPOSSIBLE_FRAMES:
            raise DecodeError("the header states no length")
        return fmt != "WAV" or wav_states_length(path)

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
