"""The echo reference tap: 48 kHz stereo output blocks to a 16 kHz mono ring, stamped by time."""

from __future__ import annotations

import numpy as np

from player._tap import EchoReference

RATE = 48_000


def feed(ref: EchoReference, x: np.ndarray, dac0: float, jitter_s: float = 0.0) -> None:
    """``x`` (mono, 48 kHz) as stereo 480-frame blocks, DAC times from ``dac0`` with jitter."""
    rng = np.random.default_rng(0)
    stereo = np.stack([x, x], axis=1).astype(np.float32)
    for i in range(0, x.shape[0], 480):
        ref(stereo[i : i + 480], dac0 + i / RATE + rng.uniform(-jitter_s, jitter_s))


def tone(hz: float, seconds: float, amp: float = 0.5) -> np.ndarray:
    return amp * np.sin(2 * np.pi * hz * np.arange(int(seconds * RATE)) / RATE)


def amplitude(y: np.ndarray, hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(y * np.hanning(y.shape[0]))) / (y.shape[0] / 4)
    return float(spectrum[round(hz * y.shape[0] / 16_000)])


def test_resampling_keeps_the_band_and_rejects_what_would_alias() -> None:
    ref = EchoReference()
    feed(ref, tone(440, 2.0) + tone(12_000, 2.0), 100.0)
    assert ref.written == 32_000  # 2 s at 16 kHz, whatever the block boundaries
    y = ref.read_index(8_000, 16_000)
    assert abs(amplitude(y, 440) - 0.5) < 0.01
    assert amplitude(y, 4_000) < 1e-3  # 12 kHz would fold onto 4 kHz: -54 dB or more down


def test_odd_block_sizes_give_the_same_samples() -> None:
    x = tone(1000, 1.0) + tone(3100, 1.0, 0.2)
    whole, parts = EchoReference(), EchoReference()
    stereo = np.stack([x, x], axis=1).astype(np.float32)
    whole(stereo, 0.0)
    at = 0
    for n in (1, 2, 479, 1000, 7, 333):
        parts(stereo[at : at + n], at / RATE)
        at += n
    parts(stereo[at:], at / RATE)
    assert parts.written == whole.written == 16_000
    np.testing.assert_allclose(parts.read_index(0, 16_000), whole.read_index(0, 16_000), atol=1e-6)


def test_a_click_is_found_at_its_dac_time_despite_jitter() -> None:
    x = np.zeros(3 * RATE)
    x[int(1.5 * RATE)] = 1.0  # heard at 101.5 s
    ref = EchoReference()
    feed(ref, x, 100.0, jitter_s=0.001)
    y = ref.read(101.5 - 0.01, 320)  # 10 ms before it, 20 ms
    assert y is not None
    # +-1 ms of jitter leaves the smoothed mapping within a few samples (0.2 ms): far inside
    # what the canceller's filter absorbs.
    assert abs(int(np.argmax(np.abs(y))) - 160) <= 3


def test_a_new_timeline_restarts_the_mapping() -> None:
    ref = EchoReference()
    feed(ref, np.zeros(RATE), 100.0)
    x = np.zeros(RATE)
    x[RATE // 2] = 1.0
    feed(ref, x, 500.0)  # a reopened stream: its clock far from the old one
    y = ref.read(500.5 - 0.01, 320)
    assert y is not None and abs(int(np.argmax(np.abs(y))) - 160) <= 1


def test_outside_the_ring_is_silence_and_nothing_before_the_first_block() -> None:
    ref = EchoReference(seconds=1.0)
    assert ref.read(0.0, 10) is None
    feed(ref, tone(440, 3.0), 0.0)
    old, future, recent = ref.read(0.5, 100), ref.read(10.0, 100), ref.read(2.5, 100)
    assert old is not None and not old.any()  # overwritten: older than the ring's second
    assert future is not None and not future.any()  # not played yet
    assert recent is not None and recent.any()
