"""openSMILE adapter: eGeMAPSv02 functionals (88 numbers) of one utterance.

openSMILE's bundled licence is audEERING's research licence (non-commercial use only); voice
tone can be switched off ([voice] enabled = false) and nothing else depends on it.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import opensmile

SAMPLE_RATE_HZ = 16_000


class VoiceFeatures:
    def __init__(self) -> None:
        self._smile = opensmile.Smile(
            feature_set=opensmile.FeatureSet.eGeMAPSv02,
            feature_level=opensmile.FeatureLevel.Functionals,
        )
        self.names: list[str] = list(self._smile.feature_names)

    def extract(self, audio: npt.NDArray[np.int16]) -> npt.NDArray[np.float64]:
        """The 88 functionals of 16 kHz mono int16 speech (in memory; nothing touches disk)."""
        signal = audio.astype(np.float32) / 32768.0
        frame = self._smile.process_signal(signal, SAMPLE_RATE_HZ)
        values = np.asarray(frame.to_numpy()[0], dtype=np.float64)
        return np.nan_to_num(values, nan=0.0, posinf=0.0, neginf=0.0)
