"""Benchmark: spoken commands through the whole voice pipeline (VAD, engine, wake, intent).

For each engine available here: commands right (wake phrase + intent + slots) clean and with
real music underneath at 10 and 5 dB SNR, false accepts per hour of negative audio (read speech
from pocketsphinx-testdata and music alone), end-of-speech -> intent latency on the audio
timeline (p50, p95), voice-mood time per 3 s utterance, and the CPU share of one core while
listening to silence and to music. Thresholds were tuned on flite's slt voice; rms is held out.

    .venv/bin/python bench/voice.py [--quick] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import glob
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.speech import SR, mix_at_snr, music, say, silence
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    Heard,
    Listener,
    VoiceSettings,
    make_listener,
)  # fmt: skip

WAKE = "hey music"
PHRASES: list[tuple[str, str, dict[str, object]]] = [
    ("skip", "next", {}), ("next one", "next", {}), ("skip this song", "next", {}),
    ("pause", "pause", {}), ("pause the music", "pause", {}), ("resume", "resume", {}),
    ("keep playing", "resume", {}), ("stop the music", "stop", {}), ("go back", "previous", {}),
    ("previous song", "previous", {}), ("louder", "volume_up", {}),
    ("turn it down", "volume_down", {}), ("volume up", "volume_up", {}),
    ("set the volume to forty percent", "volume_set", {"percent": 40}),
    ("volume seventy five percent", "volume_set", {"percent": 75}), ("mute", "mute", {}),
    ("unmute", "unmute", {}), ("play something calm", "mood_request", {"mood": "calm"}),
    ("play something happy", "mood_request", {"mood": "happy"}),
    ("i want something energetic", "mood_request", {"mood": "energetic"}),
    ("put on something dark", "mood_request", {"mood": "dark"}),
    ("i'm tired", "mood_statement", {"feeling": "tired"}),
    ("i feel stressed", "mood_statement", {"feeling": "stressed"}),
    ("more like this", "more_like_this", {}), ("i love this song", "like", {}),
    ("not this one", "dislike", {}), ("never play this again", "ban", {}),
    ("what's playing", "whats_playing", {}), ("why this song", "why_this", {}),
    ("good night", "wind_down", {}), ("play music", "play", {}),
    ("play something by maxstack", "play_artist", {"artist": "maxstack"}),
]  # fmt: skip
VOICES = ("slt", "rms")
NAMES = {"artist": ["Maxstack"], "title": ["Nebula", "Coherence"], "album": []}


def feed(listener: Listener, audio: np.ndarray) -> list[Heard]:
    out: list[Heard] = []
    for i in range(0, audio.shape[0], 512):
        out += listener.feed(audio[i : i + 512])
    return out + listener.feed(silence(1.0)) + listener.finish()


def commands(
    settings: VoiceSettings, folder: Path, voice: str, snr: float | None
) -> dict[str, Any]:
    right, latencies = 0, []
    for i, (text, name, slots) in enumerate(PHRASES):
        clip = say(f"{WAKE} {text}", folder, voice)
        if snr is not None:
            clip = mix_at_snr(clip, music(clip.shape[0] / SR + 1, offset_s=20 + 5 * i), snr)
        listener = make_listener(settings, NAMES)
        heard = [
            h
            for h in feed(listener, np.concatenate([silence(0.3), clip]))
            if h.intent.name != IGNORED
        ]
        ok = [(h.intent.name, dict(h.intent.slots)) for h in heard] == [(name, slots)]
        right += ok
        latencies += [h.latency_ms for h in heard if ok]
    return {"right": right, "total": len(PHRASES), "latencies": latencies}


CHATTER = [
    "i think we should go to the market later", "did you see the game last night",
    "the music in this film is wonderful", "can you pass me the salt please",
    "skip the small talk and tell me the news", "turn left at the next corner",
    "i'm not sure what time the train leaves", "stop worrying about it",
    "this song reminds me of summer", "what did you have for lunch",
]  # fmt: skip


def false_accepts(settings: VoiceSettings, folder: Path) -> dict[str, Any]:
    """Negative audio: real read speech, everyday sentences without the wake phrase (flite),
    and every singularity track whole (music alone)."""
    from tests.conftest import corpus_files

    speech = [sf.read(f, dtype="int16")[0] for f in sorted(glob.glob(
        "/usr/share/pocketsphinx/test/data/librivox/*.wav"))]  # fmt: skip
    speech += [say(text, folder, voice) for text in CHATTER for voice in VOICES]
    tracks = [music(600.0, p.stem, 0.0) for p in corpus_files()]
    listener = make_listener(settings, NAMES)
    heard: list[Heard] = []
    seconds = 0.0
    for clip in [*speech, *tracks]:
        heard += feed(listener, np.concatenate([clip, silence(0.5)]))
        seconds += clip.shape[0] / SR + 1.5  # feed() adds a second of silence
    accepted = [h for h in heard if h.intent.name not in (IGNORED, NOT_UNDERSTOOD, WAKE_ONLY)]
    hours = seconds / 3600
    return {
        "audio_min": round(hours * 60, 1), "utterances": len(heard),
        "false_accepts": len(accepted), "per_hour": round(len(accepted) / hours, 1),
    }  # fmt: skip


def cpu_share(settings: VoiceSettings, audio: np.ndarray) -> float:
    listener = make_listener(settings, NAMES)
    start = time.process_time()
    feed(listener, audio)
    return float(100 * (time.process_time() - start) / (audio.shape[0] / SR))


def mood_ms(folder: Path) -> float:
    from mood import Baseline, VoiceMoodModel
    from mood._smile import VoiceFeatures

    smile, model, baseline = VoiceFeatures(), VoiceMoodModel(), Baseline(size=88)
    clip = say("could you please play something a little calmer for me", folder)[: 3 * SR]
    times = []
    for _ in range(10):
        t = time.perf_counter()
        model.estimate(smile.extract(clip), baseline)
        times.append((time.perf_counter() - t) * 1000)
    return float(np.median(times))


def engine_report(settings: VoiceSettings, folder: Path, quick: bool) -> dict[str, Any]:
    report: dict[str, Any] = {}
    for voice in VOICES:
        for label, snr in (("clean", None), ("10 dB", 10.0), ("5 dB", 5.0)):
            if quick and label == "5 dB":
                continue
            r = commands(settings, folder, voice, snr)
            report[f"{voice} {label}"] = {"right_pct": round(100 * r["right"] / r["total"], 1),
                                          "latencies": r["latencies"]}  # fmt: skip
    lat = [x for v in report.values() for x in v.pop("latencies")]
    report["latency_ms"] = {"p50": round(float(np.percentile(lat, 50))),
                            "p95": round(float(np.percentile(lat, 95)))}  # fmt: skip
    report["negatives"] = false_accepts(settings, folder)
    report["cpu_pct_silence"] = round(cpu_share(settings, silence(30.0)), 1)
    report["cpu_pct_music"] = round(cpu_share(settings, music(30.0, "Apex Aleph")), 1)
    return report


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip the 5 dB runs")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        sphinx = VoiceSettings(engine="pocketsphinx")
        results = {
            "phrasings": len(PHRASES), "voices": VOICES,
            "pocketsphinx": engine_report(sphinx, folder, args.quick),
            "voice_mood_ms_per_3s": round(mood_ms(folder), 1),
        }  # fmt: skip
    print(json.dumps(results, indent=2))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
