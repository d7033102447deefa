"""Gapless playback measured at the speaker: a sine split into files, played one after another,
recorded from the private PulseAudio sink's monitor, and every break in it found.

Shared by tests/player/test_mixer_gapless.py and bench/mixer.py.

What counts as a break, and why these tolerances. The sine is FREQ_HZ at AMPLITUDE, its phase
running on from file to file, so the files played back to back make one unbroken sine. A pure
sine obeys x[n+1] = 2 cos(w) x[n] - x[n-1] exactly (w = 2 pi f / rate); the residual of that
recurrence on the recording is ~1e-4 at most from 16-bit rounding (4 LSB of 3e-5), and a single
sample dropped or doubled anywhere leaves a residual of at least A w^2 / 2 = 4.3e-3 at 1 kHz
(where the sine is flattest, at its peaks; more elsewhere). So a residual above BREAK = 1e-3
(> 8x the rounding, < 1/4 of the smallest one-sample break) is a break. A gap is a run of
QUIET_RUN or more samples below QUIET: the sine goes under 0.01 for at most one sample per zero
crossing. The total check is exact: from the first to the last loud sample the recording must
be as long as the sine, sample for sample, or samples were added (gaps) or lost.
"""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from player import Player, Track

RATE = 48_000
FREQ_HZ = 1000.0
AMPLITUDE = 0.5
BREAK = 1e-3
QUIET = 0.01
QUIET_RUN = 8


def split_sine(folder: Path, parts: int, part_s: float, fmt: str = "FLAC") -> list[Path]:
    """``parts`` stereo files of ``part_s`` seconds each (``fmt``: FLAC, WAV or OGG, Vorbis)."""
    n = round(part_s * RATE)
    ext = {"FLAC": "flac", "WAV": "wav", "OGG": "ogg"}[fmt]
    paths = []
    for i in range(parts):
        t = np.arange(i * n, (i + 1) * n) / RATE
        x = (AMPLITUDE * np.sin(2 * np.pi * FREQ_HZ * t)).astype(np.float32)
        path = folder / f"part{i}.{ext}"
        subtype = "VORBIS" if fmt == "OGG" else "PCM_16"
        sf.write(path, np.stack([x, x], axis=1), RATE, format=fmt, subtype=subtype)
        paths.append(path)
    return paths


@dataclass
class Breaks:
    gaps_ms: list[float]
    """Each silent run inside the sine, in ms."""
    steps: int
    """Samples whose recurrence residual exceeds BREAK (outside silent runs' edges too)."""
    extra_samples: int
    """Recorded sine span minus the sine's length: > 0 gaps added, < 0 samples lost."""
    worst_residual: float


def measure(audio: np.ndarray, expected_samples: int) -> Breaks:
    """Breaks in a mono recording ``audio`` of the split sine (``expected_samples`` long)."""
    loud = np.nonzero(np.abs(audio) > QUIET)[0]
    if len(loud) == 0:
        raise AssertionError("the recording is silent")
    x = audio[loud[0] : loud[-1] + 1].astype(np.float64)
    quiet = np.abs(x) < QUIET
    edges = np.flatnonzero(np.diff(np.concatenate(([0], quiet.astype(np.int8), [0]))))
    runs = [(int(a), int(b)) for a, b in zip(edges[::2], edges[1::2], strict=True)]
    gaps = [(a, b) for a, b in runs if b - a >= QUIET_RUN]
    c = 2 * np.cos(2 * np.pi * FREQ_HZ / RATE)
    residual = np.abs(x[2:] - c * x[1:-1] + x[:-2])
    return Breaks(
        gaps_ms=[1000 * (b - a) / RATE for a, b in gaps],
        steps=int(np.sum(residual > BREAK)),
        extra_samples=len(x) - expected_samples,
        worst_residual=float(residual.max()),
    )


class Recorder:
    """The speaker's monitor, mono 48 kHz, from ``start`` to ``stop``."""

    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.path = path
        self._proc = subprocess.Popen(
            ["parecord", "--device=speaker.monitor", "--file-format=wav", f"--rate={RATE}",
             "--channels=1", "--latency-msec=20", str(path)], env={**os.environ, **env},
        )  # fmt: skip
        time.sleep(0.3)

    def stop(self) -> np.ndarray:
        time.sleep(0.4)
        self._proc.terminate()
        self._proc.wait(timeout=10)
        audio, _ = sf.read(self.path, dtype="float32")
        return np.asarray(audio)


def play_in_turn(
    player: Player, paths: list[Path], tail_s: float, idle: Callable[[], bool] | None = None
) -> int:
    """Play ``paths`` one after another as the daemon does (the next one prepared, started on
    "ended"); after the last "ended", wait until ``idle()`` says the output has played all it
    holds (a mixer's queued tracks), then ``tail_s`` more. Returns the track changes made."""
    timeout_s = 10.0 + 2 * len(paths) * sf.info(str(paths[0])).duration
    tracks = [Track(i, p) for i, p in enumerate(paths)]
    player.play(tracks[0])
    player.prepare(tracks[1] if len(tracks) > 1 else None)
    at, deadline = 0, time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for event in player.poll(timeout_s=0.005):
            if event.kind != "ended":
                raise AssertionError(f"unexpected {event}")
            at += 1
            if at == len(tracks):
                while idle is not None and not idle() and time.monotonic() < deadline:
                    time.sleep(0.01)
                time.sleep(tail_s)
                return at - 1
            player.start(tracks[at])
            player.prepare(tracks[at + 1] if at + 1 < len(tracks) else None)
    raise AssertionError(f"only {at} of {len(tracks)} tracks ended in {timeout_s} s")
