"""Microphone, VAD, wake phrase, speech recognition and intents.

Public surface: the phrase table and intent parser (pure logic), the recogniser engines behind
the :class:`Recognizer` protocol, the Silero VAD endpointer, capture and the listening loop;
spoken answers (espeak-ng) and earcons, played by :class:`AnswerOutput`.
"""

from voice._answer_output import AnswerOutput, Played
from voice._asr import EngineError, Recognizer, Transcript
from voice._capture import input_stream_open
from voice._echo import EchoCancel
from voice._engines import (
    VoiceSettings,
    choose_engine,
    make_listener,
    make_recognizer,
    update_names,
)
from voice._g2p import (
    ARPABET,
    EspeakError,
    Pronouncer,
    dictionary_words,
    espeak_phonemes,
    ipa_to_arpabet,
    parse_phones,
)
from voice._intent import INTENTS, NOT_UNDERSTOOD, Intent, IntentParser, split_wake
from voice._listen import IGNORED, WAKE_ONLY, Heard, Listener
from voice._numbers import english_number
from voice._phrases import (
    Phrase,
    PhraseError,
    PhraseTable,
    load_phrase_table,
    normalise,
)
from voice._speak import EARCONS, SpeechError, earcon, render_speech
from voice._wake import MicroWakeWord, trained_model

__all__ = [
    "ARPABET",
    "EARCONS",
    "IGNORED",
    "INTENTS",
    "NOT_UNDERSTOOD",
    "WAKE_ONLY",
    "AnswerOutput",
    "EchoCancel",
    "EngineError",
    "EspeakError",
    "Heard",
    "Intent",
    "IntentParser",
    "Listener",
    "MicroWakeWord",
    "Phrase",
    "PhraseError",
    "PhraseTable",
    "Played",
    "Pronouncer",
    "Recognizer",
    "SpeechError",
    "Transcript",
    "VoiceSettings",
    "choose_engine",
    "dictionary_words",
    "earcon",
    "english_number",
    "espeak_phonemes",
    "input_stream_open",
    "ipa_to_arpabet",
    "load_phrase_table",
    "make_listener",
    "make_recognizer",
    "normalise",
    "parse_phones",
    "render_speech",
    "split_wake",
    "trained_model",
    "update_names",
]
