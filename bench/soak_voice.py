"""Benchmark: an hour of the daemon as a smart speaker — playing through the mixer with voice on,
commands spoken over its music through the live room, a library scan running beside it.

The issue's "0 underruns in 1 hour of playback with voice on, on this 2-core machine under the
load of a scan in parallel", measured on the real daemon (``moodplay daemon``: mixer output,
echo cancellation, the speech engine in its own process, answers spoken through the mixer) in
a private PulseAudio server, with tests/room.py's live room feeding its music back into the
microphone at 0 dB music-to-speech (bench/aec_live.py's way). Beside it ``moodplay scan`` of a
copy of Debian's singularity-music runs again and again (bench/mixer.py's ``scanning``: decoding
and analysis on every core). Every ``EVERY_S`` a command is spoken (next, volume down, volume
up; tune and held-out phrasings in turn) and judged from outside as bench/aec_live.py does.

Dropouts are the daemon's own count (player/_keeper.py logs PortAudio's underflows and the
blocks the mixer had no sound for); CPU and RSS are the daemon's process (its speech engine's
child process apart).

    .venv/bin/python bench/soak_voice.py [--minutes 60]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.aec_live import (
    ANSWERS,
    LEVEL_S,
    _cpu_s,
    _one,
    _rss_mb,
    build_library,
    commands,
)
from bench.mixer import CORPUS, scanning
from bench.voice import CACHE, SPEECH_DBFS
from tests.conftest import run_moodplay
from tests.moodplay.daemon import NO_QUIET_HOURS, mpc, start
from tests.pulse import PulseServer
from tests.room import LiveRoom, Room

EVERY_S = 60.0
DROPOUTS = re.compile(r"\((\d+) and (\d+) since start\)")


def soak(minutes: float, folder: Path, answers: bool) -> dict[str, Any]:
    db = build_library(folder / "lib")
    server = PulseServer(folder)
    server.start()
    config = folder / "config.toml"
    config.write_text(
        NO_QUIET_HOURS + '[player]\noutput = "mixer"\n' + ("" if answers else ANSWERS)
    )
    room = LiveRoom(server.env, Room(delay_s=0.05, rt60_s=0.45)).start()
    d = start(
        db, {"XDG_DATA_HOME": str(folder / "data"), **server.env}, "--config", str(config), "-v"
    )  # its wake words, what it heard, its dropouts: printed as they come
    stop = threading.Event()
    scan = scanning(folder / "scan", stop)
    try:
        said = run_moodplay("say", "--url", d.web, "play something energetic")
        assert said.returncode == 0, said.stderr
        mpc(d.mpd_port, "volume", "90")
        for _ in range(2):
            time.sleep(LEVEL_S)
            room.music_gain *= 32768 * 10 ** (SPEECH_DBFS / 20) / max(room.echo_rms_long, 1.0)
        pid, t0 = d.proc.pid, time.monotonic()
        cpu0, rss0 = _cpu_s(pid), _rss_mb(pid)
        cases = commands(int(minutes * 60 / EVERY_S) + 1)
        results: list[dict[str, Any]] = []
        for case in cases:
            due = t0 + len(results) * EVERY_S
            time.sleep(max(0.0, due - time.monotonic()))
            if time.monotonic() - t0 > minutes * 60:
                break
            seen = len(d.lines)
            results.append(_one(d, room, CACHE, case, False))
            print(f"{(time.monotonic() - t0) / 60:5.1f} min: {case[1]!r} {results[-1]['result']}",
                  flush=True)  # fmt: skip
            for line in d.lines[seen:]:
                if any(k in line for k in ("dropouts", "voice: heard", "no sound output")):
                    print("    " + line.strip()[:160], flush=True)
        wall = time.monotonic() - t0
        cpu = 100 * (_cpu_s(pid) - cpu0) / wall
        rss = (rss0, _rss_mb(pid))
    finally:
        stop.set()
        d.stop()
        room.stop()
        server.stop()
    scan.join(timeout=600)
    found = [DROPOUTS.search(line) for line in d.lines]
    last = [m for m in found if m is not None]
    underflows, starved = (int(last[-1][1]), int(last[-1][2])) if last else (0, 0)
    return {"minutes": wall / 60, "results": results, "cpu_pct": cpu, "rss_mb": rss,
            "underflows": underflows, "starved_blocks": starved, "lost_output": sum(
                "no sound output" in line for line in d.lines)}  # fmt: skip


def report(run: dict[str, Any]) -> str:
    results = run["results"]
    assert isinstance(results, list)
    counts = {k: sum(r["result"] == k for r in results) for k in ("right", "wrong", "nothing")}
    lat = sorted(r["latency_s"] for r in results if r["result"] == "right")
    p95 = lat[int(0.95 * (len(lat) - 1))] if lat else float("nan")
    p50 = statistics.median(lat) if lat else float("nan")
    return (f"soak {run['minutes']:.1f} min with a scan beside it and voice on: "
            f"PortAudio underflows {run['underflows']}, mixer blocks without sound "
            f"{run['starved_blocks']} (10 ms each), output lost {run['lost_output']} times; "
            f"{len(results)} commands: right {counts['right']}, wrong {counts['wrong']}, nothing "
            f"{counts['nothing']}; change after the command p50 {p50:.2f} s, p95 {p95:.2f} s; "
            f"daemon CPU {run['cpu_pct']:.1f} % of a core; RSS {run['rss_mb'][0]:.1f} -> "
            f"{run['rss_mb'][1]:.1f} MB")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0)
    parser.add_argument("--no-answers", action="store_true", help="earcons and answers off")
    args = parser.parse_args()
    if not CORPUS.is_dir():
        sys.exit(f"{CORPUS} is missing: apt-get install singularity-music")
    with tempfile.TemporaryDirectory() as tmp:
        print(report(soak(args.minutes, Path(tmp), not args.no_answers)), flush=True)


if __name__ == "__main__":
    main()
