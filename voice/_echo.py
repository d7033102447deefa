"""Echo cancellation of the microphone: the player's reference aligned, then Speex subtracts it.

Alignment in two steps, so that the echo path (acoustic delay and the room's reverberation)
falls inside the canceller's filter (``voice._aec.FILTER_LEN``, 256 ms):

1. **Timestamps.** Each microphone block carries PortAudio's ADC time; the reference
   (``player.EchoReference``) maps stream time to its sample index from the DAC times. Both
   streams of one process share PortAudio's clock, so this finds the reference sample played
   when the block was captured, whatever the output's latency (~0.1-0.2 s). The offset is
   locked (one sample of the microphone, one of the reference) and moved only when the
   timestamps jump from it by more than ``RELOCK``.
2. **The measured delay.** What the timestamps cannot know: the sound server's and the
   room's delay (the testbed adds ~0.1 s; a real speaker 1-10 ms plus ~3 ms a metre), and the
   slow drift between two devices' clocks (a few ppm: ms a minute). Every
   ``ESTIMATE_EVERY_S`` the last ``WINDOW_S`` of microphone and reference are cross-correlated
   (GCC-PHAT: Knapp & Carter, IEEE Trans. ASSP 24(4), 1976) over lags 0..``MAX_LAG_S``; a
   clear peak confirmed twice sets the bulk delay, ``PRE_S`` short of the direct path, when
   the direct path has left ``KEEP_S`` of the filter (a small move the filter follows). No
   chirp is played: the music is the probe, and nothing needs estimating while nothing plays.

While the reference is silent (nothing plays: ``SILENT_S`` of zeros) blocks pass through
untouched. Runs on the voice thread; ~0.3 % of a core for the canceller, ~0.2 % for the
estimates (bench/aec.py).
"""

from __future__ import annotations

import logging
from collections import deque
from typing import Protocol

import numpy as np

from voice._aec import FILTER_LEN, SpeexCanceller
from voice._asr import SAMPLE_RATE_HZ, Int16Array

log = logging.getLogger(__name__)

RELOCK = 480
"""Samples (30 ms) the timestamps' running mean may leave the locked offset before the lock
follows it (a reopened stream, an underrun). Smaller moves are left to the measured delay:
through PulseAudio's ALSA plugin the timestamps wander by several ms (measured: a 2 ms lock
moved 12 times in 3 s, each move a jump the filter had to learn again)."""
TS_SMOOTH = 0.01
"""Weight of each block's timestamp offset in its running mean."""
WINDOW_S = 2.0
ESTIMATE_EVERY_S = 1.0
SETTLED_EVERY_S = 5.0
"""Once two estimates agreed, the delay is checked this often."""
MAX_LAG_S = 0.75
PRE_S = 0.04
"""The direct path is put this far into the filter when the delay is set: a path that shrinks
by up to this much (a sound server's buffer) stays inside it."""
KEEP_S = (0.005, 0.1)
"""The delay is kept while the direct path lies this far into the filter (min, max): the
filter follows such moves by itself and keeps what it learned (>= 156 ms left for the room's
tail); outside, the delay is set again and the filter starts afresh. Measured on the live
testbed: its path wanders by +-15 ms between estimates; moving at every 10 ms change reset the
filter every few seconds and the commands' words were heard but not trusted."""
MIN_PEAK = 6.0
"""A correlation peak counts when it stands this many standard deviations above the rest."""
AGREE = 16
"""Samples (1 ms) two estimates may differ by and still agree."""
QUIET = 1e-4
"""Reference RMS (full scale 1.0, -80 dBFS) below which it holds nothing to estimate from."""
SILENT_S = 0.3
"""Reference silence longer than the filter (256 ms): the echo has died, blocks pass."""


class Reference(Protocol):
    """What the player played (``player.EchoReference``): 16 kHz float, full scale 1.0."""

    written: int

    def index_at(self, t: float) -> float | None: ...

    def read_index(self, start: int, n: int) -> np.ndarray: ...


class EchoCancel:
    """``process(block, adc_time)``: the microphone block (16 kHz int16, a multiple of 256
    samples) with the player's echo removed. ``adc_time`` is PortAudio's capture time of its
    first sample (None or 0 when the host gives none: then the newest reference is taken and
    the measured delay does the rest). Raises ``voice.EngineError`` without libspeexdsp."""

    def __init__(self, reference: Reference, canceller: SpeexCanceller | None = None, *,
                 estimate: bool = True) -> None:  # fmt: skip
        self.reference = reference
        self.canceller = canceller if canceller is not None else SpeexCanceller()
        self.estimate = estimate
        self._mic_n = 0
        """Microphone samples seen so far."""
        self._ts_offset: float | None = None
        """Running mean of (reference index at ADC time) - (microphone index)."""
        self._locked: int | None = None
        self.relocks = 0
        """Times the timestamps moved the lock (the first included)."""
        self.delay = 0
        """Bulk delay (samples) between the timestamps' alignment and the reference fed."""
        self._hist: deque[tuple[int, Int16Array]] = deque()
        self._since_estimate = 0
        self._candidate: int | None = None
        self._agreed = False
        self._silent = 0
        self._power_in = self._power_out = 0.0
        self.estimates: list[tuple[float, int, float]] = []
        """(stream seconds, lag in samples, peak strength) of each estimate, for benchmarks."""

    def process(self, block: Int16Array, adc_time: float | None) -> Int16Array:
        n = block.shape[0]
        start = self._align(adc_time)
        self._mic_n += n
        if start is None:
            return block
        ref = self.reference.read_index(start - self.delay, n)
        self._remember(start, block)
        self._silent = self._silent + n if not ref.any() else 0
        if self._silent > SILENT_S * SAMPLE_RATE_HZ:
            return block
        pcm = np.clip(np.round(ref * 32768.0), -32768, 32767).astype(np.int16)
        out = self.canceller.process(block, pcm)
        self._power_in += float(np.dot(block, block.astype(np.float64)))
        self._power_out += float(np.dot(out, out.astype(np.float64)))
        return out

    def erle_db(self) -> float | None:
        """Power in over power out since the last call, dB (echo-return-loss enhancement while
        only the music is heard); None when nothing was cancelled."""
        p_in, p_out = self._power_in, self._power_out
        self._power_in = self._power_out = 0.0
        return 10 * float(np.log10(p_in / p_out)) if p_in > 0 and p_out > 0 else None

    def _align(self, adc_time: float | None) -> int | None:
        """The reference index that the timestamps pair with this block's first sample."""
        ref = self.reference
        at = ref.index_at(adc_time) if adc_time else None
        if at is None and ref.written == 0:
            return None
        if at is None:  # no ADC time: lock to the newest reference once
            at = float(ref.written - 512) if self._ts_offset is None else None
        if at is not None:
            off = at - self._mic_n
            old = self._ts_offset
            jumped = old is None or abs(off - old) > 0.03 * SAMPLE_RATE_HZ
            self._ts_offset = off if jumped or old is None else old + TS_SMOOTH * (off - old)
        assert self._ts_offset is not None
        target = round(self._ts_offset)
        if self._locked is None or abs(target - self._locked) > RELOCK:
            self._locked = target
            self.relocks += 1
        return self._mic_n + self._locked

    # -- the delay ----------------------------------------------------------------------------

    def _remember(self, start: int, block: Int16Array) -> None:
        if not self.estimate:
            return
        self._hist.append((start, block))
        keep = int(WINDOW_S * SAMPLE_RATE_HZ)
        while sum(b.shape[0] for _, b in self._hist) - self._hist[0][1].shape[0] >= keep:
            self._hist.popleft()
        self._since_estimate += block.shape[0]
        every = SETTLED_EVERY_S if self._agreed else ESTIMATE_EVERY_S
        if self._since_estimate >= every * SAMPLE_RATE_HZ:
            self._since_estimate = 0
            self._update_delay()

    def _update_delay(self) -> None:
        found = self._measure()
        if found is None:
            return
        lag, strength = found
        self.estimates.append((self._mic_n / SAMPLE_RATE_HZ, lag, strength))
        erle = self.erle_db()
        log.debug("echo: lag %d ms (peak %.1f), ERLE %s dB, relocks %d",
                 lag * 1000 // SAMPLE_RATE_HZ, strength, "-" if erle is None else f"{erle:.1f}",
                 self.relocks)  # fmt: skip
        if self._candidate is None or abs(lag - self._candidate) > AGREE:
            self._candidate, self._agreed = lag, False
            return
        self._agreed = True
        ahead = (lag - self.delay) / SAMPLE_RATE_HZ
        if not KEEP_S[0] <= ahead <= KEEP_S[1]:
            wanted = max(0, lag - int(PRE_S * SAMPLE_RATE_HZ))
            log.info("echo: delay %d -> %d ms", self.delay * 1000 // SAMPLE_RATE_HZ,
                     wanted * 1000 // SAMPLE_RATE_HZ)  # fmt: skip
            self.delay = wanted
            self.canceller.reset()

    def _measure(self) -> tuple[int, float] | None:
        """(lag, strength): the microphone lags the timestamp-aligned reference by ``lag``
        samples; None when the window holds no music or no clear peak."""
        if not self._hist:
            return None
        mic = np.concatenate([b for _, b in self._hist]).astype(np.float64)
        first = self._hist[0][0]  # reference index paired with mic[0], contiguous since
        if self._hist[-1][0] - first != mic.shape[0] - self._hist[-1][1].shape[0]:
            self._hist.clear()  # the lock moved inside the window: start afresh
            return None
        max_lag = int(MAX_LAG_S * SAMPLE_RATE_HZ)
        ref = self.reference.read_index(first - max_lag, mic.shape[0] + max_lag)
        if np.sqrt(np.mean(np.square(ref, dtype=np.float64))) < QUIET or not mic.any():
            return None
        return gcc_phat_lag(mic, ref.astype(np.float64), max_lag)


def gcc_phat_lag(mic: np.ndarray, ref: np.ndarray, max_lag: int) -> tuple[int, float] | None:
    """The delay d (0..max_lag samples) at which ``mic[n]`` best matches ``ref[n + max_lag -
    d]`` by the phase transform's cross-correlation, with its peak's height in standard
    deviations of the correlation; None below ``MIN_PEAK``. ``ref`` is ``mic``'s length plus
    ``max_lag`` samples of its past (shape (len(mic) + max_lag,))."""
    size = 1 << int(np.ceil(np.log2(ref.shape[0] + mic.shape[0])))
    cross = np.fft.rfft(ref, size) * np.conj(np.fft.rfft(mic, size))
    corr = np.fft.irfft(cross / np.maximum(np.abs(cross), 1e-12), size)[: max_lag + 1]
    k = int(np.argmax(corr))
    spread = float(np.std(corr)) or 1.0
    strength = float((corr[k] - np.mean(corr)) / spread)
    return (max_lag - k, strength) if strength >= MIN_PEAK else None


__all__ = ["FILTER_LEN", "EchoCancel", "Reference", "gcc_phat_lag"]
