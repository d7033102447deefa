"""The speaker's mood: voice tone (openSMILE features -> ONNX) and, for mood statements, words.

Tone features are z-scored against a running baseline of the household's voice, so "loud"
means louder than this speaker usually is; the first utterances give low confidence.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from models import EGEMAPS_FEATURES, VOICE_MOOD, OnnxModel

Float64Array = npt.NDArray[np.float64]

PRIOR_WEIGHT = 5.0
"""Pseudo-utterances of prior spread (10 % of the feature's size) while the baseline is young."""
FULL_CONFIDENCE_AFTER = 20
TONE_VALENCE_CONFIDENCE = 0.3
"""Tone says little about valence (see the model card); its valence is trusted this much."""


@dataclass(frozen=True)
class MoodEstimate:
    """Arousal and valence in [-1, 1] with a confidence in [0, 1] and where it came from."""

    arousal: float
    valence: float
    confidence: float
    source: str  # "voice tone" | "words" | "voice tone + words" | "request" | "context"

    def __post_init__(self) -> None:
        for name in ("arousal", "valence"):
            value = getattr(self, name)
            if not (math.isfinite(value) and -1.0 <= value <= 1.0):
                raise ValueError(f"MoodEstimate.{name} = {value!r} is not in [-1, 1]")
        if not 0.0 <= self.confidence <= 1.0:
            raise ValueError(f"MoodEstimate.confidence = {self.confidence!r} is not in [0, 1]")

    @property
    def energy(self) -> float:
        """On the recommender's [0, 1] plane: energy = (arousal + 1) / 2."""
        return (self.arousal + 1.0) / 2.0


class Baseline:
    """Running mean and variance (Welford) of the features of one profile's voice."""

    def __init__(self, n: int = 0, mean: Float64Array | None = None,
                 m2: Float64Array | None = None, size: int = 88) -> None:  # fmt: skip
        self.n = n
        self.mean = np.zeros(size) if mean is None else mean
        self.m2 = np.zeros(size) if m2 is None else m2

    def update(self, x: Float64Array) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean = self.mean + delta / self.n
        self.m2 = self.m2 + delta * (x - self.mean)

    def zscore(self, x: Float64Array) -> Float64Array:
        if self.n == 0:
            return np.zeros_like(x)
        prior_var = (0.1 * np.abs(self.mean) + 1e-6) ** 2
        var = (self.m2 + PRIOR_WEIGHT * prior_var) / (self.n - 1 + PRIOR_WEIGHT)
        return np.asarray(np.clip((x - self.mean) / np.sqrt(var), -5.0, 5.0), dtype=np.float64)

    @property
    def confidence(self) -> float:
        return min(1.0, self.n / FULL_CONFIDENCE_AFTER)


class VoiceMoodModel:
    """The shipped knowledge-based model, or one trained by `moodplay models train-voice`."""

    def __init__(self, path: Path | None = None, threads: int = 1) -> None:
        self._model = OnnxModel(path or VOICE_MOOD, threads=threads)
        self.feature_names = EGEMAPS_FEATURES.read_text().split()

    def tone(self, features: Float64Array, baseline: Baseline) -> MoodEstimate:
        """Tone of one utterance (88 eGeMAPSv02 functionals) against ``baseline``, which is left
        as it is: arousal, valence in [-1, 1] (0 = the speaker's usual voice), confidence =
        the baseline's maturity in [0, 1]. One utterance's reading, not a mood: see ToneGate."""
        z = baseline.zscore(features).astype(np.float32)[np.newaxis, :]
        (av,) = self._model.run({"z": z})
        arousal, valence = (_clip(float(x)) for x in av[0, :2])
        return MoodEstimate(arousal, valence, baseline.confidence, "voice tone")

    def estimate(self, features: Float64Array, baseline: Baseline) -> MoodEstimate:
        """Tone estimate of one utterance (:meth:`tone`); then the utterance joins the baseline."""
        estimate = self.tone(features, baseline)
        baseline.update(features)
        return estimate


def words_estimate(
    vader_compound: float, feeling_point: tuple[float, float] | None
) -> MoodEstimate:
    """A mood statement's words: the feeling table's point (valence, energy in [0, 1]) when the
    statement names a known feeling, blended with VADER's compound valence."""
    if feeling_point is None:
        return MoodEstimate(0.0, _clip(vader_compound), 0.5, "words")
    valence = 0.5 * (2 * feeling_point[0] - 1) + 0.5 * vader_compound
    return MoodEstimate(_clip(2 * feeling_point[1] - 1), _clip(valence), 0.8, "words")


def fuse(tone: MoodEstimate | None, words: MoodEstimate | None) -> MoodEstimate | None:
    """Combine tone and words, each weighted by its confidence (tone valence down-weighted)."""
    if tone is None or words is None:
        return tone or words
    wa_t, wa_w = tone.confidence, words.confidence if words.arousal != 0.0 else 0.0
    wv_t, wv_w = tone.confidence * TONE_VALENCE_CONFIDENCE, words.confidence
    arousal = _weighted(tone.arousal, wa_t, words.arousal, wa_w)
    valence = _weighted(tone.valence, wv_t, words.valence, wv_w)
    return MoodEstimate(arousal, valence, max(tone.confidence, words.confidence),
                        "voice tone + words")  # fmt: skip


def _weighted(a: float, wa: float, b: float, wb: float) -> float:
    return _clip((a * wa + b * wb) / (wa + wb)) if wa + wb > 0 else 0.0


def _clip(x: float) -> float:
    return max(-1.0, min(1.0, float(x)))
