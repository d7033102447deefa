"""The tone gate: voice tone moves the listener's mood only by what exceeds the tone model's noise.

One utterance's tone reading says more about the sentence than about the speaker: the shipped
model's arousal varies across different neutral commands of one voice by a standard deviation
of ~0.35, while speaking 15 % faster or 200 cents higher moves it by only 0.04-0.30 (bench/
voice_tone.py, figures on models/voice-mood-knowledge.md). So a single reading is not a mood.

The gate keeps the speaker's last ``recent`` readings (within ``window_s``), averages their
deviation from the speaker's baseline (the model's 0: its input is z-scored against that
baseline) and keeps only what lies beyond ``k`` standard errors of the sentence spread:

    d         = mean over the n distinct sentences heard of each sentence's mean reading
    se        = sigma_sentence / sqrt(n)
    effective = sign(d) * max(0, |d| - k * se)              (soft threshold; Donoho &
                                                              Johnstone 1994, Biometrika 81(3))
    strength  = min(1, (|d| - k * se) / se), 0 if negative  (excess, in standard errors)
    confidence = baseline maturity * max(strength_arousal, 0.3 * strength_valence)

per axis; valence counts at 0.3 as in :func:`mood.fuse`, because tone says little about it.
With fewer than ``min_sentences`` distinct sentences the confidence is 0: one sentence never
sets a mood. A sentence said again adds no new evidence about the sentence effect, so n counts
distinct sentences, not utterances ("skip", "skip", "skip" is one sentence).

sigma_sentence starts from the bench figure for the model file (the prior) and is then measured
on the speaker's own readings once the baseline is mature (a variance shrunk toward the prior
with ``prior_weight`` pseudo-readings, floored at half the prior), kept in memory only.
"""

from __future__ import annotations

import hashlib
import math
from collections import deque
from dataclasses import dataclass
from pathlib import Path

from mood._voice_mood import TONE_VALENCE_CONFIDENCE, MoodEstimate


@dataclass(frozen=True)
class ToneSpread:
    """Standard deviation of a tone model's readings across different sentences of one voice in
    one delivery, each against that voice's baseline; on the model's [-1, 1] scale, > 0."""

    arousal: float
    valence: float


MEASURED_SPREAD: dict[str, ToneSpread] = {
    "ba9461655222ba92": ToneSpread(arousal=0.37, valence=0.21),
}
"""Bench figures (bench/voice_tone.py, pooled over 6 voices x 20 sentences: the root mean square
of the per-voice standard deviations) by model file: the first 16 hex digits of its SHA-256.
``ba9461655222ba92`` is the shipped knowledge-based models/voice_mood.onnx."""
UNMEASURED_SPREAD = ToneSpread(arousal=0.46, valence=0.26)
"""Prior for a model without a bench figure (one trained by ``moodplay models train-voice``): the
shipped model's largest per-voice spread. The online estimate takes over as readings come in."""


@dataclass(frozen=True)
class GateRule:
    """How much evidence a tone change needs before it becomes a mood. Chosen with bench/
    voice_tone.py (6 voices x 20 sentences): with k = 3 and N = 5 no window of neutral speech
    was forwarded (k = 2.5: 0.2 %, worst voice 1.5 %; k = 2: 1.1 %), while every window of a
    +6 dB or -10 dB level change was; tempo and pitch changes of 15 % / 200 cents are inside
    the spread and pass in at most 0.3 % of windows."""

    k: float = 3.0
    """Standard errors of the sentence spread that a mean deviation must exceed."""
    recent: int = 5
    """N: the readings kept per speaker (the record never grows past this)."""
    window_s: float = 600.0
    """Readings older than this (seconds) no longer count."""
    min_sentences: int = 2
    """Distinct sentences needed before tone may move the mood at all."""
    prior_weight: float = 20.0
    """Pseudo-readings of the bench spread when the speaker's own spread is estimated."""
    floor: float = 0.5
    """The speaker's own spread never counts as less than this fraction of the bench figure."""


@dataclass(frozen=True)
class _Reading:
    at_s: float
    sentence: str
    arousal: float
    valence: float


class _Spread:
    """Running variance (Welford) of one axis's readings, shrunk toward a prior."""

    def __init__(self, prior: float) -> None:
        self.prior, self.n, self.mean, self.m2 = prior, 0, 0.0, 0.0

    def update(self, x: float) -> None:
        self.n += 1
        delta = x - self.mean
        self.mean += delta / self.n
        self.m2 += delta * (x - self.mean)

    def sigma(self, rule: GateRule) -> float:
        dof = max(self.n - 1, 0)
        var = (rule.prior_weight * self.prior**2 + self.m2) / (rule.prior_weight + dof)
        return max(math.sqrt(var), rule.floor * self.prior)


class ToneGate:
    """One speaker's (household's) recent tone readings and the mood they add up to.

    Not thread-safe: one gate belongs to the thread that owns the speaker's baseline.
    """

    def __init__(self, prior: ToneSpread, rule: GateRule | None = None) -> None:
        self.rule = rule or GateRule()
        self._recent: deque[_Reading] = deque(maxlen=self.rule.recent)
        self._arousal, self._valence = _Spread(prior.arousal), _Spread(prior.valence)

    def __len__(self) -> int:
        """Readings in the record (at most ``rule.recent``)."""
        return len(self._recent)

    @property
    def spread(self) -> ToneSpread:
        """sigma_sentence now: the bench prior, refined by the speaker's own readings."""
        return ToneSpread(self._arousal.sigma(self.rule), self._valence.sigma(self.rule))

    def add(self, tone: MoodEstimate, sentence: str, at_s: float) -> MoodEstimate:
        """Record one utterance's reading (:meth:`VoiceMoodModel.tone`) heard at ``at_s``
        (seconds, monotonic) and return the mood the recent readings support: arousal and
        valence in [-1, 1] relative to the speaker's usual voice, confidence 0 unless the mean
        deviation exceeds the spread (module docstring)."""
        key = " ".join(sentence.lower().split()) or f"#{at_s!r}"
        self._recent.append(_Reading(at_s, key, tone.arousal, tone.valence))
        while self._recent and at_s - self._recent[0].at_s > self.rule.window_s:
            self._recent.popleft()
        mood = self._gated(tone.confidence)
        if tone.confidence >= 1.0:  # readings against a young baseline are not the voice's
            self._arousal.update(tone.arousal)
            self._valence.update(tone.valence)
        return mood

    def _gated(self, maturity: float) -> MoodEstimate:
        by_sentence: dict[str, list[_Reading]] = {}
        for reading in self._recent:
            by_sentence.setdefault(reading.sentence, []).append(reading)
        n = len(by_sentence)
        if n < self.rule.min_sentences:
            return MoodEstimate(0.0, 0.0, 0.0, "voice tone")
        means = [_mean_reading(group) for group in by_sentence.values()]
        spread = self.spread
        arousal, strength_a = shrink(sum(a for a, _ in means) / n, spread.arousal, n, self.rule.k)
        valence, strength_v = shrink(sum(v for _, v in means) / n, spread.valence, n, self.rule.k)
        confidence = maturity * max(strength_a, TONE_VALENCE_CONFIDENCE * strength_v)
        return MoodEstimate(arousal, valence, min(1.0, confidence), "voice tone")


def _mean_reading(group: list[_Reading]) -> tuple[float, float]:
    return (sum(r.arousal for r in group) / len(group), sum(r.valence for r in group) / len(group))


def shrink(d: float, sigma: float, n: int, k: float) -> tuple[float, float]:
    """Soft threshold of a mean deviation ``d`` of ``n`` sentences with spread ``sigma``:
    (sign(d) * max(0, |d| - k * se), min(1, excess / se)) with se = sigma / sqrt(n)."""
    se = sigma / math.sqrt(n)
    excess = max(0.0, abs(d) - k * se)
    return math.copysign(excess, d) if excess else 0.0, min(1.0, excess / se)


def model_key(path: Path) -> str:
    """A model file's key in MEASURED_SPREAD: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def spread_prior(path: Path) -> ToneSpread:
    """The bench's sentence spread for this model file, or UNMEASURED_SPREAD."""
    return MEASURED_SPREAD.get(model_key(path), UNMEASURED_SPREAD)
