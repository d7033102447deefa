"""Benchmark: moodplay's MPD server and the real MPD 0.23 under the same load, in one run.

Both serve the same music (cuts of the demo library, scanned by moodplay and by MPD), both
play; then 50 clients (bench/mpdload.py) send status / currentsong / ping, one at a time each,
for a while against one server, then the other. Printed per server: commands/s, latency p50 /
p95, errors, the server's CPU time per command (utime + stime of its process tree from /proc,
over the run, divided by the commands answered) and its RSS before and after; then moodplay
over MPD. The daemon runs as the tests start it (tests/moodplay/daemon.py, voice off, a private
PulseAudio server); MPD as tests/moodplay/mpd_reference.py starts it (null output).

    .venv/bin/python bench/mpd_side_by_side.py [--clients 50] [--seconds 10] [--json OUT.json]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.mpdload import MpdClient, run_load
from bench.proctree import cpu_s, memory
from tests.conftest import short_library
from tests.moodplay.daemon import start
from tests.moodplay.mpd_reference import real_mpd
from tests.pulse import pulse_server

MIX = ("status", "currentsong", "ping")
TRACKS = ("Advanced Simulacra", "Awakening", "Coherence", "Enemy Unknown", "By-Product",
          "Inevitable", "Nebula", "Apex Aleph")  # fmt: skip
CUT_S = 60.0  # long enough that a track plays through the load (no skips in the middle)


def listener_pid(port: int) -> int:
    """The process listening on 127.0.0.1:``port`` (read from ``ss``)."""
    out = subprocess.run(["ss", "-Htlnp", f"sport = :{port}"], capture_output=True, text=True,
                         check=True).stdout  # fmt: skip
    found = re.search(r"pid=(\d+)", out)
    if found is None:
        raise RuntimeError(f"nothing listens on port {port}: {out!r}")
    return int(found.group(1))


def measure(name: str, port: int, pid: int, clients: int, seconds: float) -> dict[str, Any]:
    with MpdClient(port) as client:
        client.command("play")
        time.sleep(1.0)
        state = client.command("status").get("state")
    rss_before = memory(pid).rss_mb
    cpu_before = cpu_s(pid)
    result = run_load(port, clients, seconds, lambda _: None, MIX)
    cpu = cpu_s(pid) - cpu_before
    commands = sum(result.done.values())
    lat = result.latencies_ms
    return {
        "server": name, "state": state, "clients": clients, "seconds": round(result.seconds, 1),
        "commands": commands, "per_s": round(result.per_s),
        "p50_ms": float(np.percentile(lat, 50)) if lat else None,
        "p95_ms": float(np.percentile(lat, 95)) if lat else None,
        "errors": sum(result.errors.values()), "error_kinds": dict(result.errors),
        "cpu_us_per_command": 1e6 * cpu / commands if commands else None,
        "rss_mb_before": rss_before, "rss_mb_after": memory(pid).rss_mb,
    }  # fmt: skip


def run(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    (folder / "lib").mkdir()
    db = short_library(folder / "lib", TRACKS, seconds=CUT_S)  # scanned by moodplay's CLI
    music = db.parent / "music"
    out: dict[str, Any] = {"machine": {"cpu": platform.machine(), "cores": os.cpu_count(),
                                       "load_avg_before": os.getloadavg()}}  # fmt: skip
    with pulse_server(folder / "pulse") as env:
        daemon = start(db, env, "--no-voice")
        try:
            out["moodplay"] = measure("moodplay", daemon.mpd_port, daemon.proc.pid,
                                      args.clients, args.seconds)  # fmt: skip
        finally:
            daemon.stop()
    with real_mpd(music, folder / "mpd") as port:
        out["mpd"] = measure("MPD 0.23", port, listener_pid(port), args.clients, args.seconds)
    out["machine"]["load_avg_after"] = os.getloadavg()
    return out


def report(out: dict[str, Any]) -> None:
    rows = (("commands/s", "per_s", "{:,.0f}"), ("latency p50 ms", "p50_ms", "{:.2f}"),
            ("latency p95 ms", "p95_ms", "{:.2f}"), ("errors", "errors", "{:d}"),
            ("CPU µs per command", "cpu_us_per_command", "{:.0f}"),
            ("RSS before MB", "rss_mb_before", "{:.1f}"),
            ("RSS after MB", "rss_mb_after", "{:.1f}"))  # fmt: skip
    m, r = out["moodplay"], out["mpd"]
    print(f"{m['clients']} clients, {m['seconds']} s each, mix {', '.join(MIX)}; "
          f"{out['machine']['cores']} cores, load {out['machine']['load_avg_before']}")  # fmt: skip
    print(f"{'':22}{'moodplay':>14}{'MPD 0.23':>14}{'moodplay/MPD':>14}")
    for label, key, fmt in rows:
        a, b = m[key], r[key]
        ratio = f"{a / b:.2f}" if isinstance(a, int | float) and b else ""
        print(f"{label:22}{fmt.format(a):>14}{fmt.format(b):>14}{ratio:>14}")
    for side in (m, r):
        if side["error_kinds"]:
            print(f"{side['server']} errors: {side['error_kinds']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--json", type=Path)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="mpd-side-by-side-") as tmp:
        out = run(args, Path(tmp))
    report(out)
    if args.json:
        args.json.write_text(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
