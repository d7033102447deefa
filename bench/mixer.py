"""Benchmark: the experimental mixer output (issue 14) beside libVLC's own output.

In a private PulseAudio server (as in the tests):
- gap per track change: a sine split into files (FLAC and Ogg Vorbis) played in turn as the
  daemon does, the speaker's monitor recorded and measured (tests/player/gapless.py), through
  the mixer and through libVLC's pulse output, p50/p95 over every change;
- underruns and CPU: real music (Debian's singularity-music) through the mixer for --minutes,
  each track started 25 s before its end so tracks change often;
- --soak: the same, the whole time with a library scan running beside it (``moodplay scan`` of
  a copy of singularity-music into a fresh database, again and again: decoding and analysis on
  every core), the issue's "0 underruns in 1 hour under the load of a scan".

    .venv/bin/python bench/mixer.py [--runs 3] [--minutes 3] [--soak]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from player._mixdecks import MixerDecks
from tests.pulse import pulse_server

PARTS, PART_S = 6, 1.5
CORPUS = Path("/usr/share/games/singularity/music")


def per_change(gaps_ms: list[float], changes: int) -> list[float]:
    """Silent runs grouped by change (runs within 50 ms of each other are one), padded with
    zeros for changes that left no silence."""
    out = sorted(gaps_ms, reverse=True)[:changes]
    return out + [0.0] * (changes - len(out))


def gaps(env: dict[str, str], folder: Path, fmt: str, output: str, runs: int) -> list[float]:
    from player import open_vlc_player
    from tests.player.gapless import RATE, Recorder, measure, play_in_turn, split_sine

    parts = split_sine(folder, PARTS, PART_S, fmt)
    found: list[float] = []
    for i in range(runs):
        player = open_vlc_player("pulse", output=output)
        rec = Recorder(env, folder / f"{output}{i}.wav")
        if output == "mixer":
            decks = player._decks._decks  # type: ignore[attr-defined]
            play_in_turn(player, parts, 0.3, partial(_idle, decks))
        else:
            play_in_turn(player, parts, 2.5)
        b = measure(rec.stop(), PARTS * round(PART_S * RATE))
        player.close()
        merged = _merge(b.gaps_ms)
        found += per_change(merged, PARTS - 1)
        print(f"  {fmt} {output} run {i}: gaps {np.round(merged, 1)} ms, breaks {b.steps}, "
              f"samples added {b.extra_samples}", flush=True)  # fmt: skip
    return found


def _idle(decks: MixerDecks) -> bool:
    return decks.mixer.voices == 0


def _merge(gaps_ms: list[float]) -> list[float]:
    # the measure lists runs in order; an Ogg boundary shows a few short runs around a long one
    merged: list[float] = []
    for g in gaps_ms:
        if merged and g < 1.0:
            merged[-1] += g
        else:
            merged.append(g)
    return merged


def soak(minutes: float) -> None:
    from player import Track, open_vlc_player
    from player._device import OutputStats  # sounddevice: once PULSE_SERVER is set

    files = sorted(CORPUS.glob("*.ogg"))
    player = open_vlc_player("pulse", output="mixer")
    decks = player._decks._decks  # type: ignore[attr-defined]
    t0, cpu0, i, changes = time.monotonic(), time.process_time(), 0, 0
    while time.monotonic() - t0 < minutes * 60:
        track = Track(i, files[i % len(files)])
        player.play(track, start_s=0)
        time.sleep(1.0)  # libVLC knows the length once the input is open
        length = decks.length_ms(decks_active(player)) / 1000 or 60
        player.seek(max(0.0, length - 25))
        player.prepare(Track(i + 1, files[(i + 1) % len(files)]))
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and time.monotonic() - t0 < minutes * 60:
            if any(e.kind == "ended" for e in player.poll(timeout_s=0.05)):
                changes += 1
                break
        i += 1
    wall, cpu = time.monotonic() - t0, time.process_time() - cpu0
    m = decks.mixer.stats
    o = decks.output.stats if decks.output is not None else OutputStats()  # a new stream: anew
    print(f"soak {wall / 60:.1f} min, {changes} track changes: mixer starved {m.starved_frames} "
          f"frames in {m.starved_blocks} blocks; PortAudio underflows {o.underflows} of "
          f"{o.callbacks} callbacks; mixer callback CPU {100 * o.render_cpu_s / wall:.2f} % "
          f"of a core, its thread {100 * o.thread_cpu_s / wall:.2f} %; whole process "
          f"(libVLC decoding too) {100 * cpu / wall:.1f} %", flush=True)  # fmt: skip
    player.close()


def scanning(folder: Path, stop: threading.Event) -> threading.Thread:
    """Scan a copy of the corpus into a fresh database, again and again, until ``stop``."""
    music = folder / "music"
    shutil.copytree(CORPUS, music, dirs_exist_ok=True)

    def run() -> None:
        scans = 0
        while not stop.is_set():
            db = folder / f"scan{scans}.db"
            subprocess.run([sys.executable, "-m", "moodplay", "scan", "--db", str(db), "--plain",
                            "--no-map", str(music)], capture_output=True, check=False)  # fmt: skip
            db.unlink(missing_ok=True)
            scans += 1
        print(f"scans run beside it: {scans}", flush=True)

    thread = threading.Thread(target=run, name="scan", daemon=True)
    thread.start()
    return thread


def decks_active(player: object) -> int:
    return int(player._active)  # type: ignore[attr-defined]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--minutes", type=float, default=3.0)
    parser.add_argument("--soak", action="store_true", help="a library scan runs beside it")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, pulse_server(Path(tmp)) as env:
        os.environ.update(env)  # before sounddevice loads
        for fmt in ("FLAC", "OGG") if args.runs > 0 else ():
            for output in ("vlc", "mixer"):
                found = gaps(env, Path(tmp), fmt, output, args.runs)
                print(f"{fmt} {output}: gap per change over {len(found)} changes: p50 "
                      f"{np.percentile(found, 50):.1f} ms, p95 {np.percentile(found, 95):.1f} ms,"
                      f" max {max(found):.1f} ms", flush=True)  # fmt: skip
        stop = threading.Event()
        scan = scanning(Path(tmp), stop) if args.soak else None
        if args.minutes > 0:
            soak(args.minutes)
        stop.set()
        if scan is not None:
            scan.join()


if __name__ == "__main__":
    main()
