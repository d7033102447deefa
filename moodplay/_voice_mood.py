"""The app's voice-mood hook: tone for every utterance, gated; words too for mood statements.

The speaker's baseline lives in the store (one row per profile) and is saved after every
utterance; only features and estimates are kept, never audio. One utterance's tone reading is
not a mood: the hook passes it through the profile's ToneGate (mood/_tone_gate.py), which
returns confidence 0 until several recent sentences deviate from the speaker's usual voice by
more than the tone model's sentence-to-sentence spread.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np

from library import Store, StoreError, load_baseline, save_baseline
from models import VOICE_MOOD
from mood import (
    Baseline,
    MoodEstimate,
    ToneGate,
    VoiceMoodModel,
    fuse,
    spread_prior,
    words_estimate,
)
from voice import Intent

log = logging.getLogger(__name__)


class VoiceMoodHook:
    """Called by the listener per utterance (16 kHz mono int16 and its Intent); returns the
    speaker's mood for the session: the gated tone, fused with the words of mood statements.

    ``last_tone`` is the latest utterance's own tone reading (for display; never a mood).
    ``clock`` gives the gate's time in seconds (monotonic).
    """

    def __init__(
        self,
        db: Path | None,
        profile: str,
        feelings: Mapping[str, tuple[float, float]],
        model: Path | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        from mood._smile import VoiceFeatures

        self._features = VoiceFeatures()
        self._model = VoiceMoodModel(model)
        self._feelings = feelings
        self._profile = profile
        self._store = _open(db)
        self._clock = clock
        size = len(self._features.names)
        self._baseline = (
            load_baseline(self._store, profile, size) if self._store else Baseline(size=size)
        )
        self.gate = ToneGate(spread_prior(model or VOICE_MOOD))
        self.last_tone: MoodEstimate | None = None

    def __call__(self, audio: np.ndarray, intent: Intent) -> MoodEstimate | None:
        if audio.shape[0] < 8000:  # under half a second: too little voice to judge
            return None
        self.last_tone = self._model.estimate(self._features.extract(audio), self._baseline)
        if self._store is not None:
            save_baseline(self._store, self._profile, self._baseline)
        tone = self.gate.add(self.last_tone, intent.text, self._clock())
        if intent.name != "mood_statement":
            return tone  # commands ("play something dark") say nothing of the speaker's mood
        from mood._vader import word_valence

        feeling = intent.slots.get("feeling")
        point = self._feelings.get(str(feeling)) if feeling else None
        return fuse(tone, words_estimate(word_valence(intent.text), point))


def _open(db: Path | None) -> Store | None:
    if db is None:
        return None
    try:
        return Store(db)
    except StoreError as e:
        log.warning("voice baseline not kept: %s", e)
        return None
