"""Microphone, VAD, wake phrase, speech recognition and intents.

Public surface: the phrase table and intent parser (pure logic), the recogniser engines behind
the :class:`Recognizer` protocol, the Silero VAD endpointer, capture and the listening loop.
"""

from voice._intent import INTENTS, NOT_UNDERSTOOD, Intent, IntentParser, split_wake
from voice._phrases import Phrase, PhraseError, PhraseTable, load_phrase_table, normalise

__all__ = [
    "INTENTS",
    "NOT_UNDERSTOOD",
    "Intent",
    "IntentParser",
    "Phrase",
    "PhraseError",
    "PhraseTable",
    "load_phrase_table",
    "normalise",
    "split_wake",
]
