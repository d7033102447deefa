"""Benchmark: spoken commands through the whole voice pipeline (VAD, wake word, engine, intent).

Test sets from tests/voice/heldout/ (written by someone who never saw the phrase table), each
case tagged tune or heldout; voices likewise (tests/voice/speech.py: TUNE_VOICES for the tune
side, HELDOUT_VOICES for the held-out side). Every command is said as "hey mycroft, <command>"
in one breath at -25 dBFS active speech level, with a -70 dBFS noise floor, a fresh listener
per case, in seven conditions: clean, music at 10 and 5 dB SNR (ducked to [player] duck_pct
while the listener attends, as the daemon does), pink noise, a second talker, a room, far field.

Reported: right / wrong action / nothing per condition and per voice (clean), out-of-scope
requests acted on, false actions and false wakes per hour of conversation (chatter, near misses
of the wake word, real read speech; no wake word), wake detection, end of speech -> intent
latency (true end of the command in the rendering to the stream clock of the block whose feed()
returned the intent plus that call's wall time), and the CPU share of one core while idle.

    .venv/bin/python bench/voice.py [--quick] [--split all|tune|heldout] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import sys
import tempfile
import time
import tomllib
import zlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.voice.speech import (
    HELDOUT_VOICES,
    SCENE_LEAD_S,
    SR,
    TUNE_VOICES,
    Condition,
    Scene,
    at_level,
    corpus_names,
    music_bed,
    noise_floor,
    read_speech,
    say,
    scene,
    to_pcm,
)
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    Heard,
    Listener,
    VoiceSettings,
    make_listener,
    normalise,
)

CACHE = Path(tempfile.gettempdir()) / "moodplay-voice-bench"
DATA = Path(__file__).resolve().parent.parent / "tests" / "voice" / "heldout"
WAKE_PHRASE = "hey mycroft"
SETTINGS = VoiceSettings()
"""The daemon's defaults. Their wake phrase is WAKE_PHRASE once the trained wake word lands;
before that the bench runs all the same and shows what an older pipeline makes of it."""
BLOCK = 512
"""Samples per feed() call: 32 ms, what the microphone capture delivers."""
GAP_S = 1.0
"""Pause between the sentences of a conversation."""
DUCK_GAIN = 0.3**3
"""[player] duck_pct = 30 on libVLC's cubic volume curve (player/_ramp.py): amplitude 0.027."""
SPEECH_DBFS = -25.0
"""Every voice is brought to this active speech level (synthesisers range from -13 to -27
dBFS): a voice about a metre from the microphone. The noise floor and the SNRs are relative."""
SIDES = ("tune", "heldout")
SIDE_VOICES = {"tune": TUNE_VOICES, "heldout": HELDOUT_VOICES}
CLEAN_VOICES = 5
"""Voices per command in the clean condition (all of a side's, up to this): 5 of the 9
held-out voices keeps the full run inside 25 minutes on two cores."""
QUICK_VOICES = {"tune": TUNE_VOICES, "heldout": ("rms", "espeak-f3", "festival-kd")}
NO_ACTION = (IGNORED, WAKE_ONLY, NOT_UNDERSTOOD)
OUTCOMES = ("right", "wrong", "nothing")
DASH = "\N{EN DASH}"


CONDITIONS = (
    Condition("clean"), Condition("music 10 dB", "music", 10.0),
    Condition("music 5 dB", "music", 5.0), Condition("pink noise 10 dB", "pink", 10.0),
    Condition("second talker 10 dB", "talker", 10.0), Condition("room reverb", reverb=True),
    Condition("far field", reverb=True, gain_db=-12.0),
)  # fmt: skip
QUICK_CONDITIONS = ("clean", "music 10 dB", "far field")
BY_NAME = {c.name: c for c in CONDITIONS}


@dataclass(frozen=True)
class Case:
    """One command (or out-of-scope request) said by one voice in one condition."""

    kind: str
    """"command" or "out_of_scope" (expected: no action)."""
    side: str
    text: str
    intent: str
    slots: tuple[tuple[str, Any], ...]
    voice: str
    condition: str

    @property
    def seed(self) -> int:
        return zlib.crc32(f"{self.text}|{self.voice}|{self.condition}".encode())


@dataclass(frozen=True)
class Talk:
    """A stretch of conversation without the wake word: (source, text) sentences in a voice,
    or the real read speech when voice is ""."""

    side: str
    voice: str
    sentences: tuple[tuple[str, str], ...]


@dataclass
class CaseResult:
    case: Case
    outcome: str
    """right, wrong or nothing."""
    woke: bool
    latency_ms: float | None
    """End of speech -> the Heard, wall time (right answers only)."""
    latency_cpu_ms: float | None
    """The same with the feed() call's CPU time instead of its wall time."""
    heard: list[str]


@dataclass
class TalkResult:
    side: str
    seconds: dict[str, float] = field(default_factory=dict)
    actions: dict[str, int] = field(default_factory=dict)
    wakes: dict[str, int] = field(default_factory=dict)
    sentences: dict[str, int] = field(default_factory=dict)
    examples: list[str] = field(default_factory=list)


# ---- test sets and the plan ----


def load(name: str, sides: Sequence[str]) -> list[dict[str, Any]]:
    cases = tomllib.loads((DATA / f"{name}.toml").read_text())["case"]
    return [c for c in cases if c["split"] in sides]


def sample(items: Sequence[Any], n: int | None) -> list[Any]:
    """``n`` items spread evenly over ``items`` (files are grouped by intent), or all."""
    if n is None or n >= len(items):
        return list(items)
    return [items[int(i * len(items) / n)] for i in range(n)]


def command_cases(kind: str, rows: list[dict[str, Any]], quick: bool) -> list[Case]:
    """Clean: every row in CLEAN_VOICES voices of its side (rotating); other conditions: one
    voice per row (rotating). Quick: every row in QUICK_VOICES and QUICK_CONDITIONS."""
    cases = []
    for side in SIDES:
        voices = (QUICK_VOICES if quick else SIDE_VOICES)[side]
        for i, row in enumerate(r for r in rows if r["split"] == side):
            for k, cond in enumerate(CONDITIONS):
                if quick and cond.name not in QUICK_CONDITIONS:
                    continue
                chosen = voices if quick else rotate(voices, i + k, CLEAN_VOICES if k == 0 else 1)
                cases += [_case(kind, row, voice, cond.name) for voice in chosen]
    return cases


def rotate(voices: Sequence[str], start: int, n: int) -> list[str]:
    return [voices[(start + j) % len(voices)] for j in range(min(n, len(voices)))]


def _case(kind: str, row: dict[str, Any], voice: str, condition: str) -> Case:
    slots = tuple(sorted(row.get("slots", {}).items()))
    return Case(kind, row["split"], row["text"], row["intent"], slots, voice, condition)


def talks(sides: Sequence[str], quick: bool) -> list[Talk]:
    """Per side: chatter and near misses in each voice of the side, and the read speech."""
    out = []
    for side in sides:
        rows = [("chatter", r["text"]) for r in load("chatter", [side])]
        rows += [("near_miss", r["text"]) for r in load("near_miss", [side])]
        rows = sample(rows, 20 if quick else None)
        voices = (QUICK_VOICES if quick else SIDE_VOICES)[side]
        out += [Talk(side, voice, tuple(rows)) for voice in voices]
        out.append(Talk(side, "", ()))
    return out


def plan(sides: Sequence[str], quick: bool) -> tuple[list[Case], list[Talk]]:
    n = 20 if quick else None
    commands = [r for s in sides for r in sample(load("commands", [s]), n)]
    requests = [r for s in sides for r in sample(load("out_of_scope", [s]), n and 5)]
    cases = command_cases("command", commands, quick)
    cases += [c for c in command_cases("out_of_scope", requests, quick)
              if c.condition in ("clean", "music 10 dB")]  # fmt: skip
    return cases, talks(sides, quick)


# ---- feeding the listener ----


class Probe:
    """The listener's callbacks: counts wakes and ducks the music as the daemon does: with
    on_attention where the listener has it (moodplay/_voice_thread.py), else down on the wake
    (on_wake) or at speech start (on_speech True) and back up when the utterance ends.
    ``on_talk``: also down while someone talks (``on_voice_activity``), as the daemon does
    with echo cancellation on (``[voice] duck_on_speech``)."""

    def __init__(self, listener: Listener, *, on_talk: bool = False) -> None:
        self.wake_aware = hasattr(listener, "on_wake")
        self.attention = hasattr(listener, "on_attention")
        self.wakes: list[float] = []
        self._ducked = False
        self._talking = False
        self.clock_s = 0.0
        # Set by name: these callbacks change with the wake-word work, the bench runs on both.
        calls = {"on_wake": self._wake, "on_attention": self._attend, "on_speech": self._speech}
        if on_talk:
            calls["on_voice_activity"] = self._talk
        for name, call in calls.items():
            setattr(listener, name, call)

    @property
    def ducked(self) -> bool:
        return self._ducked or self._talking

    def _talk(self, on: bool) -> None:
        self._talking = on

    def _wake(self) -> None:
        self.wakes.append(self.clock_s)
        self._ducked = self._ducked or not self.attention

    def _attend(self, on: bool) -> None:
        self._ducked = on

    def _speech(self, started: bool) -> None:
        if not self.attention and not (started and self.wake_aware):
            self._ducked = started


class Produced(NamedTuple):
    """A Heard and the moment it was produced: the stream clock after the block that produced
    it plus the wall time of that feed() call (at_s), or plus its CPU time (at_cpu_s: what an
    idle machine would show when other work shares the cores during the run)."""

    heard: Heard
    at_s: float
    at_cpu_s: float


def stream(listener: Listener, scene: Scene) -> tuple[list[Produced], Probe]:
    """Feed the scene block by block, ducking the music while the probe says so."""
    probe = Probe(listener)
    full, ducked = scene.mix(), scene.mix(DUCK_GAIN) if scene.bed is not None else None
    out: list[Produced] = []
    for i in range(0, full.shape[0], BLOCK):
        probe.clock_s = min(i + BLOCK, full.shape[0]) / SR
        block = (ducked if ducked is not None and probe.ducked else full)[i : i + BLOCK]
        out += _timed(listener.feed, block, probe.clock_s)
    return out + _timed(lambda _: listener.finish(), None, probe.clock_s), probe


def _timed(call: Callable[[Any], list[Heard]], arg: Any, clock_s: float) -> list[Produced]:
    t0, c0 = time.perf_counter(), time.process_time()
    heard = call(arg)
    wall_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
    return [Produced(h, clock_s + wall_s, clock_s + cpu_s) for h in heard]


def woke(produced: Iterable[Produced], probe: Probe) -> list[float]:
    """Stream times of the wakes: the listener's own reports, else utterances that woke."""
    return probe.wakes if probe.wake_aware else [p.heard.end_s for p in produced if p.heard.woke]


# ---- scoring ----


def acting(produced: Iterable[Produced]) -> list[Produced]:
    return [p for p in produced if p.heard.intent.name not in NO_ACTION]


def slot_value(key: str, value: Any) -> Any:
    """Comparable slot values: a number as int; a name as the words the daemon looks it up
    by (voice.normalise: "Endgame: Singularity (Advanced Research)" is "endgame singularity
    advanced research"; the daemon matches library tags the same way)."""
    if key == "percent":
        try:
            return int(value)
        except (TypeError, ValueError):
            return value
    return normalise(str(value))


def matches(heard: Heard, case: Case) -> bool:
    # "statement" (the words of a fixed mood statement) rides along with its feeling.
    slots = {k: slot_value(k, v) for k, v in heard.intent.slots.items() if k != "statement"}
    return heard.intent.name == case.intent and slots == {
        k: slot_value(k, v) for k, v in case.slots
    }


def outcome(case: Case, acts: list[Produced]) -> str:
    if not acts:
        return "nothing"
    right = case.intent != "none" and len(acts) == 1 and matches(acts[0].heard, case)
    return "right" if right else "wrong"


# ---- workers ----

_WORKER: dict[str, Any] = {}


def _init(cache: str, names: dict[str, list[str]]) -> None:
    _WORKER.update(cache=Path(cache), names=names)


def _listener() -> Listener:
    """A fresh listener per case: a follow-up window must not leak into the next case."""
    return make_listener(SETTINGS, _WORKER["names"])


def run_case(case: Case) -> CaseResult:
    clip = at_level(say(f"{WAKE_PHRASE}, {case.text}", _WORKER["cache"], case.voice), SPEECH_DBFS)
    sc = scene(clip, BY_NAME[case.condition], case.seed)
    produced, probe = stream(_listener(), sc)
    acts = acting(produced)
    result = outcome(case, acts)
    said = [
        f"{p.heard.intent.name} {dict(p.heard.intent.slots)} ({p.heard.text!r})" for p in produced
    ]
    res = CaseResult(case, result, bool(woke(produced, probe)), None, None, said)
    if result == "right":
        res.latency_ms = round((acts[0].at_s - sc.end_s) * 1000, 1)
        res.latency_cpu_ms = round((acts[0].at_cpu_s - sc.end_s) * 1000, 1)
    return res


def talk_audio(talk: Talk) -> tuple[np.ndarray, list[tuple[str, float, float]]]:
    """The conversation as one clip with GAP_S pauses, and (source, start_s, end_s) spans."""
    clips = [(s, say(t, _WORKER["cache"], talk.voice)) for s, t in talk.sentences]
    if not talk.voice:
        clips = [("read speech", c) for c in read_speech()]
    clips = [(s, at_level(c, SPEECH_DBFS)) for s, c in clips]
    gap, parts, spans, at = np.zeros(int(GAP_S * SR)), [], [], SCENE_LEAD_S
    for source, clip in clips:
        parts += [clip, gap]
        spans.append((source, at, at + (clip.shape[0] + gap.shape[0]) / SR))
        at = spans[-1][2]
    return np.concatenate(parts), spans


def run_talk(talk: Talk) -> TalkResult:
    audio, spans = talk_audio(talk)
    seed = zlib.crc32(f"{talk.side}|{talk.voice}".encode())
    sc = scene(audio, CONDITIONS[0], seed)
    produced, probe = stream(_listener(), sc)
    res = TalkResult(talk.side)
    for source, start, end in spans:
        res.seconds[source] = res.seconds.get(source, 0.0) + end - start
        _count(res.sentences, source)
    for t in woke(produced, probe):
        _count(res.wakes, _source(spans, t))
    for p in acting(produced):
        _count(res.actions, _source(spans, p.heard.end_s))
        res.examples.append(f"{talk.voice or 'read'}: {p.heard.intent.name} <- {p.heard.text!r}")
    return res


def _source(spans: list[tuple[str, float, float]], t: float) -> str:
    return next((s for s, start, end in spans if start <= t < end), spans[-1][0])


def _count(counts: dict[str, int], key: str) -> None:
    counts[key] = counts.get(key, 0) + 1


def run_job(job: Case | Talk) -> CaseResult | TalkResult:
    return run_case(job) if isinstance(job, Case) else run_talk(job)


def run_all(jobs: list[Case | Talk], cache: Path) -> list[CaseResult | TalkResult]:
    names = corpus_names()
    make_listener(SETTINGS, names)  # fail here, at once, if the pipeline cannot be built
    results: list[CaseResult | TalkResult] = []
    ctx = multiprocessing.get_context("fork")
    with ctx.Pool(2, initializer=_init, initargs=(str(cache), names)) as pool:
        for i, r in enumerate(pool.imap_unordered(run_job, jobs, chunksize=4)):
            results.append(r)
            if (i + 1) % max(1, len(jobs) // 10) == 0:
                print(f"  {i + 1}/{len(jobs)} done", file=sys.stderr, flush=True)
    return results


# ---- idle CPU ----


def cpu_pct(audio: np.ndarray) -> float:
    """CPU time (all threads) per second of audio fed, as a percentage of one core."""
    listener = make_listener(SETTINGS, corpus_names())
    start = time.process_time()
    for i in range(0, audio.shape[0], BLOCK):
        listener.feed(audio[i : i + BLOCK])
    return float(100 * (time.process_time() - start) / (audio.shape[0] / SR))


def idle_cpu() -> dict[str, float]:
    floor = noise_floor(30 * SR, 1)
    bed = music_bed(30.0, 7)
    tune = to_pcm(bed + floor[: bed.shape[0]])
    return {"silence": round(cpu_pct(to_pcm(floor)), 2), "music": round(cpu_pct(tune), 2)}


# ---- summaries ----


def pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else float("nan")


def tally(results: list[CaseResult]) -> dict[str, Any]:
    n = len(results)
    shares = {o: pct(sum(r.outcome == o for r in results), n) for o in OUTCOMES}
    wall = percentiles([r.latency_ms for r in results if r.latency_ms is not None], "")
    cpu = percentiles([r.latency_cpu_ms for r in results if r.latency_cpu_ms is not None], "cpu_")
    return {"n": n, **shares, "wake": pct(sum(r.woke for r in results), n), **wall, **cpu}


def percentiles(values: list[float], prefix: str) -> dict[str, float]:
    if not values:
        return {}
    return {f"{prefix}p{q}_ms": round(float(np.percentile(values, q))) for q in (50, 95)}


def group(results: list[CaseResult], key: Callable[[CaseResult], Any]) -> dict[Any, dict[str, Any]]:
    keys = list(dict.fromkeys(key(r) for r in results))
    return {k: tally([r for r in results if key(r) == k]) for k in keys}


def conversation(talk_results: list[TalkResult], side: str) -> dict[str, Any]:
    mine = [t for t in talk_results if t.side == side]
    seconds = sum(s for t in mine for s in t.seconds.values())
    actions = sum(n for t in mine for n in t.actions.values())
    wakes = sum(n for t in mine for n in t.wakes.values())
    near = sum(t.wakes.get("near_miss", 0) for t in mine)
    near_n = sum(t.sentences.get("near_miss", 0) for t in mine)
    hours = seconds / 3600 or float("nan")
    return {
        "minutes": round(seconds / 60, 1), "false_actions": actions, "false_wakes": wakes,
        "near_miss_wakes": near, "near_miss_sentences": near_n,
        "near_miss_wake_pct": pct(near, near_n), "false_actions_per_h": round(actions / hours, 1),
        "false_wakes_per_h": round(wakes / hours, 1),
    }  # fmt: skip


def summarise(results: list[CaseResult | TalkResult], sides: Sequence[str]) -> dict[str, Any]:
    cases = [r for r in results if isinstance(r, CaseResult)]
    commands = [r for r in cases if r.case.kind == "command"]
    requests = [r for r in cases if r.case.kind == "out_of_scope"]
    clean = [r for r in commands if r.case.condition == "clean"]
    talked = [r for r in results if isinstance(r, TalkResult)]
    return {
        "conditions": group(commands, lambda r: (r.case.condition, r.case.side)),
        "voices": group(clean, lambda r: r.case.voice),
        "sides": group(commands, lambda r: r.case.side),
        "out_of_scope": group(requests, lambda r: r.case.side),
        "conversation": {s: conversation(talked, s) for s in sides},
        "false_action_examples": [e for t in talked if t.side == "tune" for e in t.examples],
        "tune_failures": [
            failure(r) for r in cases if r.case.side == "tune" and r.outcome != "right"
        ],
    }


def failure(r: CaseResult) -> dict[str, Any]:
    """Tune side only: held-out failures are not listed, so nobody tunes on them."""
    c = r.case
    return {"text": c.text, "expected": [c.intent, dict(c.slots)], "voice": c.voice,
            "condition": c.condition, "outcome": r.outcome, "heard": r.heard}  # fmt: skip


# ---- the report ----


def row(cells: Iterable[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def fmt(t: dict[str, Any] | None, keys: Sequence[str]) -> list[str]:
    return [f"{t[k]:.1f}" if t and k in t else DASH for k in keys]


def table(head: Sequence[str], rows: Iterable[Sequence[Any]]) -> list[str]:
    return [row(head), row(["---"] * len(head)), *(row(r) for r in rows)]


def condition_table(s: dict[str, Any], sides: Sequence[str]) -> list[str]:
    head = ["condition (n)", *[f"{side} {k} %" for side in sides for k in OUTCOMES]]
    rows = []
    for cond in CONDITIONS:
        ts = [s["conditions"].get((cond.name, side)) for side in sides]
        if any(ts):
            n = " / ".join(str(t["n"]) if t else "0" for t in ts)
            cells = [c for t in ts for c in fmt(t, OUTCOMES)] + [
                c for t in ts for c in fmt(t, ["wake"])
            ]
            rows.append([f"{cond.name} ({n})", *cells])
    return table(head + [f"wake {side} %" for side in sides], rows)


def voice_table(s: dict[str, Any]) -> list[str]:
    head = ["voice (clean)", "side", "n", "right %", "wrong %", "nothing %", "wake %"]
    rows = [
        [voice, side, t["n"], *fmt(t, [*OUTCOMES, "wake"])]
        for side in SIDES
        for voice in SIDE_VOICES[side]
        if (t := s["voices"].get(voice))
    ]
    return table(head, rows)


def summary_rows(s: dict[str, Any], side: str) -> list[str]:
    conv, oos, tot = s["conversation"][side], s["out_of_scope"].get(side), s["sides"].get(side, {})
    return [
        f"{conv['minutes']}",
        f"{conv['false_actions_per_h']} ({conv['false_actions']})",
        f"{conv['false_wakes_per_h']} ({conv['false_wakes']}; {conv['near_miss_wakes']})",
        f"{conv['near_miss_wake_pct']} ({conv['near_miss_sentences']})",
        f"{oos['wrong']} ({oos['n']})" if oos else DASH,
        f"{tot.get('wake', DASH)}",
        f"{tot.get('p50_ms', DASH)} / {tot.get('p95_ms', DASH)}",
        f"{tot.get('cpu_p50_ms', DASH)} / {tot.get('cpu_p95_ms', DASH)}",
    ]


SUMMARY = (
    "conversation without the wake word, minutes",
    "false actions per hour (count)",
    "false wakes per hour (count; on near misses)",
    "near misses of the wake word that woke it, % (n)",
    "out-of-scope requests acted on, % (n)",
    "wake detected, all conditions, %",
    "end of speech -> intent, p50 / p95 ms",
    "the same with CPU time for processing (no other load), p50 / p95 ms",
)


def summary_table(s: dict[str, Any], sides: Sequence[str], cpu: dict[str, float]) -> list[str]:
    columns = [summary_rows(s, side) for side in sides]
    rows = [[label, *(c[i] for c in columns)] for i, label in enumerate(SUMMARY)]
    idle = f"{cpu['silence']} / {cpu['music']}"
    rows.append(["CPU listening to faint noise / music, % of one core", *[idle] * len(sides)])
    return table(["measure", *sides], rows)


def report(s: dict[str, Any], sides: Sequence[str], cpu: dict[str, float]) -> str:
    parts = [condition_table(s, sides), voice_table(s), summary_table(s, sides, cpu)]
    return "\n\n".join("\n".join(p) for p in parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 commands a side, 3 conditions")
    parser.add_argument("--split", choices=("all", "tune", "heldout"), default="all")
    parser.add_argument("--json", type=Path, help="write the figures (and tune failures) here")
    parser.add_argument("--cache", type=Path, default=CACHE, help="rendered speech, kept")
    args = parser.parse_args()
    sides = SIDES if args.split == "all" else (args.split,)
    args.cache.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    cases, convs = plan(sides, args.quick)
    print(f"{len(cases)} cases, {len(convs)} conversations", file=sys.stderr)
    results = run_all([*convs, *cases], args.cache)
    summary, cpu = summarise(results, sides), idle_cpu()
    run_s = round(time.perf_counter() - t0)
    print(report(summary, sides, cpu) + "\n\n" + footer(len(cases), run_s))
    if args.json:
        write_json(args.json, summary, {"cpu_pct": cpu, "run_s": run_s, "quick": args.quick})


def footer(cases: int, run_s: int) -> str:
    said = f"said {WAKE_PHRASE!r}, listener's wake phrase {SETTINGS.wake_phrase!r}"
    load = "load average {:.1f} {:.1f} {:.1f}".format(*os.getloadavg())
    return f"{cases} cases, {said}, {run_s} s ({load})"


def write_json(path: Path, summary: dict[str, Any], extra: dict[str, Any]) -> None:
    conditions = {f"{c} / {side}": t for (c, side), t in summary["conditions"].items()}
    said = {"wake_phrase": WAKE_PHRASE, "listener_wake_phrase": SETTINGS.wake_phrase}
    out = {**summary, "conditions": conditions, **said, **extra}
    path.write_text(json.dumps(out, indent=2, default=asdict))


if __name__ == "__main__":
    main()
