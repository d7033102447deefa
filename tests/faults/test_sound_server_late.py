"""Issue 14: the mixer's output device cannot open when the daemon starts (the sound server
is not up yet: PortAudio then lists no device at all). The daemon starts anyway, as it did with
libVLC's own output: playback is held as "no sound output" (the device cannot open), commands
are answered, nothing is learned; once the server is up the music is heard from where it was
held (PortAudio initialised again to see the server's device: player._keeper)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.faults.sound_helpers import command, status, wait_for
from tests.faults.test_sound_server_gone import NAMES, TRACK_S, _played
from tests.moodplay.daemon import start
from tests.pulse import HEARD_DB, PulseServer, level_db, record


@pytest.mark.slow
def test_a_sound_server_that_starts_after_the_daemon_is_played_on(tmp_path: Path) -> None:
    db = short_library(tmp_path, NAMES, seconds=TRACK_S)
    pulse = PulseServer(tmp_path / "pulse")  # not started yet
    daemon = start(db, pulse.env, "--no-voice")
    try:
        assert command(daemon.web, "play")[0] == 200
        view = status(daemon.web)
        wait_for(lambda: any("cannot open" in p for p in status(daemon.web)["problems"]), 10,
                 "the output device that cannot open is named")  # fmt: skip
        view = status(daemon.web)
        assert view["state"] == "pause" and view["elapsed"] == 0.0, view
        assert _played(db) == []
        pulse.start()
        wait_for(lambda: status(daemon.web)["state"] == "play", 15, "playing once it is up")
        view = status(daemon.web)
        assert not any("no sound output" in p for p in view["problems"]), view["problems"]
        assert level_db(record(pulse.env, 1.0, tmp_path / "late.wav")) > HEARD_DB  # heard
        assert daemon.stop() == 0, "".join(daemon.lines[-20:])
    finally:
        daemon.stop()
        pulse.stop()
