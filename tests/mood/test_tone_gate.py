"""The tone gate: one sentence's tone never sets a mood; a sustained, large change does.

The engine tests run the real hook (openSMILE, the shipped ONNX model) on flite speech. Their
sentences are not the ones bench/voice_tone.py measured the spread on.
"""

from __future__ import annotations

import math
import subprocess
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
import soundfile as sf

from models import VOICE_MOOD
from mood import GateRule, MoodEstimate, ToneGate, ToneSpread, spread_prior
from mood._tone_gate import MEASURED_SPREAD, model_key, shrink
from tests.voice.speech import SR, say
from voice import Intent

if TYPE_CHECKING:
    from moodplay._voice_mood import VoiceMoodHook

BASELINE = [
    "play a song i like", "turn the music off", "what is playing now", "play it again",
    "make it a bit louder", "go to the next one", "play something slow", "is this a new album",
    "stop after this track", "play the radio",
]  # fmt: skip
COMMANDS = ["skip to the next song please", "play something relaxing", "how long is this song"]
LATER = [
    "put on some rock music", "what is the name of this band", "play my favourite songs",
    "turn the bass down", "who wrote this song",
]  # fmt: skip
PRIOR = ToneSpread(arousal=0.37, valence=0.21)
FIXED = GateRule(prior_weight=1e12)
"""The bench spread alone (the speaker's own readings do not refine it): exact figures."""


def _clips(texts: list[str], folder: Path) -> list[np.ndarray]:
    """flite slt, one shared gain: the loudest clip peaks at -7 dBFS, so +6 dB never clips."""
    clips = [say(text, folder, "slt").astype(np.float64) for text in texts]
    scale = 10 ** (-7 / 20) * 32768 / max(np.abs(c).max() for c in clips)
    return [np.round(c * scale).astype(np.int16) for c in clips]


def _all_up(clip: np.ndarray, folder: Path) -> np.ndarray:
    """Faster, higher, louder at once: sox tempo 1.3, pitch +300 cents, then +6 dB (no dither:
    the same clip every run)."""
    src, dst = folder / "plain.wav", folder / "up.wav"
    sf.write(src, clip, SR, subtype="PCM_16")
    subprocess.run(["sox", "-D", str(src), str(dst), "tempo", "1.3", "pitch", "300"], check=True)
    out, _ = sf.read(dst, dtype="float64")
    return np.asarray(np.round(out * 32768 * 10 ** (6 / 20)), dtype=np.int16)


class _Clock:
    """20 s between utterances: all of a test's utterances fall inside the 10 min window."""

    def __init__(self) -> None:
        self.now_s = 0.0

    def __call__(self) -> float:
        self.now_s += 20.0
        return self.now_s


@pytest.fixture
def warmed(tmp_path: Path) -> VoiceMoodHook:
    """A hook (no store) whose baseline has heard the 10 BASELINE sentences, plain."""
    from moodplay._voice_mood import VoiceMoodHook

    hook = VoiceMoodHook(None, "default", {}, clock=_Clock())
    for text, clip in zip(BASELINE, _clips(BASELINE, tmp_path), strict=True):
        hook(clip, Intent("next", {}, text))
    return hook


def test_three_different_neutral_commands_set_no_mood(
    warmed: VoiceMoodHook, tmp_path: Path
) -> None:
    readings, moods = [], []
    for text, clip in zip(COMMANDS, _clips(COMMANDS, tmp_path), strict=True):
        moods.append(warmed(clip, Intent("next", {}, text)))
        assert warmed.last_tone is not None
        readings.append(round(warmed.last_tone.arousal, 2))
    for mood in moods:
        assert isinstance(mood, MoodEstimate)
        assert (mood.arousal, mood.valence, mood.confidence) == (0.0, 0.0, 0.0), readings
    assert max(readings) - min(readings) > 0.2, readings  # the single readings did differ


def test_sustained_faster_higher_louder_speech_raises_arousal(
    warmed: VoiceMoodHook, tmp_path: Path
) -> None:
    moods, readings = [], []
    for text, clip in zip(LATER, _clips(LATER, tmp_path), strict=True):
        up = _all_up(clip, tmp_path)
        assert np.abs(up.astype(np.int32)).max() < 32767  # +6 dB without clipping
        mood = warmed(up, Intent("next", {}, text))
        assert isinstance(mood, MoodEstimate) and warmed.last_tone is not None
        moods.append(mood)
        readings.append(warmed.last_tone.arousal)
    assert moods[0].confidence == 0.0  # the first changed sentence alone: no mood
    assert moods[-1].confidence >= 0.3 and moods[-1].arousal > 0.1, moods
    assert moods[-1].arousal < np.mean(readings)  # only what exceeds the spread is kept


def test_the_same_five_sentences_plain_set_no_mood(warmed: VoiceMoodHook, tmp_path: Path) -> None:
    """The control: what raised arousal above was the delivery, not these sentences."""
    for text, clip in zip(LATER, _clips(LATER, tmp_path), strict=True):
        mood = warmed(clip, Intent("next", {}, text))
        assert isinstance(mood, MoodEstimate) and mood.confidence == 0.0, (text, mood)


def test_shrink_keeps_only_what_exceeds_k_standard_errors() -> None:
    # sigma 0.4 over n = 4 sentences: se = 0.2, k = 3 -> margin 0.6
    assert shrink(0.5, 0.4, 4, 3.0) == (0.0, 0.0)
    arousal, strength = shrink(0.9, 0.4, 4, 3.0)
    assert arousal == pytest.approx(0.3) and strength == 1.0
    arousal, strength = shrink(-0.7, 0.4, 4, 3.0)
    assert arousal == pytest.approx(-0.1) and strength == pytest.approx(0.5)


def _tone(arousal: float, valence: float = 0.0, maturity: float = 1.0) -> MoodEstimate:
    return MoodEstimate(arousal, valence, maturity, "voice tone")


def test_one_sentence_never_sets_a_mood_however_loud_or_often() -> None:
    gate = ToneGate(PRIOR)
    assert gate.add(_tone(1.0), "skip", 0.0).confidence == 0.0
    for t in range(1, 6):  # "skip", "skip", ...: one sentence, however often
        assert gate.add(_tone(1.0), "  Skip  ", float(t)).confidence == 0.0
    gate = ToneGate(PRIOR, FIXED)
    gate.add(_tone(0.95), "skip", 0.0)
    mood = gate.add(_tone(0.95), "play something", 1.0)  # two sentences: 0.95 > 3 * 0.37 / 1.41
    assert mood.confidence == pytest.approx(math.sqrt(2) * (0.95 - 3 * 0.37 / math.sqrt(2)) / 0.37)
    assert mood.arousal == pytest.approx(0.95 - 3 * 0.37 / math.sqrt(2))


def test_confidence_is_scaled_by_baseline_maturity_and_valence_counts_less() -> None:
    gate = ToneGate(PRIOR, FIXED)
    for t, text in enumerate(["a", "b", "c", "d"]):
        mood = gate.add(_tone(0.9, maturity=0.5), text, float(t))
    assert mood.confidence == 0.5  # full strength, half-mature baseline
    gate = ToneGate(PRIOR, FIXED)
    for t, text in enumerate(["a", "b", "c", "d"]):
        mood = gate.add(_tone(0.0, valence=0.9), text, float(t))
    assert mood.arousal == 0.0 and mood.valence == pytest.approx(0.9 - 3 * 0.21 / 2)
    assert mood.confidence == pytest.approx(0.3)  # tone valence is trusted at 0.3


def test_readings_older_than_the_window_no_longer_count() -> None:
    gate = ToneGate(PRIOR)
    for t, text in enumerate(["a", "b", "c", "d"]):
        gate.add(_tone(0.9), text, float(t))
    assert len(gate) == 4
    later = gate.add(_tone(0.9), "e", 3.0 + GateRule().window_s + 1.0)
    assert len(gate) == 1 and later.confidence == 0.0


def test_record_stays_bounded_over_ten_thousand_utterances() -> None:
    gate = ToneGate(PRIOR)
    rng = np.random.default_rng(0)
    for t in range(10_000):
        gate.add(_tone(float(np.tanh(rng.normal(0, 0.4)))), f"sentence {t % 37}", float(t))
    assert len(gate) == GateRule().recent == 5
    assert len(gate._recent) == 5 and gate._recent.maxlen == 5


def test_the_speakers_own_spread_refines_the_bench_prior() -> None:
    wide, narrow, young = ToneGate(PRIOR), ToneGate(PRIOR), ToneGate(PRIOR)
    rng = np.random.default_rng(1)
    for t in range(2000):
        x = float(np.clip(rng.normal(0, 0.6), -1, 1))
        wide.add(_tone(x), str(t), float(t))
        narrow.add(_tone(0.05 * (-1) ** t), str(t), float(t))
        young.add(_tone(x, maturity=0.9), str(t), float(t))  # young baseline: not learned from
    assert wide.spread.arousal == pytest.approx(0.55, abs=0.05)
    assert narrow.spread.arousal == pytest.approx(0.5 * PRIOR.arousal)  # floored at half
    assert young.spread == PRIOR


def test_the_shipped_model_has_its_bench_spread() -> None:
    """Rebuilding models/voice_mood.onnx changes its key: re-run bench/voice_tone.py."""
    assert model_key(VOICE_MOOD) in MEASURED_SPREAD
    assert spread_prior(VOICE_MOOD) == MEASURED_SPREAD[model_key(VOICE_MOOD)]
