"""`moodplay models train-voice` on a small labelled corpus the test builds with flite and sox."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest

from tests.conftest import run_moodplay

SENTENCES = [
    "please play some music", "what a lovely morning", "turn it down a little",
    "i would like something else", "that song was nice", "can you skip this one",
    "play the next song", "how long is this track", "i want to listen to jazz",
    "is this the radio", "put on something quiet", "the weather is grey today",
]  # fmt: skip


RENDITIONS = (
    ("calm", ["vol", "0.25", "tempo", "0.85", "pitch", "-200"]),
    ("excited", ["vol", "1.0", "tempo", "1.3", "pitch", "300"]),
)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Calm renditions (quiet, slow, low) labelled -0.6 arousal, aroused ones (loud, fast, high)
    labelled +0.6; two flite voices; category rows for half of them."""
    folder = tmp_path_factory.mktemp("corpus")
    rows = ["path,arousal,valence"]
    for i, sentence in enumerate(SENTENCES):
        voice = ("slt", "rms")[i % 2]
        raw = folder / f"{i}.raw.wav"
        subprocess.run(["flite", "-voice", voice, "-t", sentence, "-o", str(raw)], check=True)
        for label, effects in RENDITIONS:
            out = folder / f"{i}-{label}.wav"
            subprocess.run(["sox", str(raw), "-r", "16000", str(out), *effects], check=True)
            if i % 2:
                rows.append(f"{out.name},{label}")
            else:
                rows.append(f"{out.name},{-0.6 if label == 'calm' else 0.6},0.0")
    (folder / "data.csv").write_text("\n".join(rows) + "\n")
    return folder


def test_train_voice_fits_and_scores_a_held_out_split(corpus: Path, tmp_path: Path) -> None:
    out = tmp_path / "tone.onnx"
    result = run_moodplay("models", "train-voice", str(corpus / "data.csv"), "--out", str(out))
    assert result.returncode == 0, result.stderr
    assert "trained on 18 utterances, held out 6" in result.stderr
    pearson = float(result.stderr.split("Pearson arousal ")[1].split(",")[0])
    assert pearson > 0.8  # louder-faster-higher vs quieter-slower-lower is easy to tell apart
    session = ort.InferenceSession(str(out))
    (av,) = session.run(None, {"z": np.zeros((1, 88), np.float32)})
    assert av.shape == (1, 2) and np.all(np.abs(av) <= 1)


def test_bad_corpus_rows_are_named(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("a.wav,ecstatic\n")
    result = run_moodplay("models", "train-voice", str(bad))
    assert result.returncode == 1 and "bad.csv:1: unknown category 'ecstatic'" in result.stderr
    bad.write_text("a.wav,2,0\n")
    result = run_moodplay("models", "train-voice", str(bad))
    assert "must be in [-1, 1]" in result.stderr
    bad.write_text("missing.wav,0.5,0.5\n")
    result = run_moodplay("models", "train-voice", str(bad))
    assert result.returncode == 1 and "cannot read it" in result.stderr
