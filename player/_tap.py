"""The echo reference: what the speaker plays, at the microphone's 16 kHz, stamped with time.

A tap of the mixer's output (``MixerDecks.taps``): every block as it will be heard (48 kHz,
stereo float32) is downmixed to mono, low-pass filtered and decimated by 3 to 16 kHz, and kept
in a ring of the last ``seconds``. Each block comes with PortAudio's DAC time of its first
frame; the ring keeps a smoothed mapping from stream time to its sample index, so the voice
side can ask for the reference samples that the speaker played at a given time (the ADC time of
a microphone block: PortAudio stamps both streams of one process with the same clock).

Threads: one writer (the output stream's callback), any number of readers (the voice thread).
No lock: the writer fills the ring, then publishes the new sample count and the time mapping
with one attribute assignment each (atomic in CPython); a reader copies what it needs and then
checks that the writer has not wrapped over it meanwhile. The output thread never waits.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from player._taps import attach

OUT_RATE = 16_000
"""The reference's rate: the microphone's."""
DECIMATE = 3
"""48 kHz to 16 kHz."""
TAPS = 97
"""Length of the anti-alias low-pass (odd: its group delay is a whole 48 (input) samples)."""
CUTOFF_HZ = 7_200.0
"""-6 dB point of the low-pass, under the 8 kHz Nyquist frequency of 16 kHz."""
SMOOTH = 0.02
"""Weight of each new DAC time in the smoothed mapping (PortAudio's DAC times jitter by ~1 ms
from block to block; the sample count does not)."""
JUMP_S = 0.03
"""A DAC time this far from the mapping is a new timeline (a reopened stream, an underrun):
the mapping restarts from it."""


def lowpass(taps: int = TAPS, cutoff_hz: float = CUTOFF_HZ, rate: int = 48_000) -> np.ndarray:
    """Windowed-sinc FIR low-pass (Blackman window), unit DC gain, float32, shape (taps,).
    Source: Smith, "The Scientist and Engineer's Guide to DSP", ch. 16 (eq. 16-4)."""
    n = np.arange(taps) - (taps - 1) / 2
    h: np.ndarray = np.sinc(2 * cutoff_hz / rate * n) * np.blackman(taps)
    out: np.ndarray = (h / h.sum()).astype(np.float32)
    return out


class EchoReference:
    """The tap (``__call__(block, dac_time)``) and the reader (``read``). ``seconds``: how much
    of the past is kept (reads further back give silence)."""

    def __init__(self, seconds: float = 8.0, in_rate: int = 48_000) -> None:
        if in_rate != OUT_RATE * DECIMATE:
            raise ValueError(f"the echo reference decimates 48 kHz by 3, not {in_rate} Hz")
        self._h = lowpass(rate=in_rate)[::-1].copy()  # reversed: a dot product per output
        self._hist = np.zeros(TAPS - 1, np.float32)
        """The last TAPS-1 input samples (the filter's state across blocks)."""
        self._phase = 0
        """Input samples to skip at the start of the next block (the decimation's phase)."""
        self._ring = np.zeros(int(seconds * OUT_RATE), np.float32)
        self.written = 0
        """Output samples written so far (published after the ring is filled)."""
        self._mapping: tuple[float, float] | None = None
        """(t0, rate): output sample k was played at ``t0 + k / rate`` (stream time, s)."""
        self._in_count = 0
        """Input (48 kHz) samples seen so far."""
        self.blocks = 0

    # -- the output thread --------------------------------------------------------------------

    def __call__(self, block: np.ndarray, dac_time: float) -> None:
        """The tap: ``block`` shape (n, channels) float32 at 48 kHz, ``dac_time`` the stream
        time its first frame is heard."""
        mono = block.mean(axis=1, dtype=np.float32) if block.ndim == 2 else block
        self._stamp(dac_time)
        self._push(self._decimate(np.asarray(mono, np.float32)))
        self._in_count += mono.shape[0]
        self.blocks += 1

    def _decimate(self, mono: np.ndarray) -> np.ndarray:
        x = np.concatenate([self._hist, mono])
        windows = np.lib.stride_tricks.sliding_window_view(x, TAPS)[self._phase :: DECIMATE]
        out = windows @ self._h
        used = self._phase + DECIMATE * out.shape[0]  # the next output's window starts here
        self._phase = used - (x.shape[0] - TAPS + 1)
        self._hist = x[-(TAPS - 1) :].copy()
        return np.asarray(out, np.float32)

    def _stamp(self, dac_time: float) -> None:
        # Output sample k is centred on input sample 3k - (TAPS-1)/2 (the history starts as
        # TAPS-1 zeros); input sample i of this block is heard at
        # dac_time + (i - in_count) / 48 kHz. So sample k is heard at t0 + k / 16 kHz with:
        t0 = dac_time - ((TAPS - 1) / 2 + self._in_count) / (OUT_RATE * DECIMATE)
        old = self._mapping
        if old is None or abs(old[0] - t0) > JUMP_S:
            self._mapping = (t0, float(OUT_RATE))
        else:
            self._mapping = (old[0] + SMOOTH * (t0 - old[0]), float(OUT_RATE))

    def _push(self, out: np.ndarray) -> None:
        n, size = out.shape[0], self._ring.shape[0]
        start = self.written % size
        first = min(n, size - start)
        self._ring[start : start + first] = out[:first]
        self._ring[: n - first] = out[first:]
        self.written += n  # published last: readers never see samples not yet written

    # -- readers ------------------------------------------------------------------------------

    def index_at(self, t: float) -> float | None:
        """The (fractional) sample index played at stream time ``t``; None before any block."""
        mapping = self._mapping
        if mapping is None:
            return None
        return (t - mapping[0]) * mapping[1]

    def read(self, t: float, n: int) -> np.ndarray | None:
        """``n`` reference samples (float32, full scale 1.0) starting with the one heard at
        stream time ``t``; samples not in the ring (too old, not yet played) are zeros. None
        before the first block (no reference: nothing to cancel)."""
        at = self.index_at(t)
        return None if at is None else self.read_index(round(at), n)

    def read_index(self, start: int, n: int) -> np.ndarray:
        """Samples ``start`` .. ``start + n`` of the reference (zeros outside the ring)."""
        written, size = self.written, self._ring.shape[0]
        lo, hi = max(start, written - size, 0), min(start + n, written)
        out = np.zeros(n, np.float32)
        if hi <= lo:
            return out
        idx = np.arange(lo, hi) % size
        out[lo - start : hi - start] = self._ring[idx]
        if self.written - size > lo:  # the writer wrapped over part of it meanwhile
            out[: max(0, min(n, self.written - size - start))] = 0.0
        return out


def echo_reference(mixing: Any) -> EchoReference:
    """The echo reference on ``mixing``'s output (``Player.mixing``: its ``taps`` and
    ``mixer.rate``): the one already among its taps, else a new one added to them. Raises
    ValueError when the mixer does not run at 48 kHz."""
    return attach(mixing, EchoReference, lambda: EchoReference(in_rate=int(mixing.mixer.rate)))
