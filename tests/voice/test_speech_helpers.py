"""The test-audio helpers themselves: every voice renders, and the DSP does what it says."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from tests.voice.speech import (
    HELDOUT_VOICES,
    SCENE_LEAD_S,
    SR,
    TALKER_EARLY_S,
    TUNE_VOICES,
    Condition,
    active_rms,
    at_level,
    mix_at_snr,
    noise_floor,
    pink_noise,
    room_ir,
    say,
    scene,
    snr_gain,
    speech_end,
    talker,
    with_floor,
)


def dbfs(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.asarray(x, np.float64) ** 2)) / 32768))


@pytest.mark.parametrize("voice", TUNE_VOICES + HELDOUT_VOICES)
def test_every_voice_speaks_16k_int16_and_is_cached(voice: str, tmp_path: Path) -> None:
    clip = say("hey mycroft, skip this song", tmp_path, voice)
    assert clip.dtype == np.int16 and clip.ndim == 1
    assert 1.2 < clip.shape[0] / SR < 3.5
    assert active_rms(clip) > 300  # speech, not silence or clicks
    cached = list(tmp_path.glob(f"{voice}-*.wav"))
    assert len(cached) == 1
    assert np.array_equal(say("hey mycroft, skip this song", tmp_path, voice), clip)


def test_sox_variants_change_pitch_or_tempo(tmp_path: Path) -> None:
    text = "play something calm"
    base, faster = say(text, tmp_path, "awb"), say(text, tmp_path, "awb-tempo-1.15")
    assert faster.shape[0] == pytest.approx(base.shape[0] / 1.15, rel=0.03)
    slt, lower = say(text, tmp_path, "slt"), say(text, tmp_path, "slt-pitch-300")
    assert lower.shape[0] == slt.shape[0]  # pitch keeps the duration...
    assert _centroid(lower) < 0.9 * _centroid(slt)  # ...and lowers the spectrum


def _centroid(x: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(x.astype(np.float64)))
    freqs = np.fft.rfftfreq(x.shape[0], 1 / SR)
    return float(np.sum(freqs * spectrum) / np.sum(spectrum))


def test_speech_end_ignores_the_silence_after_it(tmp_path: Path) -> None:
    clip = say("turn it down", tmp_path)
    end = speech_end(clip)
    padded = np.concatenate([clip[:end], np.zeros(SR, np.int16)])
    assert speech_end(padded) == end
    assert speech_end(with_floor(padded)) == end  # the -70 dBFS floor is not speech
    assert 0.5 * SR < end <= clip.shape[0]


def test_levels_floor_and_snr() -> None:
    assert dbfs(noise_floor(SR * 10, seed=1)) == pytest.approx(-70, abs=0.1)
    tone = np.sin(np.arange(SR) * 2 * np.pi * 440 / SR) * 1000
    assert 20 * np.log10(active_rms(at_level(tone, -25.0)) / 32768) == pytest.approx(-25)
    noise = pink_noise(SR, seed=2) * 500
    mixed = mix_at_snr(tone.astype(np.int16), noise.astype(np.int16), 10.0)
    residual = mixed.astype(np.float64) - tone.astype(np.int16)
    ratio = 20 * np.log10(active_rms(tone) / np.sqrt(np.mean(residual**2)))
    assert ratio == pytest.approx(10.0, abs=0.1)
    assert snr_gain(tone, noise, 0.0) == pytest.approx(active_rms(tone) / 500, rel=0.01)


def test_pink_noise_falls_3_db_an_octave() -> None:
    x = pink_noise(SR * 8, seed=3)
    power = np.abs(np.fft.rfft(x)) ** 2
    freqs = np.fft.rfftfreq(x.shape[0], 1 / SR)

    def band(lo: float) -> float:
        return float(np.mean(power[(freqs >= lo) & (freqs < 2 * lo)]))

    assert 10 * np.log10(band(250) / band(2000)) == pytest.approx(9.0, abs=0.5)
    assert np.sqrt(np.mean(x**2)) == pytest.approx(1.0)


def test_room_keeps_the_direct_path_and_decays_60_db_in_rt60() -> None:
    ir = room_ir(rt60_s=0.5, drr_db=0.0, seed=4)
    assert ir[0] == 1.0 and ir.shape[0] == SR // 2
    assert np.sum(ir[1:] ** 2) == pytest.approx(1.0)  # reverberant energy = direct (0 dB)
    early, late = ir[40:800], ir[SR // 2 - 800 :]
    drop = 10 * np.log10(np.mean(early**2) / np.mean(late**2))
    assert 45 < drop < 60  # -60 dB at 0.5 s, measured between ~25 ms and ~475 ms


def test_talker_is_real_speech_of_the_asked_length() -> None:
    other = talker(SR * 40, seed=5)  # longer than all the read speech: it loops
    assert other.shape[0] == SR * 40
    assert -35 < dbfs(other) < -10


def test_scenes_put_the_background_at_the_snr_and_know_where_speech_ends(tmp_path: Path) -> None:
    clip = at_level(say("hey mycroft, play something calm", tmp_path), -25.0)
    lead, span = (
        int(SCENE_LEAD_S * SR),
        slice(int(SCENE_LEAD_S * SR), int(SCENE_LEAD_S * SR) + clip.shape[0]),
    )
    music = scene(clip, Condition("m", "music", 10.0), seed=6)
    assert music.bed is not None and music.end_s == (lead + speech_end(clip)) / SR
    assert 20 * np.log10(
        active_rms(clip) / np.sqrt(np.mean(music.bed[span] ** 2))
    ) == pytest.approx(10.0)
    other = scene(clip, Condition("t", "talker", 10.0), seed=6)
    early = lead - int(TALKER_EARLY_S * SR)
    assert dbfs(other.steady[: early - 1]) < -65 < dbfs(other.steady[early:lead])
    far = scene(clip, Condition("f", reverb=True, gain_db=-12.0), seed=6)
    near = scene(clip, Condition("r", reverb=True), seed=6)
    assert dbfs(near.speech[span]) - dbfs(far.speech[span]) == pytest.approx(12.0)
    assert dbfs(music.mix(0.027)[span]) < dbfs(music.mix()[span])  # ducking lowers only the music
