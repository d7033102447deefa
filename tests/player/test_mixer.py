"""The mixer and its rings, offline: known PCM in, blocks pulled from ``Mixer.render``."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from player._mixer import GainRamp, Mixer
from player._pcm import PcmRing

BLOCK = 480


def ramp_pcm(n: int, start: int = 0) -> np.ndarray:
    """Stereo frames whose values count up (so every frame is recognisable)."""
    x = (np.arange(start, start + n, dtype=np.float32) % 1000) / 1000
    return np.stack([x, -x], axis=1)


def render(mixer: Mixer, frames: int, block: int = BLOCK) -> np.ndarray:
    out = [mixer.render(min(block, frames - i)) for i in range(0, frames, block)]
    return np.concatenate(out)


def test_ring_keeps_order_across_the_wrap_and_reports_fill() -> None:
    ring = PcmRing(1000)
    got = np.zeros((700, 2), dtype=np.float32)
    assert ring.write(ramp_pcm(700))
    assert ring.read(got) == 700
    assert ring.write(ramp_pcm(900, start=700))  # wraps past the end of the buffer
    assert ring.fill == 900
    out = np.zeros((1000, 2), dtype=np.float32)
    assert ring.read(out) == 900
    np.testing.assert_array_equal(out[:900], ramp_pcm(900, start=700))


def test_writer_blocks_while_full_and_goes_on_as_the_reader_reads() -> None:
    ring = PcmRing(100)
    done = threading.Event()

    def writer() -> None:
        ring.write(ramp_pcm(250))
        done.set()

    threading.Thread(target=writer, daemon=True).start()
    time.sleep(0.05)
    assert not done.is_set() and ring.fill == 100  # bounded: the rest waits
    out = np.zeros((250, 2), dtype=np.float32)
    read = 0
    while read < 250:
        read += ring.read(out[read:])
        time.sleep(0.001)
    assert done.wait(1)
    np.testing.assert_array_equal(out, ramp_pcm(250))


def test_close_releases_a_blocked_writer() -> None:
    ring = PcmRing(10)
    result: list[bool] = []
    thread = threading.Thread(target=lambda: result.append(ring.write(ramp_pcm(50))))
    thread.start()
    time.sleep(0.02)
    ring.close()
    thread.join(1)
    assert result == [False]


def test_gain_ramp_is_exact_per_sample() -> None:
    ramp = GainRamp(0.2)
    ramp.to(1.0, 1000)
    gains = np.concatenate([np.atleast_1d(ramp.take(300)) for _ in range(4)])[:1000]
    expected = 0.2 + 0.8 * np.arange(1, 1001) / 1000
    np.testing.assert_allclose(gains, expected, rtol=0, atol=1e-12)
    assert ramp.take(5) == 1.0 and not ramp.moving


def test_mixer_ramps_a_voice_sample_accurately_across_blocks() -> None:
    mixer = Mixer()
    ring = PcmRing(48_000)
    ring.write(np.ones((10_000, 2), dtype=np.float32))
    voice = mixer.add(ring, gain=0.0)
    mixer.start(voice)
    mixer.ramp(voice, 0.5, 1500 / 48_000)  # 1500 frames: over three 480-frame blocks and more
    out = render(mixer, 4000)
    expected = np.concatenate([0.5 * np.arange(1, 1501) / 1500, np.full(2500, 0.5)])
    np.testing.assert_allclose(out[:, 0], expected, rtol=0, atol=1e-6)
    np.testing.assert_array_equal(out[:, 0], out[:, 1])


def test_master_and_voice_gains_multiply() -> None:
    mixer = Mixer()
    ring = PcmRing(4800)
    ring.write(np.full((960, 2), 0.5, dtype=np.float32))
    voice = mixer.add(ring, gain=0.5)
    mixer.start(voice)
    mixer.ramp_master(0.1, 0)
    out = mixer.render(960)
    np.testing.assert_allclose(out, 0.025, rtol=1e-6)


def test_a_chained_voice_starts_on_the_sample_after_the_last_one() -> None:
    mixer = Mixer()
    first, second = PcmRing(4800), PcmRing(4800)
    first.write(ramp_pcm(1234))
    first.mark_eos()
    second.write(ramp_pcm(2000, start=1234))
    a, b = mixer.add(first), mixer.add(second)
    mixer.start(a)
    assert mixer.start(b, after=a)  # chained, not started now
    out = render(mixer, 3234)
    np.testing.assert_array_equal(out, ramp_pcm(3234))  # no gap, no overlap, block-independent
    assert mixer.stats.gapless_joins == 1 and mixer.stats.starved_frames == 0


def test_an_empty_ring_before_the_end_counts_as_starved() -> None:
    mixer = Mixer()
    ring = PcmRing(4800)
    ring.write(ramp_pcm(600))
    voice = mixer.add(ring)
    mixer.start(voice)
    render(mixer, 960)
    assert mixer.stats.starved_frames == 360 and mixer.stats.starved_blocks == 1
    ring.mark_eos()
    render(mixer, 480)  # over: not starved, and gone
    assert mixer.stats.starved_frames == 360 and mixer.voices == 0


def test_a_paused_voice_holds_its_place_and_its_follower() -> None:
    mixer = Mixer()
    first, second = PcmRing(4800), PcmRing(4800)
    first.write(ramp_pcm(480))
    first.mark_eos()
    second.write(ramp_pcm(480, start=480))
    a, b = mixer.add(first), mixer.add(second)
    mixer.start(a)
    mixer.start(b, after=a)
    mixer.pause(a, True)
    assert not mixer.render(480).any()
    mixer.pause(a, False)
    np.testing.assert_array_equal(render(mixer, 960), ramp_pcm(960))


def test_remove_with_a_fade_ends_in_silence_without_a_step() -> None:
    mixer = Mixer()
    ring = PcmRing(4800)
    ring.write(np.ones((4800, 2), dtype=np.float32))
    voice = mixer.add(ring)
    mixer.start(voice)
    mixer.render(480)
    mixer.remove(voice, fade_s=240 / 48_000)
    out = mixer.render(480)[:, 0]
    np.testing.assert_allclose(out[:240], 1 - np.arange(1, 241) / 240, atol=1e-6)
    assert not out[240:].any() and mixer.voices == 0


def test_gain_ramp_rejects_nonsense() -> None:
    with pytest.raises(ValueError, match="target >= 0"):
        GainRamp().to(float("nan"), 10)
