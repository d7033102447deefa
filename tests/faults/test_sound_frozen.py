"""Issue 11: the sound server hangs (here: SIGSTOP) while music plays. On the mixer output (the
default) the output stream's callback is no longer called and closing or opening a stream
hangs; on libVLC's own output libVLC's stop never returns, nor any call on that media player.
Before player._bounded and player._keeper such a call was made on the session thread, so
every command answered 503 "session not answering" until the watchdog ended the daemon. Now
the daemon goes on answering, holds playback as "no sound output" (the output is not
responding) and learns nothing meanwhile; when the server goes on, so does the music.

The bounds on answer times are generous: the machine is shared, and the point is a daemon that
answers at all, not one that answers fast."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.faults.sound_helpers import command, daemon_and_pulse, http, status, wait_for
from tests.pulse import HEARD_DB, level_db, record

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")
TRACK_S = 10
FROZEN_S = 20
ANSWER_S = 4.0
"""The most one answer may take while the server is frozen (each deck call holds the session
at most 1 s; the rest is the shared machine's slack)."""


def _played(db: Path) -> list[int]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT track_id FROM events WHERE kind = 'played' ORDER BY id")
        return [track for (track,) in rows]


def _answer(url: str, *request: str) -> int:
    """The HTTP status of a status read ("status") or a command, asserting it came in time."""
    start = time.monotonic()
    if request == ("status",):
        code, view = http(url, "GET", "/api/status")
    else:
        code, view = command(url, *request)
    took_s = time.monotonic() - start
    assert code not in (0, 503) and took_s < ANSWER_S, (request, code, view, took_s)
    return code


@pytest.mark.slow
def test_frozen_sound_server_holds_playback_and_the_daemon_answers(tmp_path: Path) -> None:
    db = short_library(tmp_path, NAMES, seconds=TRACK_S)
    with daemon_and_pulse(db, tmp_path, "--no-voice") as (daemon, pulse):
        try:
            assert command(daemon.web, "play")[0] == 200
            wait_for(lambda: status(daemon.web)["elapsed"] >= 2.0, 10, "the first track plays")
            pulse.freeze()
            assert _answer(daemon.web, "next") == 200
            # Held once a libVLC call hangs, or once the server's socket takes no more
            # connections (the kernel queues a few for it first): whichever comes first.
            wait_for(lambda: status(daemon.web)["state"] == "pause", 15, "held when frozen")
            deadline, turn = time.monotonic() + FROZEN_S, 0
            while time.monotonic() < deadline:
                skip = (("next",),) if turn == 0 else ()  # a skip stops a deck: that hangs
                for request in (("status",), *skip, ("pause",), ("play",), ("status",)):
                    _answer(daemon.web, *request)
                turn += 1
                time.sleep(1.0)
            # libVLC's own output: a libVLC call hangs; the mixer's: its stream's callback
            # stops being called (player._keeper). Either says the output was frozen.
            hung = [line for line in daemon.lines
                    if "has not returned" in line or "has not been called" in line]  # fmt: skip
            assert hung, "nothing hung: the test did not test the frozen output"
            view = status(daemon.web)
            assert view["state"] == "pause", view
            assert any("not responding" in p for p in view["problems"]), view["problems"]
            track, held = view["current"]["id"], view["elapsed"]
            time.sleep(2.0)
            assert status(daemon.web)["elapsed"] == held  # stands where the sound stopped
            assert _played(db) == []  # nothing heard, nothing learned
        finally:
            pulse.freeze(False)
        wait_for(lambda: status(daemon.web)["state"] == "play", 15, "playing once it goes on")
        view = status(daemon.web)
        assert view["current"]["id"] == track and held <= view["elapsed"] < TRACK_S
        assert not any("no sound output" in p for p in view["problems"]), view["problems"]
        assert level_db(record(pulse.env, 1.0, tmp_path / "back.wav")) > HEARD_DB  # heard again
        assert daemon.stop() == 0, "".join(daemon.lines[-20:])
