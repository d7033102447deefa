"""Track attributes from vibenet's pretrained EfficientNet (ONNX), summarised over excerpts.

The network takes one (1, 128, frames) log-mel spectrogram (batch size 1 is baked into the
export) and returns 7 logits. vibenet maps the likelihood heads through a sigmoid and clips the
regression heads to [0, 1]; we do the same after averaging the excerpts' logits, which tracks
vibenet's whole-file pass more closely than averaging its outputs (see the model card).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import soxr

from models import VIBENET_EFFICIENTNET, OnnxModel
from mood._melspec import HOP, SAMPLE_RATE_HZ, WIN, Float32Array

# Output order of the exported network (vibenet.labels).
LABELS = (
    "acousticness",
    "danceability",
    "energy",
    "instrumentalness",
    "liveness",
    "speechiness",
    "valence",
)
_LIKELIHOODS = frozenset({"acousticness", "liveness", "instrumentalness"})
MIN_EXCERPT_S = 1.0
MIN_EXCERPT_FRAMES = int(MIN_EXCERPT_S * SAMPLE_RATE_HZ - WIN) // HOP + 1
MODEL_NAME = "vibenet-efficientnet"


def logits_to_attributes(logits: Float32Array) -> dict[str, float]:
    out: dict[str, float] = {}
    for i, label in enumerate(LABELS):
        x = float(logits[i])
        out[label] = 1.0 / (1.0 + math.exp(-x)) if label in _LIKELIHOODS else min(max(x, 0.0), 1.0)
    return out


@dataclass(frozen=True)
class ExcerptPlan:
    """Where the excerpts sit in a track: start offsets and length, in seconds."""

    starts_s: tuple[float, ...]
    length_s: float


def plan_excerpts(duration_s: float, count: int, length_s: float) -> ExcerptPlan:
    """``count`` excerpts centred at evenly spaced points; a short track is covered whole.

    Even spacing samples intro, body and outro alike, so a quiet intro cannot decide a track's
    mood on its own.
    """
    if duration_s <= count * length_s:
        pieces = max(1, int(np.ceil(duration_s / length_s)))
        return ExcerptPlan(tuple(i * length_s for i in range(pieces)), length_s)
    centres = [(i + 0.5) * duration_s / count for i in range(count)]
    return ExcerptPlan(tuple(c - length_s / 2 for c in centres), length_s)


def model_identity() -> tuple[str, str]:
    """(name, version) of the track model; the version changes when its file does."""
    return MODEL_NAME, VIBENET_EFFICIENTNET.version()


def to_model_rate(mono: Float32Array, sr: int) -> Float32Array:
    """Resample mono audio to the network's 16 kHz with soxr (HQ, as vibenet does)."""
    if sr == SAMPLE_RATE_HZ:
        return mono
    return np.asarray(soxr.resample(mono, sr, SAMPLE_RATE_HZ), dtype=np.float32)


class TrackAttributeModel:
    """Runs the attribute network over excerpts of 16 kHz mono audio."""

    def __init__(self, providers: Sequence[str] = ("CPUExecutionProvider",), threads: int = 1):
        self._model = OnnxModel(VIBENET_EFFICIENTNET.path(), providers, threads)
        self.name, self.version = model_identity()

    def excerpt_logits(self, mel_db: Float32Array) -> Float32Array:
        """The 7 logits for one (128, frames) log-mel spectrogram from :func:`log_mel`."""
        (out,) = self._model.run({"x": mel_db[np.newaxis, :, :]})
        return np.asarray(out[0], dtype=np.float32)

    def predict(self, mels: Sequence[Float32Array]) -> dict[str, float]:
        """Attributes of a track from its excerpts' log-mel spectrograms (logits averaged)."""
        usable = [m for m in mels if m.shape[1] >= MIN_EXCERPT_FRAMES]
        if not usable:
            raise ValueError(f"no excerpt is at least {MIN_EXCERPT_S:g} s long")
        logits = np.stack([self.excerpt_logits(m) for m in usable])
        return logits_to_attributes(logits.mean(axis=0))
