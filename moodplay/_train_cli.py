"""``moodplay models train-voice DATA.csv``: fit the voice-tone model to a labelled corpus.

Rows: ``path,arousal,valence`` (each in [-1, 1]) or ``path,category`` with a category from
CATEGORIES (placed on Russell's circumplex). Paths are relative to the CSV's folder. Features
are z-scored against the corpus itself, as the app z-scores against a speaker's baseline.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

import numpy as np

from library import read_mono
from models import train_linear
from mood import Baseline, to_model_rate
from moodplay._config import Config, data_dir
from moodplay._extras import require_extra

# (arousal, valence) per category, after Russell's circumplex of affect (1980).
CATEGORIES = {
    "neutral": (0.0, 0.0), "calm": (-0.6, 0.4), "happy": (0.5, 0.8), "excited": (0.8, 0.6),
    "surprised": (0.7, 0.3), "angry": (0.8, -0.7), "fearful": (0.6, -0.6),
    "disgust": (0.3, -0.7), "sad": (-0.5, -0.7), "bored": (-0.7, -0.3), "tired": (-0.8, -0.1),
}  # fmt: skip


class TrainError(Exception):
    """The corpus cannot be used; the message says which row and why."""


def read_rows(csv_path: Path) -> list[tuple[Path, float, float]]:
    rows = []
    with csv_path.open(newline="") as f:
        for line_no, row in enumerate(csv.reader(f), 1):
            if not row or row[0].startswith("#") or row[0] == "path":
                continue
            rows.append(_row(csv_path, line_no, [c.strip() for c in row]))
    return rows


def _row(csv_path: Path, line_no: int, row: list[str]) -> tuple[Path, float, float]:
    where = f"{csv_path}:{line_no}"
    path = (csv_path.parent / row[0]).resolve()
    if len(row) == 2:
        if row[1].lower() not in CATEGORIES:
            raise TrainError(f"{where}: unknown category {row[1]!r}; use {', '.join(CATEGORIES)}")
        return (path, *CATEGORIES[row[1].lower()])
    if len(row) != 3:
        raise TrainError(f"{where}: expected path,arousal,valence or path,category")
    try:
        arousal, valence = float(row[1]), float(row[2])
    except ValueError:
        raise TrainError(f"{where}: arousal and valence must be numbers") from None
    if not (-1 <= arousal <= 1 and -1 <= valence <= 1):
        raise TrainError(f"{where}: arousal and valence must be in [-1, 1]")
    return path, arousal, valence


def cmd_train_voice(config: Config, args: argparse.Namespace) -> int:
    from mood._smile import VoiceFeatures

    require_extra("onnx", "train", "models train-voice")  # before minutes of feature extraction
    rows = read_rows(args.data)
    smile = VoiceFeatures()
    features, labels = [], []
    for path, arousal, valence in rows:
        try:
            mono, sr = read_mono(path, max_seconds=60)
        except Exception as e:
            raise TrainError(f"{path}: cannot read it ({e})") from e
        pcm = np.clip(to_model_rate(mono, sr) * 32768.0, -32768, 32767).astype(np.int16)
        features.append(smile.extract(pcm))
        labels.append((arousal, valence))
    corpus = Baseline(size=len(smile.names))
    for x in features:
        corpus.update(x)
    z = np.stack([corpus.zscore(x) for x in features])
    try:
        result = train_linear(z, np.array(labels, dtype=np.float64))
    except ValueError as e:
        raise TrainError(str(e)) from e
    out = args.out or data_dir() / "models" / "voice_mood_trained.onnx"
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(result.model)
    tmp.replace(out)
    print(
        f"trained on {result.n_train} utterances, held out {result.n_test}: "
        f"R2 arousal {result.r2[0]:.2f}, valence {result.r2[1]:.2f}; "
        f"Pearson arousal {result.pearson[0]:.2f}, valence {result.pearson[1]:.2f}\n"
        f'wrote {out}; use it with [voice] tone_model = "{out}"',
        file=sys.stderr,
    )
    return 0
