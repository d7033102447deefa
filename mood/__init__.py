"""Mood inference: track attributes from audio (and, later, voice tone and mood statements)."""

from mood._loudness import LoudnessMeter, integrated_loudness, segment_length, segment_power_spectra
from mood._melspec import SAMPLE_RATE_HZ, log_mel
from mood._tempo import estimate_tempo
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

__all__ = [
    "ATTRIBUTES",
    "LABELS",
    "MIN_EXCERPT_S",
    "SAMPLE_RATE_HZ",
    "ExcerptPlan",
    "LoudnessMeter",
    "TrackAttributeModel",
    "TrackMood",
    "estimate_tempo",
    "integrated_loudness",
    "log_mel",
    "model_identity",
    "plan_excerpts",
    "segment_length",
    "segment_power_spectra",
    "to_model_rate",
]
