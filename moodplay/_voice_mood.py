"""The app's voice-mood hook: tone for every command, words too for mood statements.

The speaker's baseline lives in the store (one row per profile) and is saved after every
utterance; only features and estimates are kept, never audio.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from library import Store, StoreError, load_baseline, save_baseline
from mood import Baseline, MoodEstimate, VoiceMoodModel, fuse, words_estimate
from voice import Intent

log = logging.getLogger(__name__)


class VoiceMoodHook:
    def __init__(
        self,
        db: Path | None,
        profile: str,
        feelings: Mapping[str, tuple[float, float]],
        model: Path | None = None,
    ) -> None:
        from mood._smile import VoiceFeatures

        self._features = VoiceFeatures()
        self._model = VoiceMoodModel(model)
        self._feelings = feelings
        self._profile = profile
        self._store = _open(db)
        size = len(self._features.names)
        self._baseline = (
            load_baseline(self._store, profile, size) if self._store else Baseline(size=size)
        )

    def __call__(self, audio: np.ndarray, intent: Intent) -> MoodEstimate | None:
        if audio.shape[0] < 8000:  # under half a second: too little voice to judge
            return None
        tone = self._model.estimate(self._features.extract(audio), self._baseline)
        if self._store is not None:
            save_baseline(self._store, self._profile, self._baseline)
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
