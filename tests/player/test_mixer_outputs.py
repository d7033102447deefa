"""The mixer output on the sound systems a user may have (issue 14: "plays through the mixer by
default on PulseAudio, PipeWire and ALSA outputs"). Each plays a sine split into files through
the mixer, in a process of its own (tests/player/play_parts.py), and the sine is measured where
it came out (tests/player/gapless.py):

- PulseAudio: tests/player/test_mixer_gapless.py (a private server, its sink's monitor);
- PipeWire: a private PipeWire with WirePlumber and pipewire-pulse (tests/player/pipewire.py),
  its null sink's monitor recorded: PipeWire resamples, so the sine is checked unbroken, not
  sample for sample;
- plain ALSA, through PortAudio's ALSA host API: an ALSA device defined by an asoundrc (a HOME
  of its own) as a ``file`` plugin that keeps every sample written to it, exactly, chosen by
  name as ``[player] output_device`` chooses it (not as ALSA's default: with a PulseAudio
  server running, Debian's 99-pulse.conf hook makes the default the pulse plugin again).
  This machine has no sound card, and ALSA's null plugin is not paced (PortAudio called the
  mixer ~115,000 times a second on it), so the file plugin's slave is the pulse plugin of a
  private PulseAudio server, for its clock only: the samples are taken before it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.player.gapless import RATE, Recorder, measure, split_sine
from tests.player.pipewire import missing, pipewire_server
from tests.pulse import pulse_server

REPO = Path(__file__).resolve().parents[2]
PARTS, PART_S = 4, 1.0
DEVICE = "moodplay_file"
ASOUNDRC = """pcm.moodplay_file {{
    type file
    slave.pcm "pulse"
    file "{file}"
    format "raw"
}}
"""


def play_parts(env: dict[str, str], parts: list[Path], *device: str) -> dict[str, Any]:
    command = [sys.executable, "-m", "tests.player.play_parts", *device, *map(str, parts)]
    done = subprocess.run(command,
                          env={**os.environ, **env}, cwd=REPO, capture_output=True, text=True,
                          timeout=120, check=False)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    assert figures["changes"] == PARTS - 1 and figures["mixer"]["starved_frames"] == 0, figures
    assert figures["mixer"]["gapless_joins"] == PARTS - 1, figures
    return figures


@pytest.mark.slow
@pytest.mark.skipif(bool(missing()), reason=f"not installed: {', '.join(missing())} (scripts/"
                    "setup.sh installs pipewire, pipewire-pulse, wireplumber)")  # fmt: skip
def test_the_mixer_plays_on_pipewire(tmp_path: Path) -> None:
    parts = split_sine(tmp_path, PARTS, PART_S, "FLAC")
    with pipewire_server(tmp_path / "pipewire") as env:
        recorder = Recorder(env, tmp_path / "pipewire.wav")
        figures = play_parts(env, parts)
        audio = recorder.stop()
    probe = figures["probe"]
    assert probe["host_api"] == "ALSA" and probe["error"] is None, probe
    breaks = measure(audio, PARTS * round(PART_S * RATE))
    print(f"\nPipeWire: {breaks}")
    assert breaks.gaps_ms == [] and breaks.steps == 0, breaks


@pytest.mark.slow
def test_the_mixer_plays_on_a_plain_alsa_device_sample_for_sample(tmp_path: Path) -> None:
    parts = split_sine(tmp_path, PARTS, PART_S, "FLAC")
    home, raw = tmp_path / "home", tmp_path / "alsa.raw"
    home.mkdir()
    (home / ".asoundrc").write_text(ASOUNDRC.format(file=raw))
    with pulse_server(tmp_path / "pulse") as env:
        figures = play_parts({**env, "HOME": str(home)}, parts, "--device", DEVICE)
    probe = figures["probe"]
    assert (probe["device"], probe["host_api"], probe["error"]) == (DEVICE, "ALSA", None)
    audio = np.fromfile(raw, dtype="<f4").reshape(-1, 2)[:, 0]
    breaks = measure(audio, PARTS * round(PART_S * RATE))
    # Not one sample added, lost or out of place (+-1: the first/last loud sample's threshold).
    assert breaks.gaps_ms == [] and breaks.steps == 0 and abs(breaks.extra_samples) <= 1, breaks
