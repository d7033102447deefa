"""End to end with real parts: flite speaks into a PulseAudio microphone, the daemon (PocketSphinx,
libVLC, the recommender) plays into a PulseAudio null sink, and the test listens to its monitor.

"play something calm" -> music; "play something energetic" -> the queue crosses the library's
median energy; "skip this song" -> another track, and the store has the skip; `moodplay say
"volume 30"` -> the level drops by what the volume curve predicts; the sound server is killed
and started again -> playback and the microphone recover.
"""

from __future__ import annotations

import json
import math
import sqlite3
import statistics
import subprocess
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import soundfile as sf

from tests.conftest import corpus_files, ffmpeg, run_moodplay
from tests.moodplay.daemon import NO_QUIET_HOURS, Daemon, mpc, start
from tests.pulse import PulseServer, level_db, play_into_mic, record
from tests.voice.speech import SR, say, silence

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator",
         "Through Space", "Media Threat", "Aberrations", "Deprecation")  # fmt: skip
VOLUME_CURVE_DB = 60.0
"""The player's volume is cubic, as PulseAudio's: level change = 60 * log10(v1 / v0) dB."""


def build_library(folder: Path) -> Path:
    music = folder / "music"
    music.mkdir(parents=True)
    for name in NAMES:
        src = next(p for p in corpus_files() if p.stem == name)
        ffmpeg(src, music / f"{name}.ogg", "-c:a", "copy", seconds=40)
    t = np.arange(60 * 44100) / 44100  # a steady tone: its level is easy to measure
    sf.write(music / "Test Tone.flac", 0.2 * np.sin(2 * np.pi * 440 * t), 44100)
    db = folder / "lib.db"
    scan = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert scan.returncode == 0, scan.stderr
    return db


def view(d: Daemon) -> Any:
    with urllib.request.urlopen(d.web + "api/status", timeout=10) as answer:
        return json.loads(answer.read())


def until(check: Callable[[], object], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out: {what}"
        time.sleep(0.2)


def speak(text: str, folder: Path, env: dict[str, str]) -> None:
    wav = folder / f"{text.replace(' ', '_')}.wav"
    if not wav.exists():
        sf.write(wav, np.concatenate([silence(0.3), say(text, folder), silence(1.0)]), SR)
    play_into_mic(wav, env)


def median_energy(db: Path) -> float:
    with sqlite3.connect(db) as con:
        return float(statistics.median(r[0] for r in con.execute("SELECT energy FROM analysis")))


def test_spoken_session_end_to_end(tmp_path: Path) -> None:
    db = build_library(tmp_path / "lib")
    middle = median_energy(db)
    server = PulseServer(tmp_path)
    server.start()
    env = server.env
    config = tmp_path / "config.toml"
    config.write_text(NO_QUIET_HOURS)  # the volume check needs 100 %, by night too
    d = start(db, {"XDG_DATA_HOME": str(tmp_path / "data"), **env}, "--config", str(config))
    try:
        speak("hey mycroft, play something calm", tmp_path, env)
        until(lambda: view(d)["state"] == "play", 10, "calm music starts")
        calm = view(d)
        assert level_db(record(env, 1.5, tmp_path / "calm.wav")) > -50  # music is heard
        speak("hey mycroft, play something energetic", tmp_path, env)
        until(lambda: view(d)["target"]["request"] == "energetic", 10, "energetic is heard")
        energetic = view(d)
        after_calm = calm["queue"][0]["energy"]  # planned for "calm" from a standstill
        after_energetic = energetic["queue"][2]["energy"]  # after the current and prepared
        print([t["energy"] for t in calm["queue"]], calm["mood"], calm["target"])
        print([t["energy"] for t in energetic["queue"]], energetic["mood"], energetic["target"])
        print(f"median {middle:.3f}, after calm {after_calm:.3f}, after energetic "
              f"{after_energetic:.3f}")  # fmt: skip
        assert after_calm < middle < after_energetic

        before = mpc(d.mpd_port, "current").strip()
        speak("hey mycroft, skip to the next one", tmp_path, env)
        until(lambda: mpc(d.mpd_port, "current").strip() != before, 5, "skip is audible")
        assert "[playing]" in mpc(d.mpd_port, "status")
        with sqlite3.connect(db) as con:
            assert "skipped" in [r[0] for r in con.execute("SELECT kind FROM events")]

        _push_to_talk_needs_no_wake_phrase(d, tmp_path, env)
        _volume_follows_the_curve(d, tmp_path, env)
        _sound_server_restart_recovers(d, server, tmp_path)
    finally:
        d.stop()
        server.stop()


def _say(d: Daemon, text: str) -> None:
    result = run_moodplay("say", "--url", d.web, text)
    assert result.returncode == 0, result.stderr


def _push_to_talk_needs_no_wake_phrase(d: Daemon, folder: Path, env: dict[str, str]) -> None:
    """The web page's button: the daemon listens on its own microphone, no wake phrase."""
    time.sleep(5.5)  # past the follow-up window of the last spoken command
    before = mpc(d.mpd_port, "current").strip()
    speak("skip to the next one", folder, env)  # no wake phrase, no button: ignored
    time.sleep(1.0)
    assert mpc(d.mpd_port, "current").strip() == before
    request = urllib.request.Request(d.web + "api/listen", data=b"{}", method="POST",
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert "listening" in json.loads(answer.read())["status"]
    speak("skip to the next one", folder, env)
    until(lambda: mpc(d.mpd_port, "current").strip() != before, 5, "push-to-talk skip")


def _volume_follows_the_curve(d: Daemon, folder: Path, env: dict[str, str]) -> None:
    _say(d, "play the song test tone")
    until(lambda: (view(d)["current"] or {}).get("title") == "Test Tone", 5, "the tone plays")
    time.sleep(1.0)  # past the volume's settling
    loud = level_db(record(env, 1.5, folder / "v100.wav"))
    _say(d, "volume 30")
    time.sleep(0.5)
    quiet = level_db(record(env, 1.5, folder / "v30.wav"))
    expected = VOLUME_CURVE_DB * math.log10(30 / 100)
    print(f"volume 100: {loud:.1f} dBFS, volume 30: {quiet:.1f} dBFS, expected {expected:.1f} dB")
    assert abs((quiet - loud) - expected) <= 2.0


def _sound_server_restart_recovers(d: Daemon, server: PulseServer, folder: Path) -> None:
    server.kill()
    time.sleep(1.0)
    server.start()
    until(lambda: level_db(record(server.env, 1.0, folder / "back.wav")) > -70, 10,
          "playback comes back after the sound server restarts")  # fmt: skip
    deadline = time.monotonic() + 30  # the microphone is reopened with backoff (1, 2, 4 … s)
    while view(d)["state"] != "pause" and time.monotonic() < deadline:
        speak("hey mycroft, pause playback", folder, server.env)
        time.sleep(1.0)
    assert view(d)["state"] == "pause", "the microphone works again"
    subprocess.run(["pactl", "info"], env=server.env, check=True, capture_output=True)
