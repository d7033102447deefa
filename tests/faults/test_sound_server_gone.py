"""Issue 11, finding 4: the sound server goes away while music plays. The player counts as
paused with "no sound output" in problems, elapsed stands still, no track is stored as played
(nobody heard it); when the server returns the same track plays on from where the sound
stopped, and is stored as played once it has been heard to its end.

The issue asks for 5 minutes without a server; 20 s here (the suite's time) is already twice
the tracks' length, so without the guard two tracks "end" unheard and are stored as played;
MOODPLAY_OUTAGE_S=300 runs the 5 minutes."""

from __future__ import annotations

import os
import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.faults.sound_helpers import command, daemon_and_pulse, status, wait_for
from tests.moodplay.daemon import mpc
from tests.pulse import HEARD_DB, level_db, record

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")
TRACK_S = 10
GONE_S = float(os.environ.get("MOODPLAY_OUTAGE_S", "20"))
"""Seconds without a sound server; the issue's 5 minutes: MOODPLAY_OUTAGE_S=300."""


def _played(db: Path) -> list[int]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT track_id FROM events WHERE kind = 'played' ORDER BY id")
        return [track for (track,) in rows]


@pytest.mark.slow
def test_sound_server_gone_holds_playback_and_learns_nothing(tmp_path: Path) -> None:
    db = short_library(tmp_path, NAMES, seconds=TRACK_S)
    with daemon_and_pulse(db, tmp_path, "--no-voice") as (daemon, pulse):
        assert command(daemon.web, "play")[0] == 200
        wait_for(lambda: status(daemon.web)["elapsed"] >= 2.0, 10, "the first track plays")
        track = status(daemon.web)["current"]["id"]
        pulse.kill()
        wait_for(lambda: status(daemon.web)["state"] == "pause", 10, "paused without a server")
        view = status(daemon.web)
        assert any("no sound output" in p for p in view["problems"]), view["problems"]
        # MPD clients see it too, in status's error field (mpc prints "ERROR: ...")
        assert "ERROR: no sound output" in mpc(daemon.mpd_port, "status")
        held = view["elapsed"]
        time.sleep(GONE_S)
        view = status(daemon.web)
        assert (view["state"], view["current"]["id"], view["elapsed"]) == ("pause", track, held)
        assert _played(db) == []  # nothing heard, nothing learned
        pulse.start()
        wait_for(lambda: status(daemon.web)["state"] == "play", 10, "playing once it is back")
        view = status(daemon.web)
        assert view["current"]["id"] == track and held <= view["elapsed"] < TRACK_S
        assert not any("no sound output" in p for p in view["problems"])
        assert "ERROR" not in mpc(daemon.mpd_port, "status")
        assert level_db(record(pulse.env, 1.0, tmp_path / "back.wav")) > HEARD_DB  # heard again
        wait_for(lambda: _played(db) != [], TRACK_S + 5, "the track is heard to its end")
        assert _played(db)[0] == track
