"""Trained wake words: microWakeWord models (pymicro-wakeword), streaming on the microphone.

The PyPI wheel ``pymicro-wakeword`` (Apache-2.0; x86_64 and aarch64) bundles the TensorFlow
Lite C runtime and four models trained by their authors on many synthetic voices: "okay nabu",
"hey jarvis", "hey mycroft" and "alexa". A model sees 30 ms feature windows (10 ms hop) and
reports the mean probability over its sliding window every stride; the detector below turns that
into one detection per spoken wake word (a cool-down after each) and says *where* in the stream
it was heard, so the listener can hand only the audio after it to the command recogniser.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from voice._asr import SAMPLE_RATE_HZ, EngineError, Int16Array
from voice._phrases import normalise

TRAINED = {
    "hey mycroft": "hey_mycroft",
    "alexa": "alexa",
    "okay nabu": "okay_nabu",
    "ok nabu": "okay_nabu",
    "hey jarvis": "hey_jarvis",
}
"""Wake phrases (normalised) with a trained microWakeWord model, and the model's name."""

PHONES = {
    "hey_mycroft": "HH EY M AY K R AO F T",
    "alexa": "AH L EH K S AH",
    "okay_nabu": "OW K EY N AA B UW",
    "hey_jarvis": "HH EY JH AA R V AH S",
}
"""Each model's phrase in ARPAbet: the recogniser may hear the wake word's tail before a
command (the detector fires near the end of the word, the command audio starts a little
before that)."""

DITHER_RMS = 100.0
"""White noise (int16 units, about -50 dBFS) added to what the model hears (only the model).
Its front end adapts its gain to the noise floor (PCAN) and under-reports on digital silence
or a very clean input, which virtual sources and gated USB microphones deliver: flite's slt
voice scored 0.91 over -70 dBFS of noise and 0.995 over -50 dBFS (threshold 0.95)."""

COOL_DOWN_S = 1.5
"""After a detection the model keeps reporting for a few windows; one wake word, one event."""


def trained_model(wake_phrase: str) -> str | None:
    """The microWakeWord model name for a wake phrase, or None when it has none."""
    return TRAINED.get(normalise(wake_phrase))


class MicroWakeWord:
    """Streaming detector for one bundled microWakeWord model.

    ``push(audio)`` takes 16 kHz mono int16 blocks of any length and yields the stream time
    (seconds since the first sample pushed) of each detection. ``threshold`` overrides the
    model's own probability cut-off (0..1); None keeps the authors' calibrated value.
    Raises EngineError when pymicro-wakeword or the model cannot be loaded.
    """

    def __init__(self, model: str, threshold: float | None = None) -> None:
        try:
            from pymicro_wakeword import MicroWakeWord as Model
            from pymicro_wakeword import MicroWakeWordFeatures
            from pymicro_wakeword import Model as Builtin
        except ImportError as e:
            raise EngineError(
                f"the wake-word engine is missing ({e}); install it with "
                "`pip install pymicro-wakeword` (scripts/setup.sh does)"
            ) from e
        try:
            self._model = Model.from_builtin(Builtin(model))
        except (ValueError, OSError) as e:
            raise EngineError(f"cannot load the wake-word model {model!r}: {e}") from e
        self._features_type = MicroWakeWordFeatures
        self._features = MicroWakeWordFeatures()
        self.name = model
        self.phrase = self._model.wake_word
        self.threshold = self._model.probability_cutoff if threshold is None else threshold
        self._samples = 0
        self._fed = 0
        self._rng = np.random.default_rng(0)
        self._quiet_until = -1.0

    def push(self, audio: Int16Array) -> Iterator[float]:
        self._fed += audio.shape[0]
        noisy = audio + self._rng.normal(0.0, DITHER_RMS, audio.shape[0])
        pcm = np.clip(noisy, -32768, 32767).astype(np.int16)
        for features in self._features.process_streaming(pcm.tobytes()):
            self._samples += 160  # one 10 ms feature step
            probability = self._model.process_streaming_prob(features)
            now = self._samples / SAMPLE_RATE_HZ
            heard = probability is not None and probability > self.threshold
            if heard and now >= self._quiet_until:
                self._quiet_until = now + COOL_DOWN_S
                # The model is a streaming network with internal state; its authors' tools
                # reset it after each detection, and without that it misses the next ones.
                self._model.reset()
                yield now

    def reset(self) -> None:
        """Forget the model's recent state (the stream clock keeps running)."""
        self._model.reset()
        self._features = self._features_type()
        self._samples = self._fed
