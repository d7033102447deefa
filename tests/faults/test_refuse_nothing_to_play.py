"""Issue 11, finding 9: what cannot be done is refused with the reason, on every surface —
``play`` and mood requests with every track banned (HTTP 409, an MPD ACK), and feedback with
nothing playing (it used to be acknowledged and lost)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.faults.sound_helpers import command, daemon_and_pulse, status
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw

NAMES = ("Awakening", "Coherence", "Nebula")


@pytest.fixture
def daemon(tmp_path: Path) -> Iterator[Daemon]:
    db = short_library(tmp_path, NAMES, seconds=20)
    with daemon_and_pulse(db, tmp_path, "--no-voice") as (d, _):
        d.env["db"] = str(db)
        yield d


def _stored(db: str) -> list[str]:
    with sqlite3.connect(db) as con:
        return [kind for (kind,) in con.execute("SELECT kind FROM events ORDER BY id")]


def test_feedback_with_nothing_playing_is_refused_and_nothing_is_stored(daemon: Daemon) -> None:
    for name in ("like", "dislike", "more_like_this", "ban"):
        code, answer = command(daemon.web, name)
        assert code == 409, (name, answer)
        assert answer["error"].startswith("nothing is playing: nothing to "), answer
    assert _stored(daemon.env["db"]) == []


def test_play_and_mood_requests_with_every_track_banned_say_why(daemon: Daemon) -> None:
    assert command(daemon.web, "play")[0] == 200
    for _ in NAMES:
        code, answer = command(daemon.web, "ban")
        assert code == 200, answer
    assert _stored(daemon.env["db"]) == ["banned"] * len(NAMES)
    assert status(daemon.web)["state"] == "stop"
    code, answer = command(daemon.web, "play")
    assert code == 409 and answer["error"] == (
        "nothing to play: every track is banned or was just played"
    )
    code, answer = command(daemon.web, "mood_request", mood="calm")
    assert code == 409, answer
    assert answer["error"].startswith("nothing to play for something calm: every track is banned")
    assert status(daemon.web)["target"]["request"] == ""  # the refused request changed nothing
    client = Raw(daemon.mpd_port)
    try:
        answer = client.ask("play")
        assert (
            answer[-1].startswith("ACK [50@0] {play}") and "every track is banned" in answer[-1]
        ), answer
        assert client.ask("status")[-1] == "OK"
    finally:
        client.close()
