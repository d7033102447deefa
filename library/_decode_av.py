"""PyAV (FFmpeg) adapter: the fallback decoder for what libsndfile cannot read (m4a/AAC, ...)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

from library._types import DecodeError, Float32Array


class AvSource:
    def __init__(self, path: Path) -> None:
        try:
            self._container = av.open(str(path), mode="r")
        except (av.FFmpegError, OSError, ValueError) as e:
            raise DecodeError(f"FFmpeg: {e}") from e
        if not self._container.streams.audio:
            self._container.close()
            raise DecodeError("FFmpeg: the file has no audio stream")
        self._stream = self._container.streams.audio[0]
        ctx = self._stream.codec_context
        self.sample_rate = int(ctx.sample_rate or 0)
        self.channels = int(ctx.channels or 0)
        if self.sample_rate <= 0 or self.channels <= 0:
            self._container.close()
            raise DecodeError("FFmpeg: the audio stream has no sample rate or channels")
        self.frames = self._estimate_frames()
        self.codec = f"ffmpeg/{ctx.name}"

    def _estimate_frames(self) -> int | None:
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return int(stream.duration * stream.time_base * self.sample_rate)
        if self._container.duration is not None:
            return int(self._container.duration / av.time_base * self.sample_rate)
        return None

    def read(self, start: int, frames: int) -> Float32Array:
        """Seek to the key frame before ``start`` and decode forward, dropping what precedes it."""
        stream = self._stream
        out = np.zeros((frames, self.channels), dtype=np.float32)
        filled = 0
        try:
            if stream.time_base is not None:
                self._container.seek(
                    int(start / self.sample_rate / stream.time_base), stream=stream
                )
            resampler = av.AudioResampler(format="flt", layout=stream.layout, rate=self.sample_rate)
            for frame in self._container.decode(stream):
                if frame.pts is None or frame.time_base is None:
                    continue
                first = round(frame.pts * frame.time_base * self.sample_rate)
                for chunk in resampler.resample(frame):
                    pcm = np.asarray(chunk.to_ndarray(), np.float32).reshape(-1, self.channels)
                    filled = max(filled, _place(out, pcm, first - start))
                    first += pcm.shape[0]
                if first >= start + frames:
                    break
        except (av.FFmpegError, ValueError) as e:
            raise DecodeError(
                f"FFmpeg stopped decoding at {start / self.sample_rate:.1f} s: {e}"
            ) from e
        return out[:filled]

    def close(self) -> None:
        self._container.close()


def _place(out: Float32Array, pcm: Float32Array, offset: int) -> int:
    """Copy ``pcm`` into ``out`` at ``offset`` (either may stick out); return the end written."""
    lo, hi = max(0, offset), min(out.shape[0], offset + pcm.shape[0])
    if lo >= hi:
        return 0
    out[lo:hi] = pcm[lo - offset : hi - offset]
    return int(hi)
