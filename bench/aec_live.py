"""The live half of bench/aec.py: the real daemon plays, the room feeds its music back into the
microphone, and commands are spoken into the room from outside.

One private PulseAudio server per output (tests/pulse.py), the acoustic testbed's live room
(tests/room.py: 50 ms, RT60 0.45 s, soft clipping, -70 dBFS noise; parec -> overlap-add ->
pacat), the demo library of the end-to-end tests. Two daemons one after the other: through the
mixer (``[player] output = "mixer"``: the echo canceller on) and on libVLC's own output (no
reference: the raw microphone, today's player). Each hears the same commands (next, volume up,
volume down; tune and held-out phrasings of tests/voice/heldout/commands.toml, each side in its
own voices, at -25 dBFS active level) with the music's echo set to the same RMS (0 dB
music-to-speech, before ducking), after ``CONVERGE_S`` of music. Before each command the
volume is set to 90 over MPD, so that up and down both show. Scored from outside, by what the
daemon did (MPD and the web status): right = the expected change, wrong = another change,
nothing = no change in ``WAIT_S``. Latency: the end of the speech in the room (plus pacat's
buffer) to the change seen in the status, polled every 50 ms (the output's latency, ~0.1-0.2 s
on PulseAudio, comes on top before it is heard). CPU: the daemon's process (playback, listening,
canceller, everything) per second of wall time while commands are spoken; RSS before and after.
"""

from __future__ import annotations

import os
import statistics
import time
from pathlib import Path
from typing import Any

import numpy as np

from bench.voice import QUICK_VOICES, SPEECH_DBFS, load
from tests.conftest import corpus_files, run_moodplay
from tests.moodplay.daemon import NO_QUIET_HOURS, Daemon, mpc, start
from tests.moodplay.test_end_to_end import view
from tests.pulse import PulseServer
from tests.room import PLAY_LATENCY_MS, LiveRoom, Room
from tests.voice.speech import active_rms, at_level, say, silence

LEVEL_S = 10.0
"""Music heard before its level at the microphone is set (over these seconds)."""
CONVERGE_S = 15.0
WAIT_S = 6.0
INTENTS = ("next", "volume_down", "volume_up")
ANSWERS = '[voice]\nanswers = "off"\n'
"""No earcons or spoken answers: until they play through the mixer (issue 14's answers part)
they have a stream of their own, the room carries the wake earcon into the microphone on top
of the command, and no canceller has it in its reference."""
OUTPUTS = {"mixer": "Speex (mixer output)", "vlc": "none (libVLC output, raw mic)",
           "paused": "(music paused: the live ceiling)"}  # fmt: skip


def commands(n: int) -> list[tuple[str, str, str, str]]:
    """``n`` (side, text, intent, voice), alternating sides and intents."""
    rows = {s: [r for r in load("commands", [s]) if r["intent"] in INTENTS]
            for s in ("tune", "heldout")}  # fmt: skip
    out = []
    for i in range(n):
        side = ("tune", "heldout")[i % 2]
        pool = [r for r in rows[side] if r["intent"] == INTENTS[(i // 2) % len(INTENTS)]]
        row = pool[(i // 6) % len(pool)]
        voices = QUICK_VOICES[side]
        out.append((side, row["text"], row["intent"], voices[(i // 2) % len(voices)]))
    return out


def build_library(folder: Path, tracks: int = 8) -> Path:
    """The demo music, whole tracks (a track that ends by itself during a command would read
    as a wrong action), scanned into a fresh database."""
    music = folder / "music"
    music.mkdir(parents=True)
    for src in corpus_files()[:tracks]:
        (music / src.name).symlink_to(src)
    db = folder / "lib.db"
    scan = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert scan.returncode == 0, scan.stderr
    return db


def _state(d: Daemon) -> tuple[str, int, str]:
    v = view(d)
    return (mpc(d.mpd_port, "current").strip(), int(v["volume"]), str(v["state"]))


def _judge(intent: str, before: tuple[str, int, str], after: tuple[str, int, str]) -> str:
    if after[:2] == before[:2]:
        return "nothing"
    # The state is not compared: a "next" while paused starts playing (right, not wrong).
    expected = {"next": after[0] != before[0] and after[1] == before[1],
                "volume_down": after[1] < before[1] and after[0] == before[0],
                "volume_up": after[1] > before[1] and after[0] == before[0]}  # fmt: skip
    return "right" if expected[intent] else "wrong"


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _one(d: Daemon, room: LiveRoom, cache: Path, case: tuple[str, str, str, str],
         paused: bool) -> dict[str, Any]:  # fmt: skip
    side, text, intent, voice = case
    mpc(d.mpd_port, "volume", "90")
    if paused:  # a "next" may have started it again
        mpc(d.mpd_port, "pause")
    time.sleep(0.5)
    before = _state(d)
    clip = at_level(say(f"hey mycroft, {text}", cache, voice), SPEECH_DBFS)
    room.speaking_echo()  # from here on
    room.say(np.concatenate([silence(0.2), clip, silence(0.3)]))
    while room.speaking():
        time.sleep(0.02)
    # The clip's trailing 0.3 s of silence left the room already; pacat still holds its buffer.
    spoken_end = time.monotonic() - 0.3 + PLAY_LATENCY_MS / 1000
    result, latency, after = "nothing", None, before
    while time.monotonic() < spoken_end + WAIT_S:
        after = _state(d)
        if after[:2] != before[:2]:
            latency = time.monotonic() - spoken_end
            # A change before the words were out cannot be their doing (a track's end).
            result = _judge(intent, before, after) if latency > -0.3 else "spontaneous"
            break
        time.sleep(0.05)
    time.sleep(1.0)
    heard = float(np.sqrt(np.mean(room.speaking_echo()))) / active_rms(clip)
    return {"side": side, "text": text, "voice": voice, "result": result, "latency_s": latency,
            "before": before, "after": after,
            "heard_ratio_db": round(20 * float(np.log10(max(heard, 1e-6))), 1)}  # fmt: skip


def run_output(output: str, db: Path, folder: Path, n: int, cache: Path) -> dict[str, Any]:
    """``output`` "mixer" or "vlc"; "paused": the mixer with the music paused after it
    converged (the same path with no echo: what the recogniser makes of it at best)."""
    server = PulseServer(folder)
    server.start()
    config = folder / "config.toml"
    player = "vlc" if output == "vlc" else "mixer"
    config.write_text(NO_QUIET_HOURS + f'[player]\noutput = "{player}"\n' + ANSWERS)
    room = LiveRoom(server.env, Room(delay_s=0.05, rt60_s=0.45)).start()
    d = start(db, {"XDG_DATA_HOME": str(folder / "data"), **server.env}, "--config", str(config))
    try:
        said = run_moodplay("say", "--url", d.web, "play something energetic")
        assert said.returncode == 0, said.stderr
        mpc(d.mpd_port, "volume", "90")  # each command starts from 90: the level is set there
        # 0 dB music-to-speech: the echo's RMS at the microphone (over LEVEL_S: a track's
        # loudness moves) is the speech's active level; set twice, the second time on the
        # music heard after the first (an intro is often 10 dB under the rest).
        for _ in range(2):
            time.sleep(LEVEL_S)
            room.music_gain *= 32768 * 10 ** (SPEECH_DBFS / 20) / max(room.echo_rms_long, 1.0)
        time.sleep(CONVERGE_S)
        pid = d.proc.pid
        cpu0, rss0, t0 = _cpu_s(pid), _rss_mb(pid), time.monotonic()
        results = [_one(d, room, cache, case, output == "paused") for case in commands(n)]
        cpu = 100 * (_cpu_s(pid) - cpu0) / (time.monotonic() - t0)
        return {"results": results, "cpu_pct": round(cpu, 1),
                "rss_mb": (round(rss0, 1), round(_rss_mb(pid), 1))}  # fmt: skip
    finally:
        d.stop()
        room.stop()
        server.stop()


def live(n: int, folder: Path, cache: Path) -> dict[str, Any]:
    db = build_library(folder / "lib")
    return {o: run_output(o, db, folder / o, n, cache) for o in OUTPUTS}


def live_report(runs: dict[str, Any]) -> str:
    lines = ["| output / canceller | side | right | wrong | nothing | n | change after the "
             "command, p50 / p95 s | music-to-speech heard, dB (median) |",
             "|---|---|---|---|---|---|---|---|"]  # fmt: skip
    for output, run in runs.items():
        for side in ("tune", "heldout"):
            rs = [r for r in run["results"] if r["side"] == side and r["result"] != "spontaneous"]
            c = {k: sum(r["result"] == k for r in rs) for k in ("right", "wrong", "nothing")}
            lat = sorted(r["latency_s"] for r in rs if r["result"] == "right")
            p = (f"{statistics.median(lat):.2f} / {lat[int(0.95 * (len(lat) - 1))]:.2f}"
                 if lat else "-")  # fmt: skip
            pct = {k: f"{100 * v / max(1, len(rs)):.0f} %" for k, v in c.items()}
            ratio = statistics.median(r["heard_ratio_db"] for r in rs) if rs else float("nan")
            lines.append(f"| {OUTPUTS[output]} | {side} | {pct['right']} | {pct['wrong']} | "
                         f"{pct['nothing']} | {len(rs)} | {p} | {ratio:+.1f} |")  # fmt: skip
    lines.append("")
    for output, run in runs.items():
        lines.append(f"{OUTPUTS[output]}: daemon CPU {run['cpu_pct']} % of one core while "
                     f"commands are spoken over its music; RSS {run['rss_mb'][0]} -> "
                     f"{run['rss_mb'][1]} MB")  # fmt: skip
    return "\n".join(lines)
