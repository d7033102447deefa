"""The speaker's mood: tone against a baseline, words of mood statements, and their fusion."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import onnx
import pytest
import soundfile as sf
from onnx import numpy_helper

from library import Store
from models import EGEMAPS_FEATURES, VOICE_MOOD
from mood import Baseline, MoodEstimate, VoiceMoodModel, fuse, words_estimate
from mood._smile import VoiceFeatures
from tests.voice.speech import SR, say
from voice import Intent

SENTENCES = [
    "please play some music for me", "what a lovely morning it is", "turn it down a little",
    "i would like to hear something else", "that song was nice", "can you skip this one",
    "play the next song please", "how long is this track", "i want to listen to jazz",
    "is this the radio", "put on something quiet", "the weather is grey today",
]  # fmt: skip


def _sox(clip: np.ndarray, folder: Path, name: str, *effect: str) -> np.ndarray:
    src, dst = folder / f"{name}-in.wav", folder / f"{name}-out.wav"
    sf.write(src, clip, SR)
    subprocess.run(["sox", str(src), "-r", "16000", str(dst), *effect], check=True)
    out, _ = sf.read(dst, dtype="int16")
    return np.asarray(out)


@pytest.fixture(scope="module")
def features() -> VoiceFeatures:
    return VoiceFeatures()


@pytest.fixture(scope="module")
def trained_baseline(tmp_path_factory: pytest.TempPathFactory, features: VoiceFeatures) -> Baseline:
    folder = tmp_path_factory.mktemp("baseline")
    baseline = Baseline(size=88)
    for sentence in SENTENCES:
        clip = _sox(say(sentence, folder), folder, "quiet", "vol", "0.3")
        baseline.update(features.extract(clip))
    return baseline


def test_feature_list_matches_opensmile_and_the_model_is_what_the_script_builds(
    features: VoiceFeatures,
) -> None:
    from models.build_voice_mood import build, feature_names

    assert features.names == EGEMAPS_FEATURES.read_text().split()
    shipped = onnx.load(str(VOICE_MOOD))
    rebuilt = build(feature_names())
    w_shipped = numpy_helper.to_array(shipped.graph.initializer[0])
    w_rebuilt = numpy_helper.to_array(rebuilt.graph.initializer[0])
    np.testing.assert_array_equal(w_shipped, w_rebuilt)


@pytest.mark.parametrize(
    ("name", "effect"),
    [("louder", ("vol", "2.5")), ("faster", ("tempo", "1.35")), ("higher", ("pitch", "400"))],
)
def test_louder_faster_higher_speech_reads_as_more_aroused(
    tmp_path: Path,
    features: VoiceFeatures,
    trained_baseline: Baseline,
    name: str,
    effect: tuple[str, ...],
) -> None:
    model = VoiceMoodModel()
    plain_clip = _sox(say("play something for me now", tmp_path), tmp_path, "plain", "vol", "0.3")
    changed_clip = _sox(plain_clip, tmp_path, name, *effect)
    plain = model.estimate(features.extract(plain_clip), _copy(trained_baseline))
    changed = model.estimate(features.extract(changed_clip), _copy(trained_baseline))
    assert changed.arousal > plain.arousal + 0.1, (name, plain, changed)
    assert changed.confidence == plain.confidence == pytest.approx(len(SENTENCES) / 20)


def _copy(b: Baseline) -> Baseline:
    return Baseline(b.n, b.mean.copy(), b.m2.copy())


def test_first_utterances_give_low_confidence(features: VoiceFeatures, tmp_path: Path) -> None:
    model, baseline = VoiceMoodModel(), Baseline(size=88)
    confidences = [model.estimate(features.extract(say(s, tmp_path)), baseline).confidence
                   for s in SENTENCES[:4]]  # fmt: skip
    assert confidences == [0.0, 0.05, 0.1, 0.15]


def test_words_of_mood_statements_set_valence() -> None:
    from mood._vader import word_valence

    happy = words_estimate(word_valence("i'm so happy"), (0.85, 0.65))
    sad = words_estimate(word_valence("i'm so sad"), (0.20, 0.25))
    assert happy.valence > 0.5 > -0.5 > sad.valence
    rough = words_estimate(word_valence("i had a rough day"), (0.30, 0.75))  # VADER alone: 0
    assert rough.valence < -0.1 and rough.source == "words"
    tone = MoodEstimate(0.2, 0.0, 0.5, "voice tone")
    fused = fuse(tone, happy)
    assert fused is not None and fused.source == "voice tone + words"
    assert fused.valence > 0.5  # tone valence counts little against words
    assert fuse(tone, None) is tone


def test_hook_reads_mood_from_statements_only_and_keeps_the_baseline(tmp_path: Path) -> None:
    from moodplay._voice_mood import VoiceMoodHook

    db = tmp_path / "lib.db"
    feelings = {"happy": (0.85, 0.65), "sad": (0.20, 0.25)}
    hook = VoiceMoodHook(db, "default", feelings)
    clip = say("hey music play something dark", tmp_path)
    command = hook(clip, Intent("mood_request", {"mood": "dark"}, "play something dark"))
    assert command is not None and command.source == "voice tone"  # the words are not a mood
    happy = hook(say("i'm so happy", tmp_path), Intent("mood_statement", {"feeling": "happy"},
                                                        "i'm so happy"))  # fmt: skip
    sad = hook(say("i'm so sad", tmp_path), Intent("mood_statement", {"feeling": "sad"},
                                                    "i'm so sad"))  # fmt: skip
    assert happy is not None and sad is not None and happy.valence > sad.valence
    with Store(db) as store:
        assert store.query("SELECT n FROM voice_baselines WHERE profile = 'default'")[0][0] == 3
    again = VoiceMoodHook(db, "default", feelings)
    assert again._baseline.n == 3  # a restart keeps the household's voice baseline


def test_features_equal_opensmiles_own_front_end_without_pandas(
    features: VoiceFeatures, tmp_path: Path
) -> None:
    """The adapter drives libSMILEapi directly: the same 88 numbers as opensmile.Smile, and
    the daemon never imports pandas for them."""
    import opensmile

    clip = say("hey music play something calm", tmp_path)
    smile = opensmile.Smile(feature_set=opensmile.FeatureSet.eGeMAPSv02,
                            feature_level=opensmile.FeatureLevel.Functionals)  # fmt: skip
    theirs = smile.process_signal(clip.astype(np.float32) / 32768.0, SR).to_numpy()[0]
    assert list(smile.feature_names) == features.names
    np.testing.assert_array_equal(features.extract(clip), np.nan_to_num(theirs))
    assert not features.extract(np.zeros(160, np.int16)).any()  # 10 ms: nothing to measure
    probe = ("import sys; from mood._smile import VoiceFeatures; VoiceFeatures(); "
             "print(sorted({'pandas', 'pyarrow', 'audinterface'} & set(sys.modules)))")  # fmt: skip
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True).stdout.strip()  # fmt: skip
    assert loaded == "[]"
