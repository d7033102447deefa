"""Benchmark: how noisy is voice tone? Sentence spread against delivery response, per voice.

20 neutral commands, each spoken by six synthetic voices (flite slt, rms, awb, kal16; espeak-ng
en-us+m3, en-us+f3) in a neutral delivery and six changed ones (sox tempo 1.15 / 0.85, pitch
+200 / -200 cents, level -10 / +6 dB; each voice's neutral renderings share one gain that puts
the loudest at -7 dBFS, so +6 dB does not clip). Every utterance goes through the hook's own
path (openSMILE eGeMAPSv02 -> z-score against the speaker's Baseline -> the ONNX tone model);
sentence i is read against a baseline warmed on that voice's 19 other neutral sentences
(leave one out, 19 utterances: confidence 0.95, as a daemon's after 19 commands).

Per voice it prints: the spread of arousal and valence across sentences in the neutral delivery
(standard deviation and the 5-95 % range), the mean shift of each delivery change (paired by
sentence) and the ratio shift / spread; then how often the tone gate (mood/_tone_gate.py) lets
neutral speech through and how often it passes each delivery change, for a few k and N; and
the markdown table for the model card.

    .venv/bin/python bench/voice_tone.py [--model FILE.onnx] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from models import VOICE_MOOD
from mood import SAMPLE_RATE_HZ as SR
from mood import Baseline, MoodEstimate, VoiceMoodModel, to_model_rate
from mood._smile import VoiceFeatures
from mood._tone_gate import GateRule, ToneGate, ToneSpread, model_key

SENTENCES = [
    "skip this song", "play something calm", "turn the volume down", "what song is this",
    "pause the music", "play the next track", "go back to the last song", "play some jazz",
    "stop the music", "turn it up a little", "shuffle my whole library", "repeat this song",
    "add this to my favourites", "play the album again", "lower the volume please",
    "resume playback", "play my morning playlist", "who sings this", "play something new",
    "set the volume to thirty percent",
]  # fmt: skip
VOICES: dict[str, list[str]] = {
    **{v: ["flite", "-voice", v, "-o", "{out}", "-t", "{text}"] for v in ("slt", "rms", "awb",
                                                                         "kal16")},
    **{f"espeak-{v}": ["espeak-ng", "-v", f"en-us+{v}", "-w", "{out}", "{text}"]
       for v in ("m3", "f3")},
}  # fmt: skip
"""Voice name -> synthesiser command line ({out}: the WAV it writes, {text}: what it says)."""
PEAK_DBFS = -7.0
Delivery = Callable[[np.ndarray], np.ndarray]


def sox(clip: np.ndarray, *effect: str) -> np.ndarray:
    """``clip`` (16 kHz int16) through a sox effect chain, 16 kHz int16 again."""
    with tempfile.TemporaryDirectory() as tmp:
        src, dst = Path(tmp) / "in.wav", Path(tmp) / "out.wav"
        sf.write(src, clip, SR, subtype="PCM_16")
        subprocess.run(["sox", "-D", str(src), "-r", str(SR), str(dst), *effect], check=True)
        out, _ = sf.read(dst, dtype="int16")
    return np.asarray(out, dtype=np.int16)


def gain(clip: np.ndarray, db: float) -> np.ndarray:
    """``clip`` scaled by ``db`` (the caller keeps the peak below full scale)."""
    return np.round(clip.astype(np.float64) * 10 ** (db / 20)).astype(np.int16)


DELIVERIES: dict[str, Delivery] = {
    "neutral": lambda c: c,
    "tempo 1.15": lambda c: sox(c, "tempo", "1.15"),
    "tempo 0.85": lambda c: sox(c, "tempo", "0.85"),
    "pitch +200": lambda c: sox(c, "pitch", "200"),
    "pitch -200": lambda c: sox(c, "pitch", "-200"),
    "level -10 dB": lambda c: gain(c, -10.0),
    "level +6 dB": lambda c: gain(c, 6.0),
}
SUSTAINED: dict[str, Delivery] = {
    **DELIVERIES,
    "all up": lambda c: gain(sox(c, "tempo", "1.3", "pitch", "300"), 6),
}
"""Changes run through the hook: 10 neutral sentences, then 5 sentences in the changed delivery.
"all up" is tempo 1.3 + pitch +300 cents + level +6 dB at once."""


def say(text: str, voice: str, folder: Path) -> np.ndarray:
    """``text`` spoken by ``voice`` (a key of VOICES), 16 kHz mono int16, cached in ``folder``."""
    out = folder / f"{voice}-{SENTENCES.index(text)}.wav"
    if not out.exists():
        command = [arg.format(out=out, text=text) for arg in VOICES[voice]]
        subprocess.run(command, check=True, capture_output=True)
    audio, sr = sf.read(out, dtype="float32", always_2d=True)
    mono = to_model_rate(np.ascontiguousarray(audio.mean(axis=1)), sr)
    return np.clip(np.round(mono * 32768), -32768, 32767).astype(np.int16)


def neutral_clips(voice: str, folder: Path) -> list[np.ndarray]:
    """The voice's neutral renderings, one shared gain: the loudest peaks at PEAK_DBFS."""
    clips = [say(text, voice, folder) for text in SENTENCES]
    peak = max(int(np.abs(c.astype(np.int32)).max()) for c in clips)
    return [gain(c, PEAK_DBFS - 20 * np.log10(peak / 32768)) for c in clips]


def readings(
    voice: str, folder: Path, smile: VoiceFeatures, model: VoiceMoodModel
) -> dict[str, np.ndarray]:
    """Delivery -> (sentences, 2) arousal and valence, each sentence against a baseline of the
    voice's other neutral sentences (leave one out)."""
    clips = neutral_clips(voice, folder)
    features = {name: [smile.extract(fx(c)) for c in clips] for name, fx in DELIVERIES.items()}
    out: dict[str, np.ndarray] = {}
    for name, rows in features.items():
        tones = [model.tone(x, _baseline(features["neutral"], skip=i)) for i, x in enumerate(rows)]
        out[name] = np.array([(t.arousal, t.valence) for t in tones])
    return out


def _baseline(rows: list[np.ndarray], skip: int) -> Baseline:
    baseline = Baseline(size=rows[0].shape[0])
    for i, x in enumerate(rows):
        if i != skip:
            baseline.update(x)
    return baseline


def figures(av: dict[str, np.ndarray]) -> dict[str, Any]:
    """Spread of the neutral delivery, shift and shift/spread per change, for one voice."""
    neutral = av["neutral"]
    std = neutral.std(axis=0, ddof=1)
    out: dict[str, Any] = {
        "mean": neutral.mean(axis=0).tolist(),
        "std": std.tolist(),
        "p5_p95": np.percentile(neutral, [5, 95], axis=0).T.tolist(),
        "shift": {},
        "ratio": {},
    }
    for name, rows in av.items():
        if name != "neutral":
            shift = (rows - neutral).mean(axis=0)
            out["shift"][name], out["ratio"][name] = shift.tolist(), (shift / std).tolist()
    return out


def gate_rates(
    av: dict[str, np.ndarray], prior: ToneSpread, k: float, n: int, trials: int = 2000
) -> dict[str, float]:
    """Share of windows of ``n`` random sentences (drawn with repeats, as people repeat
    commands) after which the gate would forward a mood (confidence >= 0.3), per delivery."""
    rng = np.random.default_rng(0)
    out: dict[str, float] = {}
    for name, rows in av.items():
        passed = 0
        for _ in range(trials):
            gate = ToneGate(prior, GateRule(k=k, recent=n, prior_weight=1e9))
            for t, i in enumerate(rng.integers(len(SENTENCES), size=n)):
                tone = MoodEstimate(float(rows[i, 0]), float(rows[i, 1]), 1.0, "voice tone")
                mood = gate.add(tone, SENTENCES[i], t)
            passed += mood.confidence >= 0.3
        out[name] = passed / trials
    return out


def hook_run(voice: str, folder: Path, change: Delivery, model: Path) -> dict[str, Any]:
    """Through VoiceMoodHook itself (fresh baseline, the gate, 20 s between utterances): 10
    neutral sentences, then 5 others in the changed delivery; the moods it returns for those 5."""
    from moodplay._voice_mood import VoiceMoodHook
    from voice import Intent

    clips, clock = neutral_clips(voice, folder), iter(range(0, 10_000, 20))
    hook = VoiceMoodHook(None, voice, {}, model, clock=lambda: float(next(clock)))
    for text, clip in zip(SENTENCES[:10], clips[:10], strict=True):
        hook(clip, Intent("next", {}, text))
    moods = [hook(change(clip), Intent("next", {}, text))
             for text, clip in zip(SENTENCES[10:15], clips[10:15], strict=True)]  # fmt: skip
    last = [m for m in moods if isinstance(m, MoodEstimate)][-1]
    forwarded = sum(isinstance(m, MoodEstimate) and m.confidence >= 0.3 for m in moods)
    return {"arousal": last.arousal, "confidence": last.confidence, "forwarded": forwarded}


def print_hook_runs(folder: Path, model: Path) -> dict[str, Any]:
    """hook_run for every voice and change: the mood after the 5th changed utterance."""
    print("\nThrough the hook: 10 neutral, then 5 changed; arousal / confidence after the 5th,")
    print("and how many of the 5 were forwarded (confidence >= 0.3)")
    runs: dict[str, Any] = {}
    for name, change in SUSTAINED.items():
        runs[name] = {voice: hook_run(voice, folder, change, model) for voice in VOICES}
        cells = "  ".join(f"{v} {r['arousal']:+.2f}/{r['confidence']:.2f} ({r['forwarded']})"
                          for v, r in runs[name].items())  # fmt: skip
        print(f"  {name:<37} {cells}")
    return runs


def card_table(per_voice: dict[str, dict[str, Any]]) -> str:
    """The model card's table: spread, shift and ratio per voice (arousal; valence spread)."""
    changes = [d for d in DELIVERIES if d != "neutral"]
    head = "| voice | arousal sd (5-95 %) | valence sd | " + " | ".join(changes) + " |"
    rows = [head, "|" + "---|" * (3 + len(changes))]
    for voice, f in per_voice.items():
        lo, hi = f["p5_p95"][0]
        cells = [f"{f['shift'][c][0]:+.2f} ({f['ratio'][c][0]:+.1f})" for c in changes]
        rows.append(f"| {voice} | {f['std'][0]:.2f} ({lo:+.2f} .. {hi:+.2f}) | "
                    f"{f['std'][1]:.2f} | " + " | ".join(cells) + " |")  # fmt: skip
    return "\n".join(rows)


def pooled(per_voice: dict[str, dict[str, Any]]) -> ToneSpread:
    """Root mean square of the per-voice standard deviations."""
    std = np.array([f["std"] for f in per_voice.values()])
    a, v = np.sqrt((std**2).mean(axis=0))
    return ToneSpread(round(float(a), 2), round(float(v), 2))


def print_voice(voice: str, f: dict[str, Any]) -> None:
    (alo, ahi), (vlo, vhi) = f["p5_p95"]
    print(
        f"\n{voice}: spread across {len(SENTENCES)} sentences, neutral delivery "
        f"(mean arousal {f['mean'][0]:+.3f}, valence {f['mean'][1]:+.3f})"
    )
    print(f"  arousal sd {f['std'][0]:.3f}  5-95 % {alo:+.2f} .. {ahi:+.2f}")
    print(f"  valence sd {f['std'][1]:.3f}  5-95 % {vlo:+.2f} .. {vhi:+.2f}")
    for name, (sa, sv) in f["shift"].items():
        ra, rv = f["ratio"][name]
        print(f"  {name:<13} shift arousal {sa:+.3f} ({ra:+.2f} sd)  "
              f"valence {sv:+.3f} ({rv:+.2f} sd)")  # fmt: skip


def print_gate(all_av: dict[str, dict[str, np.ndarray]], prior: ToneSpread) -> dict[str, Any]:
    """Forwarded share per delivery, pooled over voices, for a grid of k and N."""
    print(f"\nGate: share of N-utterance windows forwarded (confidence >= 0.3), sd = {prior}")
    print(f"  {'k':>4} {'N':>3}  " + "  ".join(f"{d:>12}" for d in DELIVERIES))
    grid: dict[str, Any] = {}
    for k in (2.0, 2.5, 3.0):
        for n in (3, 5, 8):
            rates = [gate_rates(av, prior, k, n, trials=400) for av in all_av.values()]
            mean = {d: float(np.mean([r[d] for r in rates])) for d in DELIVERIES}
            worst_neutral = max(r["neutral"] for r in rates)
            grid[f"k={k} N={n}"] = {**mean, "neutral, worst voice": worst_neutral}
            cells = "  ".join(f"{mean[d]:>12.3f}" for d in DELIVERIES)
            print(f"  {k:>4} {n:>3}  {cells}   (neutral, worst voice {worst_neutral:.3f})")
    return grid


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", type=Path, default=VOICE_MOOD, help="tone model (.onnx)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    smile, model = VoiceFeatures(), VoiceMoodModel(args.model)
    print(f"model {args.model.name}, key {model_key(args.model)}")
    with tempfile.TemporaryDirectory() as tmp:
        all_av = {voice: readings(voice, Path(tmp), smile, model) for voice in VOICES}
        per_voice = {voice: figures(av) for voice, av in all_av.items()}
        for voice, f in per_voice.items():
            print_voice(voice, f)
        prior = pooled(per_voice)
        print(f'\nMEASURED_SPREAD["{model_key(args.model)}"] = {prior}  (pooled over voices)')
        grid = print_gate(all_av, prior)
        runs = print_hook_runs(Path(tmp), args.model)
    print("\nArousal shift per delivery change (shift / sentence sd):\n")
    print(card_table(per_voice))
    if args.json:
        report = {"voices": per_voice, "pooled": prior.__dict__, "gate": grid, "hook": runs}
        args.json.write_text(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()
