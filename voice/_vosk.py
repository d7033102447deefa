"""Vosk adapter: streaming Kaldi recognition constrained to the command phrases.

vosk 0.3.45 has no endpointer API, so our VAD ends each utterance and we call FinalResult().
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from vosk import KaldiRecognizer, Model, SetLogLevel

from voice._asr import SAMPLE_RATE_HZ, EngineError, Int16Array, Transcript
from voice._phrases import PhraseTable

log = logging.getLogger(__name__)


class VoskRecognizer:
    name = "vosk"
    exact = False  # its grammar mode can drop or repeat words: matched by word overlap

    def __init__(self, model_dir: Path, min_confidence: float = 0.5) -> None:
        if not (model_dir / "am").is_dir() and not (model_dir / "am" / "final.mdl").exists():
            raise EngineError(
                f"{model_dir} is not a Vosk model folder (no am/); install one with "
                "`moodplay models install vosk-small-en-us`"
            )
        SetLogLevel(-1)
        try:
            self._model = Model(str(model_dir))
        except Exception as e:  # vosk raises a bare Exception when Kaldi fails to load
            raise EngineError(f"Vosk cannot load the model in {model_dir}: {e}") from e
        self.min_confidence = min_confidence
        self._has_unk = _knows_unk(self._model, model_dir)
        self._grammar: str | None = None
        self._recognizer: KaldiRecognizer | None = None

    def set_grammar(self, table: PhraseTable, wake_phrase: str, lead_in: str = "") -> None:
        sentences = sorted({p.text for p in table.expand()})
        if wake_phrase:
            sentences += [wake_phrase] + [f"{wake_phrase} {p}" for p in sentences]
        if self._has_unk:
            # A way out: speech outside the grammar comes back as [unk], never as the
            # nearest command (the intent parser does not match it).
            sentences.append("[unk]")
        # ensure_ascii=False: Kaldi matches words byte for byte, escapes would never match.
        self._grammar = json.dumps(sentences, ensure_ascii=False)

    def start(self) -> None:
        if self._grammar is None:
            raise EngineError("set_phrases() must come before start()")
        self._recognizer = KaldiRecognizer(self._model, SAMPLE_RATE_HZ, self._grammar)
        self._recognizer.SetWords(True)

    def feed(self, pcm: Int16Array) -> None:
        assert self._recognizer is not None
        self._recognizer.AcceptWaveform(pcm.tobytes())

    def finish(self) -> Transcript:
        assert self._recognizer is not None
        result = json.loads(self._recognizer.FinalResult())
        words = result.get("result", [])
        confidence = sum(w["conf"] for w in words) / len(words) if words else 0.0
        return Transcript(result.get("text", ""), float(confidence), None)


def _knows_unk(model: object, model_dir: Path) -> bool:
    """Whether the model's vocabulary has Kaldi's "[unk]" (English models do; the Korean
    one does not, and a grammar naming a word outside the vocabulary is refused)."""
    find = getattr(model, "find_word", None)
    if find is not None:
        return bool(find("[unk]") >= 0)
    words = model_dir / "graph" / "words.txt"
    return words.is_file() and "\n[unk] " in "\n" + words.read_text("utf-8", errors="replace")
