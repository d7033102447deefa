"""Live listening: commands played into a PulseAudio microphone, captured by sounddevice."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import run_moodplay
from tests.pulse import play_into_mic, pulse_server
from tests.voice.speech import SR, music, say, silence


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with pulse_server(tmp_path_factory.mktemp("pulse")) as env:
        yield env


def _listen(pulse: dict[str, str], db: Path, *args: str) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "moodplay", "listen", "--json", "--db", str(db), *args],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        env={**os.environ, **pulse},
    )  # fmt: skip
    assert proc.stderr is not None
    line = proc.stderr.readline()  # "listening on ..." once the stream is open
    assert "listening on" in line, line + proc.stderr.read()
    return proc


def test_spoken_command_through_the_microphone(pulse: dict[str, str], tmp_path: Path) -> None:
    wav = tmp_path / "cmd.wav"
    command = say("hey mycroft, skip to the next one", tmp_path)
    clip = np.concatenate([silence(0.3), command, silence(1.0)])
    sf.write(wav, clip, SR)
    proc = _listen(pulse, tmp_path / "x.db", "--once")
    time.sleep(0.3)
    play_into_mic(wav, pulse)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    result = json.loads(out.splitlines()[-1])
    assert result["intent"] == "next" and result["woke"] is True


def test_music_into_the_microphone_triggers_nothing(pulse: dict[str, str], tmp_path: Path) -> None:
    """The player's own music coming back into the mic: no command, not even an utterance."""
    wav = tmp_path / "music.wav"
    sf.write(wav, np.concatenate([music(15.0, "Apex Aleph"), silence(0.5)]), SR)
    proc = _listen(pulse, tmp_path / "x.db")
    play_into_mic(wav, pulse)
    time.sleep(1.0)
    proc.terminate()
    out, _ = proc.communicate(timeout=30)
    intents = [json.loads(line)["intent"] for line in out.splitlines()]
    assert set(intents) <= {"ignored"}, intents


def test_no_input_device_is_one_clear_line(tmp_path: Path) -> None:
    env = {"PULSE_SERVER": f"unix:{tmp_path}/no-such-socket", "AUDIODEV": "none"}
    result = run_moodplay("listen", "--db", str(tmp_path / "x.db"), env=env, timeout=60)
    assert result.returncode == 1
    assert "no input device" in result.stderr or "cannot open input device" in result.stderr
    assert "Traceback" not in result.stderr
