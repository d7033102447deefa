"""Benchmark: the silent gap between two tracks with the next one prepared (crossfade off).

A private PulseAudio server (as in the tests) plays two 2 s tones through libVLC; the speaker
monitor is recorded and the silence between the end of the first tone and the start of the
second is measured, several times. Goal (issue): <= 100 ms.

    .venv/bin/python bench/gap.py [--runs 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile as sf

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from player import Player, Track, open_vlc_player
from tests.pulse import pulse_server

RATE = 48_000


def tone(path: Path, freq: int) -> Path:
    subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", "2", "sine",
                    str(freq), "vol", "0.5"], check=True)  # fmt: skip
    return path


def wait(player: Player, kind: str, seconds: float = 10.0) -> float:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for event in player.poll(timeout_s=0.005):
            if event.kind == kind:
                return time.monotonic()
    raise RuntimeError(f"no {kind} event")


def one_gap(player: Player, a: Path, b: Path, out: Path, env: dict[str, str]) -> float:
    rec = subprocess.Popen(["parecord", "--device=speaker.monitor", "--file-format=wav",
                            f"--rate={RATE}", "--channels=1", str(out)],
                           env={**os.environ, **env})  # fmt: skip
    time.sleep(0.3)
    player.play(Track(1, a))
    player.prepare(Track(2, b))
    wait(player, "ended")
    player.advance()
    wait(player, "ended")
    time.sleep(0.2)
    rec.terminate()
    rec.wait()
    audio, _ = sf.read(out, dtype="float32")
    loud = np.abs(audio) > 0.01
    edges = np.nonzero(np.diff(loud.astype(np.int8)))[0]
    # sample-level zero crossings inside a tone are short; the gap is the longest quiet run
    quiet = [(edges[i + 1] - edges[i]) for i in range(len(edges) - 1) if not loud[edges[i] + 1]]
    return 1000.0 * max(quiet) / RATE if quiet else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, pulse_server(Path(tmp)) as env:
        os.environ.update(env)
        a, b = tone(Path(tmp) / "a.flac", 440), tone(Path(tmp) / "b.flac", 660)
        player = open_vlc_player("pulse")
        gaps = [one_gap(player, a, b, Path(tmp) / f"r{i}.wav", env) for i in range(args.runs)]
    print(f"gap between prepared tracks over {args.runs} runs: "
          f"p50 {np.percentile(gaps, 50):.0f} ms, p95 {np.percentile(gaps, 95):.0f} ms, "
          f"max {max(gaps):.0f} ms")  # fmt: skip


if __name__ == "__main__":
    main()
