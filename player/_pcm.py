"""A bounded ring of PCM frames between one libVLC decoder thread and the mixer.

The writer is libVLC's decoder thread (through the audio callbacks): ``write`` blocks while the
ring is full, so libVLC decodes exactly as fast as the output device consumes — the device's
clock is the only one that counts, and there is no drift to correct between two clocks (see
``player._mixdecks``). The reader is the mixer on the output stream's callback: ``read`` never
blocks and never allocates beyond its result.
"""

from __future__ import annotations

import threading
import time

import numpy as np


class PcmRing:
    """A ring of ``capacity`` frames of ``channels`` float32 samples.

    One writer thread and one reader thread; every method is thread-safe. ``eos`` is set when
    the writer has said its stream is over (libVLC's drain): once the ring runs empty after
    that, the stream has ended."""

    def __init__(self, capacity: int, channels: int = 2) -> None:
        if capacity <= 0 or channels <= 0:
            raise ValueError(f"capacity and channels must be > 0, not {capacity}, {channels}")
        self._buf = np.zeros((capacity, channels), dtype=np.float32)
        self._start = 0  # index of the oldest frame
        self._fill = 0
        self._cond = threading.Condition()
        self._closed = False
        self.eos = False
        self.written = 0
        """Frames accepted since the last clear."""

    @property
    def capacity(self) -> int:
        return len(self._buf)

    @property
    def fill(self) -> int:
        """Frames waiting to be read."""
        return self._fill

    @property
    def closed(self) -> bool:
        return self._closed

    def write(self, frames: np.ndarray, timeout_s: float | None = None) -> bool:
        """Append ``frames`` (shape (n, channels), float32 in [-1, 1]), waiting for room as the
        reader consumes; a block longer than the ring goes in piece by piece. False when the
        ring was closed or ``timeout_s`` (None: no limit) passed without room (the rest is
        dropped). A paused track's decoder waits here for as long as the pause lasts."""
        done, deadline = 0, 0.0
        with self._cond:
            while done < len(frames):
                if self._closed:
                    return False
                room = len(self._buf) - self._fill
                if room == 0:
                    if timeout_s is not None:
                        deadline = deadline or time.monotonic() + timeout_s
                    if not self._cond.wait(timeout=0.1) and 0 < deadline < time.monotonic():
                        return False
                    continue
                n = min(room, len(frames) - done)
                self._put(frames[done : done + n])
                done += n
            return True

    def _put(self, frames: np.ndarray) -> None:
        cap, n = len(self._buf), len(frames)
        end = (self._start + self._fill) % cap
        first = min(n, cap - end)
        self._buf[end : end + first] = frames[:first]
        self._buf[: n - first] = frames[first:]
        self._fill += n
        self.written += n

    def read(self, out: np.ndarray) -> int:
        """Copy up to ``len(out)`` frames into ``out`` (shape (n, channels)), oldest first;
        returns how many. Never blocks."""
        with self._cond:
            cap, n = len(self._buf), min(len(out), self._fill)
            first = min(n, cap - self._start)
            out[:first] = self._buf[self._start : self._start + first]
            out[first:n] = self._buf[: n - first]
            self._start = (self._start + n) % cap
            self._fill -= n
            if n:
                self._cond.notify_all()
            return n

    def clear(self) -> None:
        """Drop what waits (libVLC's flush: a seek); the end-of-stream mark goes too."""
        with self._cond:
            self._start, self._fill, self.written, self.eos = 0, 0, 0, False
            self._cond.notify_all()

    def mark_eos(self) -> None:
        with self._cond:
            self.eos = True

    def close(self, keep: bool = False) -> None:
        """Take no more frames and release a writer blocked in ``write`` (it returns False):
        libVLC's stop joins its decoder thread, which must not be stuck here. What waits is
        dropped, or with ``keep`` still read (a short fade-out)."""
        with self._cond:
            self._closed = True
            if not keep:
                self._fill = 0
            self._cond.notify_all()
