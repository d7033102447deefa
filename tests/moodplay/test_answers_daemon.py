"""Spoken answers through the daemon's own mixer, for real: flite asks "what's playing" into the
private PulseAudio microphone while the daemon plays; the speaker's monitor holds the wake cue
and the sentence, mixed with the music (no stream of their own on the sound server), and the
page's meter and the context's ambient figure come from the same output."""

from __future__ import annotations

import json
import os
import subprocess
import threading
import time
import urllib.request
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from moodplay._answers import as_sentence
from player._sounds import to_mixer_format
from tests.conftest import short_library
from tests.moodplay.daemon import NO_QUIET_HOURS, Daemon, start, wait_for
from tests.pulse import PulseServer, level_db, play_into_mic
from tests.voice.speech import SR, say, silence
from voice import earcon, render_speech
from voice._speak import EARCON_RATE_HZ, trim_silence

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable")
RATE = 48_000
ROOM_DB = -35.0


def api(d: Daemon, path: str, body: object = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(d.web.rstrip("/") + path, data=data,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.loads(answer.read())


def found(recording: np.ndarray, sound: np.ndarray) -> float:
    """How well ``sound`` matches the best-fitting stretch of ``recording``: the normalised
    correlation there (1.0: the same samples, scaled)."""
    corr = np.correlate(recording, sound, mode="valid")
    at = int(np.argmax(np.abs(corr)))
    part = recording[at : at + len(sound)]
    return float(abs(corr[at]) / (np.linalg.norm(part) * np.linalg.norm(sound) + 1e-12))


class Streams:
    """The sample formats of every playback stream opened on the sound server meanwhile
    (``pactl list short sink-inputs`` as each one appears)."""

    def __init__(self, env: dict[str, str]) -> None:
        self.env = {**os.environ, **env}
        self.seen: list[str] = []
        self._proc = subprocess.Popen(["pactl", "subscribe"], env=self.env,
                                      stdout=subprocess.PIPE, text=True)  # fmt: skip
        self._thread = threading.Thread(target=self._watch, daemon=True)
        self._thread.start()

    def _watch(self) -> None:
        assert self._proc.stdout is not None
        for line in self._proc.stdout:
            if "'new' on sink-input" in line:
                listing = subprocess.run(["pactl", "list", "short", "sink-inputs"], env=self.env,
                                         capture_output=True, text=True, check=False)  # fmt: skip
                self.seen += listing.stdout.splitlines()

    def stop(self) -> None:
        self._proc.terminate()
        self._thread.join(10)


def test_the_answer_is_in_what_the_speaker_plays(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    db = short_library(tmp_path / "lib", NAMES, seconds=60)
    server = PulseServer(tmp_path)
    server.start()
    env = server.env
    config = tmp_path / "config.toml"
    config.write_text('[player]\noutput = "mixer"\n[voice]\nanswers = "speech"\n' + NO_QUIET_HOURS)
    question = tmp_path / "question.wav"
    sf.write(question, np.concatenate([silence(0.3), say("hey mycroft, what's playing",
                                                         tmp_path), silence(1.0)]), SR)  # fmt: skip
    d = start(db, {"XDG_DATA_HOME": str(tmp_path / "data"), **env}, "--config", str(config))
    recording = tmp_path / "speaker.wav"
    try:
        api(d, "/api/command", {"command": "play"})
        wait_for(lambda: api(d, "/api/status")["state"] == "play")
        streams = Streams(env)
        rec = subprocess.Popen(["parecord", "--device=speaker.monitor", "--file-format=wav",
                                f"--rate={RATE}", "--channels=1", str(recording)],
                               env={**os.environ, **env})  # fmt: skip
        time.sleep(0.5)
        play_into_mic(question, env)
        log = lambda: "".join(d.lines)  # noqa: E731
        wait_for(lambda: "voice: whats_playing" in log(), 15)
        time.sleep(4.0)  # the sentence ("<title> by <artist>.", ~2 s) has been played
        rec.terminate()
        rec.wait(timeout=10)
        streams.stop()
        title = api(d, "/api/status")["current"]["title"]
    finally:
        d.stop()
        server.stop()
    heard, _ = sf.read(recording, dtype="float32")
    # No stream of the answers' own (espeak-ng's 22050 Hz mono): they are in the mixer's.
    assert streams.seen and not [s for s in streams.seen if "22050Hz" in s], streams.seen
    cue = to_mixer_format(earcon("wake"), EARCON_RATE_HZ, RATE, 1)[:, 0]
    assert found(heard, cue) > 0.5, "the wake cue is not in the recording"
    pcm, rate = render_speech(as_sentence(f"{title} by Maxstack"))
    sentence = to_mixer_format(trim_silence(pcm, rate), rate, RATE, 1)[:, 0]
    match = found(heard, sentence)
    print(f"the spoken answer matches the recording at {match:.2f} (the music under it ducked)")
    assert match > 0.5, "the spoken answer is not in the recording"
    assert found(heard, to_mixer_format(render_speech("Nothing is playing.")[0], rate, RATE,
                                        1)[:, 0]) < match  # fmt: skip


@pytest.fixture(autouse=True)
def _needs_flite() -> None:
    from shutil import which

    if which("flite") is None:
        pytest.skip("flite is not installed (make test installs it)")


def test_the_rooms_noise_does_not_count_our_own_music(tmp_path: Path) -> None:
    """The speaker looped into the microphone (as a room would, 40 ms later) and white noise
    at -35 dBFS in the room: the microphone hears mostly the music; the context's ambient
    figure is the noise."""
    (tmp_path / "lib").mkdir()
    db = short_library(tmp_path / "lib", NAMES, seconds=60)
    server = PulseServer(tmp_path)
    server.start()
    env = {**os.environ, **server.env}
    subprocess.run(["pactl", "load-module", "module-loopback", "source=speaker.monitor",
                    "sink=micfeed", "latency_msec=40"], env=env, check=True,
                   capture_output=True)  # fmt: skip
    noise = np.random.default_rng(1).standard_normal(16_000 * 90) * 10 ** (ROOM_DB / 20)
    sf.write(tmp_path / "room.wav", noise / np.sqrt(2), 16_000, subtype="PCM_16")  # AES17
    room = subprocess.Popen(["paplay", "--device=micfeed", str(tmp_path / "room.wav")], env=env)
    config = tmp_path / "config.toml"
    config.write_text('[player]\noutput = "mixer"\n' + NO_QUIET_HOURS)
    d = start(db, {"XDG_DATA_HOME": str(tmp_path / "data"), **server.env}, "--config",
              str(config))  # fmt: skip
    try:
        api(d, "/api/command", {"command": "play"})
        time.sleep(30.0)  # 20 s of music fit the coupling; the echo canceller has converged
        mic = record_mic(server.env, 3.0, tmp_path / "mic.wav")
        api(d, "/api/command", {"command": "next"})  # an event, with the context now
        wait_for(lambda: _contexts(db))
    finally:
        d.stop()
        room.kill()
        server.stop()
    heard_db = level_db(mic) + 3.01  # AES17, as the daemon measures
    ambient = _contexts(db)[-1]["ambient_db"]
    print(f"the microphone: {heard_db:.1f} dBFS; the room without the music: {ambient} dBFS "
          f"(the noise played: {ROOM_DB} dBFS)")  # fmt: skip
    assert heard_db > ROOM_DB + 8  # the music is what the microphone hears most
    assert ambient == pytest.approx(ROOM_DB, abs=3.0)


def record_mic(env: dict[str, str], seconds: float, path: Path) -> np.ndarray:
    """What the daemon's microphone hears for ``seconds``, mono float32 at 16 kHz."""
    proc = subprocess.Popen(["parecord", "--device=mic", "--file-format=wav", "--rate=16000",
                             "--channels=1", str(path)], env={**os.environ, **env})  # fmt: skip
    time.sleep(seconds)
    proc.terminate()
    proc.wait(timeout=10)
    audio, _ = sf.read(path, dtype="float32")
    return np.asarray(audio)


def _contexts(db: Path) -> list[dict[str, Any]]:
    import sqlite3

    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT context FROM events WHERE kind = 'skipped'").fetchall()
    return [json.loads(r[0]) for r in rows if r[0]]
