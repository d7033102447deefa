"""Choosing and building the speech engine and the listener from plain settings."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from voice._asr import EngineError, Recognizer
from voice._intent import IntentParser
from voice._listen import Listener, MoodHook
from voice._phrases import PhraseTable, load_phrase_table
from voice._vad import Endpointer, SileroVad
from voice._wake import PHONES as WAKE_PHONES
from voice._wake import MicroWakeWord, trained_model

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class VoiceSettings:
    language: str = "en"
    engine: str = "auto"
    vosk_model: Path | None = None
    wake_phrase: str = "hey mycroft"
    vad_threshold: float = 0.5
    trailing_silence_ms: int = 256
    follow_up_s: float = 5.0
    min_match: float = 0.6
    vosk_min_confidence: float = 0.5
    sphinx_kws_threshold: float = 1e-40
    command_max_s: float = 4.0
    pronunciations: Mapping[str, str] = field(default_factory=dict)


def choose_engine(settings: VoiceSettings) -> str:
    has_vosk = settings.vosk_model is not None and (settings.vosk_model / "am").is_dir()
    if settings.engine == "auto":
        if has_vosk:
            return "vosk"
        if settings.language != "en":
            raise EngineError(
                f"no Vosk model for language {settings.language!r} at {settings.vosk_model}; "
                "PocketSphinx here only speaks English"
            )
        return "pocketsphinx"
    if settings.engine not in ("vosk", "pocketsphinx"):
        raise EngineError(
            f"unknown speech engine {settings.engine!r}: use auto, vosk or pocketsphinx"
        )
    if settings.engine == "pocketsphinx" and settings.language != "en":
        raise EngineError("PocketSphinx here only speaks English; use engine = vosk")
    return settings.engine


def make_wake(settings: VoiceSettings) -> MicroWakeWord | None:
    """The trained wake-word detector for the configured phrase, or None (custom phrase)."""
    model = trained_model(settings.wake_phrase)
    return None if model is None else MicroWakeWord(model)


def make_recognizer(settings: VoiceSettings, table: PhraseTable) -> Recognizer:
    engine = choose_engine(settings)
    recognizer: Recognizer
    if engine == "vosk":
        from voice._vosk import VoskRecognizer

        assert settings.vosk_model is not None
        recognizer = VoskRecognizer(settings.vosk_model, settings.vosk_min_confidence)
    else:
        from voice._sphinx import SphinxRecognizer

        words = {**table.pronunciations, **settings.pronunciations}
        recognizer = SphinxRecognizer(words, settings.sphinx_kws_threshold)
    model = trained_model(settings.wake_phrase)
    if model is None:
        recognizer.set_grammar(table, settings.wake_phrase)
    else:
        recognizer.set_grammar(table, "", WAKE_PHONES[model])
    log.info("speech engine: %s (%s)", recognizer.name, settings.language)
    return recognizer


def _recognizer(settings: VoiceSettings, table: PhraseTable, own_process: bool) -> Recognizer:
    if own_process and choose_engine(settings) == "pocketsphinx":  # Vosk's cffi calls free the GIL
        from voice._asr_process import RecognizerProcess

        try:
            return RecognizerProcess(settings, table)
        except EngineError as e:
            log.warning("speech engine: decoding in this process (%s)", e)
    return make_recognizer(settings, table)


def make_listener(
    settings: VoiceSettings,
    names: Mapping[str, Iterable[str]] | None = None,
    *,
    require_wake: bool = True,
    mood: MoodHook | None = None,
    own_process: bool = False,
) -> Listener:
    """The whole listening pipeline for ``settings``. With ``own_process`` PocketSphinx decodes
    in a child process (``voice._asr_process``: its decoding holds the GIL, which the daemon's
    mixer callback needs); falls back to this process, with a warning, when the child cannot
    start. Raises EngineError when the engine or its model cannot be used."""
    table = load_phrase_table(settings.language).with_names(names or {})
    recognizer = _recognizer(settings, table, own_process)
    wake = make_wake(settings)
    endpointer = Endpointer(
        SileroVad(),
        threshold=settings.vad_threshold,
        trailing_silence_ms=settings.trailing_silence_ms,
    )
    return Listener(
        recognizer,
        IntentParser(table, 1.0 if recognizer.exact else settings.min_match),
        endpointer,
        wake_phrase=settings.wake_phrase,
        wake=wake,
        require_wake=require_wake and bool(settings.wake_phrase.strip()),  # "": none needed
        follow_up_s=settings.follow_up_s,
        endpoint_ms=float(settings.trailing_silence_ms),
        command_max_s=settings.command_max_s,
        mood=mood,
    )


def update_names(
    listener: Listener, settings: VoiceSettings, names: Mapping[str, Iterable[str]]
) -> None:
    """Play-by-name follows the library: call when tracks are added, moved or gone."""
    table = load_phrase_table(settings.language).with_names(names)
    model = trained_model(settings.wake_phrase)
    lead_in = "" if model is None else WAKE_PHONES[model]
    listener.recognizer.set_grammar(table, "" if model else settings.wake_phrase, lead_in)
    listener.parser = IntentParser(table, 1.0 if listener.recognizer.exact else settings.min_match)
