"""``moodplay listen``: the voice pipeline as a standalone diagnostic (file or microphone)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np

from library import Store, StoreError, library_names, read_mono
from mood import MoodEstimate, to_model_rate
from moodplay._commands import CommandError, Registry, voice_commands
from moodplay._config import Config, data_dir
from moodplay._paths import database_path
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    EngineError,
    Heard,
    Listener,
    PhraseError,
    VoiceSettings,
    make_listener,
)


class ListenError(Exception):
    """Voice cannot run; the message says why and what to do."""


def voice_settings(config: Config) -> VoiceSettings:
    v = config.voice
    model = (
        Path(v.vosk_model).expanduser()
        if v.vosk_model
        else data_dir() / "models" / "vosk-small-en-us"
    )
    return VoiceSettings(
        language=v.language, engine=v.engine, vosk_model=model, wake_phrase=v.wake_phrase,
        vad_threshold=v.vad_threshold, trailing_silence_ms=v.trailing_silence_ms,
        follow_up_s=v.follow_up_s, min_match=v.min_match,
        vosk_min_confidence=v.vosk_min_confidence,
        sphinx_kws_threshold=v.sphinx_kws_threshold, command_max_s=v.command_max_s,
        pronunciations=dict(v.pronunciations),
    )  # fmt: skip


def _names(config: Config, db: str | None) -> dict[str, list[str]]:
    path = database_path(config, db)
    if not path.exists():
        return {}
    try:
        with Store(path) as store:
            return library_names(store)
    except StoreError:
        return {}


def build_listener(config: Config, args: argparse.Namespace) -> Listener:
    if not config.voice.enabled:
        raise ListenError("voice is switched off ([voice] enabled = false)")
    from moodplay._voice_mood import VoiceMoodHook

    tone_model = Path(config.voice.tone_model).expanduser() if config.voice.tone_model else None
    mood = VoiceMoodHook(
        database_path(config, args.db), "default", config.moods.feelings, tone_model
    )
    try:
        return make_listener(
            voice_settings(config), _names(config, args.db), require_wake=not args.once, mood=mood
        )
    except (EngineError, PhraseError) as e:
        raise ListenError(str(e)) from e


def listen_file(listener: Listener, path: Path) -> list[Heard]:
    try:
        mono, sr = read_mono(path)
    except Exception as e:
        raise ListenError(f"cannot read {path}: {e}") from e
    pcm = np.clip(to_model_rate(mono, sr) * 32768.0, -32768, 32767).astype(np.int16)
    heard: list[Heard] = []
    for i in range(0, pcm.shape[0], 512):
        heard += listener.feed(pcm[i : i + 512])
    # Trailing silence so an utterance that runs to the end of the file is ended by the VAD.
    heard += listener.feed(np.zeros(16000, dtype=np.int16))
    return heard + listener.finish()


def listen_microphone(listener: Listener, device: str, once: bool) -> Iterable[Heard]:
    from voice._capture import Microphone

    with Microphone(device or None) as mic:
        print(f"listening on {mic.name!r} (Ctrl-C to stop)", file=sys.stderr, flush=True)
        for block in mic.blocks(timeout_s=5.0):
            for heard in listener.feed(block):
                yield heard
                if once and heard.intent.name != IGNORED:
                    return


def command_of(h: Heard, registry: Registry) -> dict[str, Any] | None:
    """The registry command an utterance asks for, or the reason it is not one."""
    if h.intent.name in (IGNORED, WAKE_ONLY, NOT_UNDERSTOOD):
        return None
    try:
        call = registry.from_intent(h.intent)
    except CommandError as e:
        return {"error": str(e)}
    return {"name": call.name, "args": dict(call.args)}


def as_json(h: Heard, command: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "command": command,
        "intent": h.intent.name, "slots": dict(h.intent.slots), "text": h.text,
        "confidence": h.intent.confidence, "asr_confidence": round(h.asr_confidence, 3),
        "woke": h.woke, "start_s": round(h.start_s, 3), "end_s": round(h.end_s, 3),
        "latency_ms": round(h.latency_ms, 1), "processing_ms": round(h.processing_ms, 1),
        "mood": _mood_json(h.mood), **{k: round(v, 1) for k, v in h.extra.items()},
    }  # fmt: skip


def _mood_json(mood: object) -> dict[str, Any] | None:
    if not isinstance(mood, MoodEstimate):
        return None
    return {"arousal": round(mood.arousal, 3), "valence": round(mood.valence, 3),
            "confidence": round(mood.confidence, 3), "source": mood.source}  # fmt: skip


def describe(h: Heard) -> str:
    slots = " ".join(f"{k}={v}" for k, v in h.intent.slots.items())
    return (
        f"[{h.start_s:6.2f}-{h.end_s:6.2f} s] {h.intent.name}{' ' + slots if slots else ''}"
        f'  heard "{h.text}"  confidence {h.intent.confidence:.2f}  '
        f"latency {h.latency_ms:.0f} ms"
        + (f"  mood arousal {h.mood.arousal:+.2f} valence {h.mood.valence:+.2f} "
           f"(confidence {h.mood.confidence:.2f}, {h.mood.source})"
           if isinstance(h.mood, MoodEstimate) else "")
    )  # fmt: skip


def cmd_listen(config: Config, args: argparse.Namespace) -> int:
    from voice._capture import MicrophoneUnavailableError

    listener = build_listener(config, args)
    if args.file:
        results: Iterable[Heard] = listen_file(listener, args.file)
    else:
        results = listen_microphone(listener, config.voice.input_device, args.once)
    registry = voice_commands(config.moods.targets, config.moods.feelings)
    try:
        for heard in results:
            command = command_of(heard, registry)
            if args.json:
                line = json.dumps(as_json(heard, command), ensure_ascii=False)
            else:
                line = describe(heard) + (f"  -> {command}" if command else "")
            print(line, flush=True)
    except MicrophoneUnavailableError as e:
        raise ListenError(str(e)) from e
    return 0
