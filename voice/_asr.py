"""The recogniser interface every speech engine implements, and engine-independent helpers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import numpy.typing as npt

from voice._phrases import PhraseTable

Int16Array = npt.NDArray[np.int16]
SAMPLE_RATE_HZ = 16_000


class EngineError(RuntimeError):
    """A speech engine or its model cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Transcript:
    """What an engine heard in one utterance.

    ``confidence`` is the engine's own measure in [0, 1]: Vosk's mean word confidence; 1.0 from
    PocketSphinx whenever it completes a grammar phrase (its lattice posterior was too slow and
    too weak a signal to use). ``wake`` is True when the engine itself verified the wake phrase
    (PocketSphinx keyword spotting), None when it cannot tell.
    """

    text: str
    confidence: float
    wake: bool | None = None


class Recognizer(Protocol):
    """Streaming recognition of one utterance at a time, constrained to a phrase list."""

    name: str
    min_confidence: float
    exact: bool
    """True when every transcript is a whole grammar phrase (a partial one is not trusted)."""

    def set_grammar(self, table: PhraseTable, wake_phrase: str, lead_in: str = "") -> None:
        """The closed vocabulary: the table's phrasings, optionally after the wake phrase (or
        after any tail of ``lead_in``, a trained wake word's ARPAbet phones, which is not
        transcribed). Called again when the library's names change."""
        ...

    def start(self) -> None: ...

    def feed(self, pcm: Int16Array) -> None:
        """16 kHz mono int16 audio of the utterance, in order."""
        ...

    def finish(self) -> Transcript: ...
