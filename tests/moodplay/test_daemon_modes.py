"""What a user of a music daemon expects beyond adaptive play: their own queue (mpc add/clear),
album play, repeat, private listening, a sleep timer, a quiet-hours volume cap, and a library
rescan on ``mpc update`` while the music plays."""

from __future__ import annotations

import datetime as dt
import json
import re
import sqlite3
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import corpus_files, ffmpeg, run_moodplay, short_library
from tests.moodplay.daemon import Daemon, mpc, running
from tests.pulse import play_into_mic
from tests.voice.speech import SR, say, silence

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("modes"), NAMES, seconds=12)


def until(check: Callable[[], object], timeout_s: float = 10.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, f"timed out waiting for {check}"
        time.sleep(0.2)


def view(d: Daemon) -> Any:
    with urllib.request.urlopen(d.web + "api/status", timeout=10) as answer:
        return json.loads(answer.read())


def events(d: Daemon) -> list[str]:
    args = [str(a) for a in d.proc.args]  # type: ignore[union-attr]
    with sqlite3.connect(args[args.index("--db") + 1]) as con:
        return [r[0] for r in con.execute("SELECT kind FROM events ORDER BY id")]


def test_mpc_builds_its_own_queue_then_adaptive_fills_in(daemon: Daemon) -> None:
    port = daemon.mpd_port
    listing = mpc(port, "ls").splitlines()
    assert "Nebula.ogg" in listing and len(listing) == len(NAMES)
    mpc(port, "clear")
    assert "[playing]" not in mpc(port, "status")
    mpc(port, "add", "Nebula.ogg")
    mpc(port, "add", "Awakening.ogg")
    assert "No such directory" in mpc(port, "add", "Missing.ogg", ok=False)  # as MPD
    assert mpc(port, "playlist").splitlines()[:2] == ["Maxstack - Nebula", "Maxstack - Awakening"]
    mpc(port, "play")
    assert mpc(port, "current").strip() == "Maxstack - Nebula"
    state = view(daemon)
    assert state["mode"] == "manual" and state["queue"][1]["reason"] == "you queued it"
    mpc(port, "next")
    until(lambda: mpc(port, "current").strip() == "Maxstack - Awakening")
    mpc(port, "next")  # the user's queue ran out: adaptive picks go on
    until(lambda: mpc(port, "current").strip() not in ("", "Maxstack - Awakening"))
    assert view(daemon)["mode"] == "adaptive"


def test_album_repeat_single_and_sleep(daemon: Daemon) -> None:
    port = daemon.mpd_port
    mpc(port, "sendmessage", "moodplay", "play the song nebula")
    until(lambda: mpc(port, "current").strip() == "Maxstack - Nebula")
    mpc(port, "repeat", "on")
    mpc(port, "single", "on")
    status = mpc(port, "status")
    assert "repeat: on" in status and "single: on" in status
    mpc(port, "seek", "10")  # 12 s track: it ends soon, and comes again
    time.sleep(3.5)
    assert mpc(port, "current").strip() == "Maxstack - Nebula"
    assert view(daemon)["elapsed"] < 3.5
    mpc(port, "sendmessage", "moodplay", "sleep 0.02")  # 1.2 s
    until(lambda: "[paused]" in mpc(port, "status"), 5)
    assert "minutes" in mpc(port, "sendmessage", "moodplay", "sleep 999", ok=False)


def test_private_listening_records_nothing(daemon: Daemon) -> None:
    port = daemon.mpd_port
    mpc(port, "play")
    mpc(port, "sendmessage", "moodplay", "private on")
    mpc(port, "next")
    mpc(port, "sendmessage", "moodplay", "like")
    assert events(daemon) == []
    mpc(port, "sendmessage", "moodplay", "private off")
    mpc(port, "next")
    until(lambda: events(daemon) == ["skipped"])


def test_quiet_hours_cap_the_volume(db: Path, tmp_path: Path) -> None:
    now = dt.datetime.now()
    start, end = now - dt.timedelta(hours=1), now + dt.timedelta(hours=1)
    config = tmp_path / "config.toml"
    config.write_text(f'[context]\nquiet_start = "{start:%H:%M}"\nquiet_end = "{end:%H:%M}"\n'
                      "[player]\nquiet_volume_pct = 35\n")  # fmt: skip
    with running(db, tmp_path, "--no-voice", "--config", str(config)) as d:
        assert "volume: 35%" in mpc(d.mpd_port, "volume", "80")
        assert "volume: 20%" in mpc(d.mpd_port, "volume", "20")


def test_update_rescans_while_playing(tmp_path: Path) -> None:
    (tmp_path / "lib").mkdir()
    db = short_library(tmp_path / "lib", ("Nebula", "Awakening"), seconds=8)
    with running(db, tmp_path) as d:  # voice on: the new name becomes speakable
        port = d.mpd_port
        mpc(port, "play")
        playing = mpc(port, "current").strip()
        src = next(p for p in corpus_files() if p.stem == "Coherence")
        ffmpeg(src, tmp_path / "lib" / "music" / "Coherence.ogg", "-c:a", "copy", seconds=8)
        assert mpc(port, "search", "title", "Coherence") == ""
        mpc(port, "update")
        until(lambda: "Coherence" in mpc(port, "search", "title", "Coherence"), 60)
        assert mpc(port, "current").strip() == playing  # the music went on
        stats = mpc(port, "stats")
        assert re.search(r"Songs:\s+3\n", stats) and "DB Updated:   Thu Jan  1" not in stats
        time.sleep(1.0)  # the voice thread rebuilds its grammar between two reads
        spoken = tmp_path / "cmd.wav"
        command = say("hey mycroft, play the song coherence", tmp_path)
        sf.write(spoken, np.concatenate([silence(0.3), command, silence(1.0)]), SR)
        play_into_mic(spoken, d.env)
        until(lambda: mpc(port, "current").strip() == "Maxstack - Coherence", 10)


def test_python_mpd2_edits_the_queue_like_ncmpcpp(daemon: Daemon) -> None:
    """The calls ncmpcpp makes at start-up and when editing the queue, over python-mpd2."""
    import mpd

    client = mpd.MPDClient()
    client.connect("127.0.0.1", daemon.mpd_port)
    client.command_list_ok_begin()
    client.status()
    client.currentsong()
    client.plchanges(0)
    client.listplaylists()
    client.outputs()
    client.replay_gain_status()
    status, song, changes, playlists, outputs, gain = client.command_list_end()
    assert status["state"] == "stop" and song == {} and len(changes) >= 5
    assert playlists == [] and outputs[0]["outputname"] == "moodplay" and gain == "track"
    client.clear()
    first = client.addid("Nebula.ogg")
    second = client.addid("Coherence.ogg")
    queue = client.playlistid()
    assert [s["id"] for s in queue[:2]] == [first, second]
    client.deleteid(first)
    assert client.playlistid()[0]["id"] == second
    adaptive = client.playlistinfo()[1]["id"]
    client.deleteid(adaptive)  # a planned entry: dropped from the plan, nothing learned
    assert adaptive not in [s["id"] for s in client.playlistinfo()]
    with pytest.raises(mpd.CommandError, match="No such song"):
        client.addid("")
    client.close()
    client.disconnect()


def test_idle_wakes_on_a_change_and_noidle_ends_it(daemon: Daemon) -> None:
    import socket
    import subprocess

    waiting = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(daemon.mpd_port), "idle"],
                               stdout=subprocess.PIPE, text=True)  # fmt: skip
    time.sleep(0.5)
    assert waiting.poll() is None  # nothing changed yet: still waiting
    mpc(daemon.mpd_port, "volume", "50")
    out, _ = waiting.communicate(timeout=5)
    assert out == "mixer\n"  # as MPD: a volume change is the mixer
    with socket.create_connection(("127.0.0.1", daemon.mpd_port), timeout=5) as sock:
        stream = sock.makefile("rwb")
        assert stream.readline().startswith(b"OK MPD")
        stream.write(b"idle\n")
        stream.flush()
        time.sleep(0.3)
        stream.write(b"noidle\n")
        stream.flush()
        assert stream.readline() == b"OK\n"
        stream.write(b"ping\n")
        stream.flush()
        assert stream.readline() == b"OK\n"


def test_play_something_calm_while_paused_plays_and_undo_works_from_every_surface(
    daemon: Daemon,
) -> None:
    """A listener who asks to play something expects to hear it; "undo" then takes back the
    last command whichever surface sent it (CLI, MPD, HTTP), and says no when none is left."""
    mpc(daemon.mpd_port, "play")
    mpc(daemon.mpd_port, "pause")
    assert view(daemon)["state"] == "pause"
    said = run_moodplay("say", "--url", daemon.web, "play something calm")
    assert said.returncode == 0, said.stderr
    assert view(daemon)["state"] == "play" and view(daemon)["target"]["request"] == "calm"
    assert run_moodplay("say", "--url", daemon.web, "undo").returncode == 0  # the CLI
    state = view(daemon)
    assert state["state"] == "pause" and state["target"]["request"] == ""
    mpc(daemon.mpd_port, "sendmessage", "moodplay", "take that back")  # MPD: undoes "pause"
    assert view(daemon)["state"] == "play"
    request = urllib.request.Request(daemon.web + "api/command", method="POST",
                                     data=json.dumps({"command": "undo"}).encode(),
                                     headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.loads(answer.read())["result"] == "undid: play"
    assert view(daemon)["state"] == "stop"
    refused = mpc(daemon.mpd_port, "sendmessage", "moodplay", "undo", ok=False)
    assert "nothing to undo" in refused
    said = run_moodplay("say", "--url", daemon.web, "undo")
    assert said.returncode == 1 and "nothing to undo" in said.stderr
    with pytest.raises(urllib.error.HTTPError) as refusal:
        urllib.request.urlopen(request, timeout=10)
    assert refusal.value.code == 422
    assert "nothing to undo" in json.loads(refusal.value.read())["error"]
