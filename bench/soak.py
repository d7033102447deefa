"""Soak benchmark: the daemon playing for N minutes under clients and a fault every 2 minutes.

The real daemon (``python -m moodplay daemon``, voice on unless ``--no-voice``) on a private
PulseAudio server, playing the demo library; 20 MPD clients (10 idling with ``idle``, 10 polling
``status`` and ``currentsong`` each second) and one WebSocket viewer of ``/api/events`` run the
whole time. Every ``--every-s`` (120) one fault from outside, in turn:

- lock: another process holds ``BEGIN EXCLUSIVE`` on the database for 45 s while 3 likes are
  acknowledged (they must all be in the database afterwards);
- sound server: the PulseAudio server is killed, and started again 20 s later;
- flood: 500 idle MPD connections held for 20 s, then closed.

The daemon runs without quiet hours (a volume change capped at night would read as not obeyed)
and with a private data folder. ``--faults`` chooses the faults and their order,
``--first-fault-s`` and ``--every-s`` their times, and ``--trace`` keeps every sample (5 s
apart) with each fault's start and recovery: where memory starts to grow, and after what.

A fault is survived when, within 60 s of its end, the process is alive, ``/health`` says ok, MPD
answers ``status``, a volume change is obeyed, and (lock) every like acknowledged is stored.
Prints RSS, threads and open descriptors at start, middle and end, the largest RSS seen, client
errors, the count of faults survived, and the samples where the daemon said "play" while
PulseAudio had no stream from it (music nobody hears: ``unheard_samples``, 0 when all is well).

    .venv/bin/python bench/soak.py [--minutes 30] [--db SCANNED.db] [--no-voice] [--json OUT]
        [--faults sound,flood] [--every-s 60] [--first-fault-s 30] [--trace SAMPLES.jsonl]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import aiohttp

from bench.mpdload import MpdClient
from tests.conftest import CORPUS, run_moodplay
from tests.moodplay.daemon import NO_QUIET_HOURS, Daemon, start
from tests.pulse import PulseServer

IDLERS, POLLERS = 10, 10
RECOVER_S = 60.0


@dataclass
class Sample:
    at_s: float
    rss_mb: float
    threads: int
    fds: int


@dataclass
class Counters:
    polls: int = 0
    idles: int = 0
    ws_messages: int = 0
    errors: dict[str, int] = field(default_factory=dict)

    def error(self, what: str) -> None:
        self.errors[what] = self.errors.get(what, 0) + 1


@dataclass
class FaultResult:
    kind: str
    at_s: float
    survived: bool
    recovered_s: float | None
    note: str = ""


def sample(pid: int, started: float) -> Sample:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    rss_kb = int(fields["VmRSS"].split()[0])
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return Sample(round(time.monotonic() - started, 1), round(rss_kb / 1024, 1),
                  int(fields["Threads"]), fds)  # fmt: skip


# -- clients -----------------------------------------------------------------------------------


def _forever(stop: threading.Event, counters: Counters, name: str,
             body: Callable[[], None]) -> None:  # fmt: skip
    """Run ``body`` again and again (it reconnects each time) until ``stop``; count errors."""
    while not stop.is_set():
        try:
            body()
        except (OSError, ConnectionError, ValueError) as e:
            counters.error(f"{name}: {type(e).__name__}")
            stop.wait(1.0)


def idler(port: int, stop: threading.Event, counters: Counters) -> None:
    def body() -> None:
        with MpdClient(port) as client:
            client.sock.settimeout(None)
            while not stop.is_set():
                client.command("idle")
                counters.idles += 1

    _forever(stop, counters, "idle", body)


def poller(port: int, stop: threading.Event, counters: Counters) -> None:
    def body() -> None:
        with MpdClient(port) as client:
            while not stop.is_set():
                client.command("status")
                client.command("currentsong")
                counters.polls += 1
                stop.wait(1.0)

    _forever(stop, counters, "poll", body)


def viewer(web_port: int, stop: threading.Event, counters: Counters) -> None:
    """A WebSocket client of /api/events that reads every message and answers the daemon's
    heartbeat pings (aiohttp's client does: the daemon closes a client that does not)."""

    async def watch() -> None:
        url = f"http://127.0.0.1:{web_port}/api/events"
        async with aiohttp.ClientSession() as http, http.ws_connect(url, autoping=True) as ws:
            while not stop.is_set():
                try:
                    msg = await ws.receive(timeout=1.0)
                except TimeoutError:
                    continue
                if msg.type in (aiohttp.WSMsgType.CLOSE, aiohttp.WSMsgType.CLOSING,
                                aiohttp.WSMsgType.CLOSED, aiohttp.WSMsgType.ERROR):  # fmt: skip
                    raise ConnectionError("the server closed the WebSocket")
                counters.ws_messages += 1

    def body() -> None:
        asyncio.run(watch())

    _forever(stop, counters, "websocket", body)


# -- the daemon from outside ---------------------------------------------------------------------


def http(daemon: Daemon, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(daemon.web + path, data,
                                     {"Content-Type": "application/json"})  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")
    except (OSError, ValueError) as e:
        return 0, {"error": str(e)}


def command(daemon: Daemon, name: str, **args: object) -> int:
    return http(daemon, "api/command", {"command": name, "args": args})[0]


def likes(db: Path) -> int:
    with sqlite3.connect(db, timeout=60) as con:
        return int(con.execute("SELECT count(*) FROM events WHERE kind = 'liked'").fetchone()[0])


def healthy(daemon: Daemon, volume: int) -> bool:
    """Alive, /health ok, MPD answers status, and a volume change is obeyed."""
    if daemon.proc.poll() is not None or http(daemon, "health")[0] != 200:
        return False
    try:
        with MpdClient(daemon.mpd_port) as client:
            client.command("status")
    except (OSError, ConnectionError, ValueError):
        return False
    if command(daemon, "volume_set", percent=volume) != 200:
        return False
    code, view = http(daemon, "api/status")
    return code == 200 and view.get("volume") == volume


def recover(daemon: Daemon, check: Callable[[], bool], ended: float) -> float | None:
    """Seconds after the fault's end until ``check`` holds (None: not within RECOVER_S)."""
    while time.monotonic() - ended < RECOVER_S:
        if check():
            return round(time.monotonic() - ended, 1)
        if http(daemon, "api/status")[1].get("state") != "play":
            command(daemon, "play")  # a fault may have paused it; playing is part of "survived"
        time.sleep(1.0)
    return None


# -- faults ------------------------------------------------------------------------------------


def fault_lock(daemon: Daemon, db: Path, pulse: PulseServer) -> tuple[Callable[[], bool], str]:
    before = likes(db)
    acknowledged = 0
    con = sqlite3.connect(db, isolation_level=None, timeout=60)
    con.execute("BEGIN EXCLUSIVE")
    try:
        for _ in range(3):
            acknowledged += command(daemon, "like") == 200
            time.sleep(5)
        time.sleep(30)
    finally:
        con.execute("ROLLBACK")
        con.close()
    return (lambda: likes(db) >= before + acknowledged), f"{acknowledged} likes acknowledged"


def fault_sound(daemon: Daemon, db: Path, pulse: PulseServer) -> tuple[Callable[[], bool], str]:
    pulse.kill()
    time.sleep(20)
    pulse.start()
    return (lambda: True), "PulseAudio killed for 20 s"


def fault_flood(daemon: Daemon, db: Path, pulse: PulseServer) -> tuple[Callable[[], bool], str]:
    held = []
    for _ in range(500):
        try:
            held.append(socket.create_connection(("127.0.0.1", daemon.mpd_port), timeout=2))
        except OSError:
            break
    time.sleep(20)
    for sock in held:
        sock.close()
    return (lambda: True), f"{len(held)} idle connections"


FAULTS = {"lock": fault_lock, "sound": fault_sound, "flood": fault_flood}


# -- the run -----------------------------------------------------------------------------------


def scanned(folder: Path, db: Path | None) -> Path:
    if db is not None:
        return Path(shutil.copy(db, folder / "library.db"))
    out = folder / "library.db"
    result = run_moodplay("scan", "--plain", "--db", str(out), str(CORPUS), timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"scan failed: {result.stderr}")
    return out


@dataclass
class Rig:
    """What a run works on: the daemon, its database and its sound server."""

    daemon: Daemon
    db: Path
    pulse: PulseServer


def soak(args: argparse.Namespace, folder: Path) -> dict[str, Any]:
    db = scanned(folder, args.db)
    pulse = PulseServer(folder / "pulse")
    pulse.start()
    # No quiet hours (a volume change capped at night would read as not obeyed) and a private
    # data folder (stored playlists, logs), as the daemon tests run it.
    config = folder / "config.toml"
    config.write_text(NO_QUIET_HOURS)
    env = {**pulse.env, "XDG_DATA_HOME": str(folder / "data")}
    voice = ["--no-voice"] if args.no_voice else []
    daemon = start(db, env, "--config", str(config), *voice)
    stop, counters = threading.Event(), Counters()
    web_port = int(daemon.web.rstrip("/").rsplit(":", 1)[1])
    clients = [threading.Thread(target=idler, args=(daemon.mpd_port, stop, counters), daemon=True)
               for _ in range(IDLERS)]  # fmt: skip
    clients += [threading.Thread(target=poller, args=(daemon.mpd_port, stop, counters),
                                 daemon=True) for _ in range(POLLERS)]  # fmt: skip
    clients.append(threading.Thread(target=viewer, args=(web_port, stop, counters), daemon=True))
    try:
        return _run(args, Rig(daemon, db, pulse), clients, counters)
    finally:
        stop.set()
        code = daemon.stop()
        pulse.stop()
        print(f"daemon exit status {code}; its last log lines:", file=sys.stderr)
        print("".join(daemon.lines[-20:]), file=sys.stderr)


def _run(args: argparse.Namespace, rig: Rig, clients: list[threading.Thread],
         counters: Counters) -> dict[str, Any]:  # fmt: skip
    daemon = rig.daemon
    command(daemon, "play")
    for client in clients:
        client.start()
    started = time.monotonic()
    end = started + args.minutes * 60
    time.sleep(10)
    samples = {"start": sample(daemon.proc.pid, started)}
    peak = samples["start"]
    timeline: list[float] = []  # RSS (MB) each minute: where it grows, if it does
    faults: list[FaultResult] = []
    unheard = 0  # samples where the daemon said "play" and PulseAudio had no stream from it
    next_fault = started + (args.every_s if args.first_fault_s is None else args.first_fault_s)
    while time.monotonic() < end and daemon.proc.poll() is None:
        now = time.monotonic()
        current = sample(daemon.proc.pid, started)
        streams = sound_streams(rig.pulse)
        playing = http(daemon, "api/status")[1].get("state") == "play"
        unheard += playing and streams == 0
        _trace(args.trace, current, streams=streams, playing=playing)
        peak = max(peak, current, key=lambda s: s.rss_mb)
        if current.at_s >= 60 * len(timeline):
            timeline.append(current.rss_mb)
        if "middle" not in samples and now - started >= args.minutes * 30:
            samples["middle"] = current
        if now >= next_fault and end - now > RECOVER_S + 50:
            kind = args.faults[len(faults) % len(args.faults)]
            inject = FAULTS[kind]
            _trace(args.trace, current, f"{kind} starts")
            faults.append(_fault(rig, kind, inject, started))
            _trace(args.trace, sample(daemon.proc.pid, started), f"{kind} recovered")
            print(f"  {faults[-1]}", file=sys.stderr, flush=True)
            next_fault = max(next_fault + args.every_s, time.monotonic() + 10)
        time.sleep(5)
    alive = daemon.proc.poll() is None
    if alive:
        samples["end"] = sample(daemon.proc.pid, started)
    return {
        "minutes": args.minutes, "voice": not args.no_voice, "alive_at_end": alive,
        "samples": {k: asdict(v) for k, v in samples.items()}, "peak": asdict(peak),
        "rss_mb_each_minute": timeline,
        "faults": [asdict(f) for f in faults],
        "survived": sum(f.survived for f in faults), "clients": asdict(counters),
        "unheard_samples": unheard,
    }  # fmt: skip


def _trace(path: Path | None, at: Sample, note: str = "", **more: object) -> None:
    """One line of JSON per sample (every 5 s) and per fault's start and recovery."""
    if path is not None:
        with path.open("a") as out:
            out.write(json.dumps({**asdict(at), **more, **({"note": note} if note else {})}))
            out.write("\n")


def sound_streams(pulse: PulseServer) -> int:
    """PulseAudio's playback streams now (-1: the server does not answer). A daemon that says
    "play" with none plays unheard (issue 11: a deck kept a connection from before a restart)."""
    try:
        listed = subprocess.run(
            ["pactl", "list", "short", "sink-inputs"],
            timeout=5,
            check=True,
            env={**os.environ, **pulse.env},
            capture_output=True,
            text=True,
        )
    except (subprocess.SubprocessError, OSError):
        return -1
    return len(listed.stdout.splitlines())


def _fault(rig: Rig, kind: str,
           inject: Callable[[Daemon, Path, PulseServer], tuple[Callable[[], bool], str]],
           started: float) -> FaultResult:  # fmt: skip
    at = round(time.monotonic() - started, 1)
    kept, note = inject(rig.daemon, rig.db, rig.pulse)
    volume = 30 + int(at) % 60  # a new value each time, so "obeyed" is seen
    daemon = rig.daemon
    recovered = recover(daemon, lambda: healthy(daemon, volume) and kept(), time.monotonic())
    return FaultResult(kind, at, recovered is not None, recovered, note)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every-s", type=float, default=120.0, help="seconds between faults")
    parser.add_argument("--db", type=Path, help="an already scanned library (else the corpus)")
    parser.add_argument("--no-voice", action="store_true")
    parser.add_argument("--faults", type=lambda s: s.split(","), default=list(FAULTS),
                        help="which faults, in turn (default lock,sound,flood)")  # fmt: skip
    parser.add_argument("--first-fault-s", type=float,
                        help="seconds to the first fault (default: --every-s)")  # fmt: skip
    parser.add_argument("--trace", type=Path,
                        help="append each sample (every 5 s) here, a JSON line each")  # fmt: skip
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="moodplay-soak-") as tmp:
        result = soak(args, Path(tmp))
    print(json.dumps(result, indent=2))
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
