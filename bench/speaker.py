"""What a listener hears: the PulseAudio speaker monitor recorded with parecord, on a clock.

Used by bench/daemon.py. A recording's sample i was heard at about ``started + i / RATE``. A
click played into the speaker (``play_click``, ``clock_offset_s``) measures how far paplay's
and parecord's start-up delays shift that, so that the times of audio played into the
microphone (also with paplay) and of what the speaker did can be compared.
"""

from __future__ import annotations

import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import soundfile as sf

RATE = 48_000
WINDOW_S = 0.020
HOP_S = 0.005
SILENT_DB = -80.0
"""A 20 ms window quieter than this is silence. A paused or stopped player leaves the null sink
at digital zero (-inf dBFS); the quietest 20 ms of music heard in the benchmark is near -66 dBFS
(bench/daemon.py measures and prints both); one 16-bit step is about -96 dBFS."""


@dataclass
class Recording:
    path: Path
    env: dict[str, str]
    started: float = 0.0
    """time.monotonic() just before parecord was started."""
    proc: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    def __enter__(self) -> Recording:
        self.started = time.monotonic()
        self.proc = subprocess.Popen(
            ["parecord", "--device=speaker.monitor", "--file-format=wav", f"--rate={RATE}",
             "--channels=1", str(self.path)], env={**os.environ, **self.env},
        )  # fmt: skip
        time.sleep(0.3)  # parecord connects before anything worth hearing happens
        return self

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        self.proc.terminate()  # parecord finishes the WAV header on SIGTERM
        self.proc.wait(timeout=10)

    def audio(self) -> np.ndarray:
        data, rate = sf.read(self.path, dtype="float32")
        assert rate == RATE, rate
        return np.asarray(data)

    def at(self, t: float) -> float:
        """Seconds into the recording for a time.monotonic() value (uncalibrated)."""
        return t - self.started


def level_db(audio: np.ndarray) -> np.ndarray:
    """RMS in dBFS of 20 ms windows, one starting every 5 ms."""
    win, hop = int(WINDOW_S * RATE), int(HOP_S * RATE)
    energy = np.concatenate([[0.0], np.cumsum(audio.astype(np.float64) ** 2)])
    starts = np.arange(0, max(audio.shape[0] - win, 0), hop)
    mean = (energy[starts + win] - energy[starts]) / win
    return np.asarray(10 * np.log10(np.maximum(mean, 1e-30)))


def first_change(levels: np.ndarray, from_s: float, to_s: float, *, to_silent: bool,
                 hold_s: float = 0.0) -> float | None:  # fmt: skip
    """Start (s) of the first window in [from_s, to_s) that is silent (or sounding, when
    ``to_silent`` is False) and stays so for ``hold_s``; None if there is none."""
    lo, hi = max(int(from_s / HOP_S), 0), min(int(to_s / HOP_S), levels.shape[0])
    state = levels < SILENT_DB if to_silent else levels >= SILENT_DB
    hold = max(int(hold_s / HOP_S), 1)
    for i in range(lo, hi):
        if state[i : i + hold].all():
            return i * HOP_S
    return None


def longest_silence_s(levels: np.ndarray, from_s: float, to_s: float) -> float:
    """Length of the longest run of silent windows starting in [from_s, to_s)."""
    lo, hi = max(int(from_s / HOP_S), 0), min(int(to_s / HOP_S), levels.shape[0])
    best = run = 0
    for silent in levels[lo:hi] < SILENT_DB:
        run = run + 1 if silent else 0
        best = max(best, run)
    # n overlapping windows, all silent, span (n - 1) hops plus one window of silence
    return (best - 1) * HOP_S + WINDOW_S if best else 0.0


def file_silence_s(path: Path, *, tail: bool) -> float:
    """Silence a track file itself has at its end (``tail``) or start, measured as above."""
    info = sf.info(path)
    frames = min(int(10 * info.samplerate), info.frames)
    start = info.frames - frames if tail else 0
    audio, rate = sf.read(path, dtype="float32", always_2d=True, start=start, frames=frames)
    mono = audio.mean(axis=1)
    if rate != RATE:  # the 20 ms windows only need the right length, not the right rate
        mono = np.interp(np.arange(0, mono.shape[0], rate / RATE), np.arange(mono.shape[0]),
                         mono)  # fmt: skip
    levels = level_db(mono)
    loud = np.nonzero(levels >= SILENT_DB)[0]
    if loud.shape[0] == 0:
        return float(frames / rate)
    edge = (levels.shape[0] - 1 - loud[-1]) if tail else loud[0]
    return float(edge * HOP_S)


def click(folder: Path) -> tuple[Path, float]:
    """A WAV with a 10 ms 1 kHz burst 0.5 s in, and that offset in seconds."""
    rate, at = 48_000, 0.5
    audio = np.zeros(int(1.0 * rate), dtype=np.float32)
    burst = np.arange(int(0.01 * rate))
    audio[int(at * rate) : int(at * rate) + burst.shape[0]] = 0.5 * np.sin(burst * 2 * np.pi / 48)
    path = folder / "click.wav"
    sf.write(path, audio, rate)
    return path, at


def paplay(wav: Path, device: str, env: dict[str, str]) -> float:
    """Play ``wav`` on a sink to its end; time.monotonic() just before paplay started."""
    started = time.monotonic()
    subprocess.run(["paplay", f"--device={device}", str(wav)], env={**os.environ, **env},
                   check=True)  # fmt: skip
    return started


def play_click(rec: Recording, folder: Path) -> float:
    """Play a click into the (silent) speaker; where it should be in the recording, in s."""
    wav, at = click(folder)
    return rec.at(paplay(wav, "speaker", rec.env)) + at


def clock_offset_s(levels: np.ndarray, expected_s: float) -> float:
    """How much later than expected a click was heard: paplay's start-up delay minus
    parecord's, the correction for audio played into the microphone by paplay."""
    heard = first_change(levels, expected_s - 0.3, expected_s + 3.0, to_silent=False)
    if heard is None:
        raise RuntimeError("the calibration click was not heard on speaker.monitor")
    return heard - expected_s
