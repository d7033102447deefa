"""PyAV (FFmpeg) adapter: the fallback decoder for what libsndfile cannot read (m4a/AAC, ...),
and cover thumbnails."""

from __future__ import annotations

import io
import itertools
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

from library._length import mp3_states_length
from library._types import DecodeError, Float32Array, Picture

PREROLL_S = 0.5
ANCHOR_FRAMES = 9
STATING_FORMATS = frozenset({"mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm", "flac", "aiff"})
"""FFmpeg demuxers whose duration is the container's statement (a sample table, a count)."""


class AvSource:
    """A file FFmpeg opens. Its length is the container's where it states one, else measured.

    Raises DecodeError when FFmpeg cannot open the file, it has no audio stream, or its length
    can neither be read nor measured. Tags are not read here (mutagen does), so bytes that are
    not UTF-8 in them are ignored rather than fatal.
    """

    def __init__(self, path: Path) -> None:
        try:
            self._container = av.open(str(path), mode="r", metadata_errors="ignore")
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
        self.codec = f"ffmpeg/{ctx.name}"
        try:
            self.length_stated = self._states_length(path)
            self.frames = self._stated_frames() if self.length_stated else self._measure_frames()
        except (av.FFmpegError, OSError, ValueError) as e:
            self._container.close()
            raise DecodeError(f"FFmpeg could not measure the length: {e}") from e

    def _states_length(self, path: Path) -> bool:
        name = self._container.format.name
        return name in STATING_FORMATS or (name == "mp3" and mp3_states_length(path))

    def _stated_frames(self) -> int | None:
        stream = self._stream
        if stream.duration is not None and stream.time_base is not None:
            return int(stream.duration * stream.time_base * self.sample_rate)
        if self._container.duration is not None:
            return int(self._container.duration / av.time_base * self.sample_rate)
        return None

    def _measure_frames(self) -> int:
        """Count the frames to the end: packet durations, or decoding where packets lack them.

        Demuxing reads the whole file but decodes nothing (~1 % of a decode's time). Chained
        Ogg streams continue in the same stream here, so their lengths add up.
        """
        total, base = 0, self._stream.time_base
        for packet in self._container.demux(self._stream):
            if packet.size and not packet.duration:
                return self._decode_frames()
            total += packet.duration or 0
        self._container.seek(0)
        return round(total * base * self.sample_rate) if base is not None else self._decode_frames()

    def _decode_frames(self) -> int:
        self._container.seek(0)
        frames = sum(f.samples for f in self._container.decode(self._stream))
        self._container.seek(0)
        return frames

    def read(self, start: int, frames: int) -> Float32Array:
        """Seek a little before ``start`` and decode forward, dropping what precedes it.

        Codecs such as AAC need pre-roll: the first frames after a seek are incomplete. MP4
        timestamps of single AAC frames can be off by hundreds of samples while the decoded
        sample count is exact, so positions count samples from an anchor: the median of the
        first frames' timestamps minus the samples before them.
        """
        out = np.zeros((frames, self.channels), dtype=np.float32)
        try:
            self._seek(max(0.0, start / self.sample_rate - PREROLL_S))
            # Convert each frame at once: the decoder may reuse a frame's buffer for the next.
            chunks = (
                (self._pts(f), _to_float(f, self.channels))
                for f in self._container.decode(self._stream)
            )
            head = list(itertools.islice(chunks, ANCHOR_FRAMES))
            position = _anchor(head)
            filled = 0
            for _, pcm in itertools.chain(head, chunks):
                filled = max(filled, _place(out, pcm, position - start))
                position += pcm.shape[0]
                if position >= start + frames:
                    break
        except (av.FFmpegError, ValueError) as e:
            raise DecodeError(
                f"FFmpeg stopped decoding at {start / self.sample_rate:.1f} s: {e}"
            ) from e
        return out[:filled]

    def _seek(self, seconds: float) -> None:
        if self._stream.time_base is not None:
            self._container.seek(int(seconds / self._stream.time_base), stream=self._stream)

    def _pts(self, frame: av.AudioFrame) -> int | None:
        if frame.pts is None or frame.time_base is None:
            return None
        return round(frame.pts * frame.time_base * self.sample_rate)

    def close(self) -> None:
        self._container.close()


_SCALE = {"s16": 32768.0, "s16p": 32768.0, "s32": 2147483648.0, "s32p": 2147483648.0,
          "u8": 128.0, "u8p": 128.0}  # fmt: skip


def _to_float(frame: av.AudioFrame, channels: int) -> Float32Array:
    """(n, channels) float32 in [-1, 1] from a planar or packed frame of any sample format."""
    data = frame.to_ndarray()
    pcm = data.T if frame.format.is_planar else data.reshape(-1, channels)
    name = frame.format.name
    if name.startswith("u8"):
        return np.asarray((pcm.astype(np.float32) - 128.0) / 128.0, dtype=np.float32)
    if name in _SCALE:
        return np.asarray(pcm.astype(np.float32) / _SCALE[name], dtype=np.float32)
    return np.ascontiguousarray(pcm, dtype=np.float32)


def _anchor(head: list[tuple[int | None, Float32Array]]) -> int:
    offsets, before = [], 0
    for pts, pcm in head:
        if pts is not None:
            offsets.append(pts - before)
        before += pcm.shape[0]
    return int(np.median(offsets)) if offsets else 0


def _place(out: Float32Array, pcm: Float32Array, offset: int) -> int:
    """Copy ``pcm`` into ``out`` at ``offset`` (either may stick out); return the end written."""
    lo, hi = max(0, offset), min(out.shape[0], offset + pcm.shape[0])
    if lo >= hi:
        return 0
    out[lo:hi] = pcm[lo - offset : hi - offset]
    return int(hi)


def thumbnail(picture: Picture, size: int) -> Picture:
    """``picture`` scaled down so its longer side is at most ``size`` pixels (1..4096), as a
    JPEG (FFmpeg decodes JPEG, PNG, WebP, …; swscale's bicubic scaler; mjpeg at quality 4 of
    2..31). A picture already that small, or one FFmpeg cannot read, is returned as it is.
    Raises ValueError for a size outside 1..4096."""
    if not 1 <= size <= 4096:
        raise ValueError(f"thumbnail size {size} is outside 1..4096 pixels")
    try:
        with av.open(io.BytesIO(picture.data), mode="r") as src:
            frame = next(src.decode(video=0))
    except (av.FFmpegError, StopIteration, OSError, ValueError, IndexError):
        return picture
    longer = max(frame.width, frame.height)
    if longer <= size:
        return picture
    width = max(1, round(frame.width * size / longer))
    height = max(1, round(frame.height * size / longer))
    small = frame.reformat(width=width, height=height, format="yuvj420p",
                           interpolation="BICUBIC")  # fmt: skip
    codec = av.CodecContext.create("mjpeg", "w")
    codec.width, codec.height, codec.pix_fmt = width, height, "yuvj420p"
    codec.time_base = Fraction(1, 25)
    codec.qmin = codec.qmax = 4
    data = b"".join(bytes(p) for p in [*codec.encode(small), *codec.encode(None)])
    return Picture(data, "image/jpeg") if data else picture
