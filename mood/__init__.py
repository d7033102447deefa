"""Mood inference: track attributes from audio, the speaker's voice tone, mood statements.

The openSMILE and VADER adapters (``mood._smile``, ``mood._vader``) are imported lazily by who
needs them, so a scan never loads them.
"""

from mood._loudness import LoudnessMeter, integrated_loudness, segment_length, segment_power_spectra
from mood._melspec import SAMPLE_RATE_HZ, log_mel
from mood._tempo import estimate_tempo
from mood._tone_gate import GateRule, ToneGate, ToneSpread, spread_prior
from mood._track_model import (
    LABELS,
    MIN_EXCERPT_S,
    ExcerptPlan,
    TrackAttributeModel,
    model_identity,
    plan_excerpts,
    to_model_rate,
)
from mood._types import ATTRIBUTES, TrackMood
from mood._voice_mood import Baseline, MoodEstimate, VoiceMoodModel, fuse, words_estimate

__all__ = [
    "ATTRIBUTES",
    "LABELS",
    "MIN_EXCERPT_S",
    "SAMPLE_RATE_HZ",
    "Baseline",
    "ExcerptPlan",
    "GateRule",
    "LoudnessMeter",
    "MoodEstimate",
    "ToneGate",
    "ToneSpread",
    "TrackAttributeModel",
    "TrackMood",
    "VoiceMoodModel",
    "estimate_tempo",
    "fuse",
    "integrated_loudness",
    "log_mel",
    "model_identity",
    "plan_excerpts",
    "segment_length",
    "segment_power_spectra",
    "spread_prior",
    "to_model_rate",
    "words_estimate",
]
