"""ncmpcpp 0.9 (Debian's), a real full-screen MPD client, driven in tmux against moodplay and
the real MPD 0.23 on the same music: its screens open and show the library, Enter plays a row,
+/- change the volume, r/y switch repeat/single, and it keeps its one connection throughout
(no error from the server on its status line, no reconnect)."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.mpd_reference import Raw, pairs

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")
ERRORS = re.compile(r"MPD: |Connection|Connecting|refused|lost", re.IGNORECASE)
"""What ncmpcpp prints on its status line when the server answers an error or goes away."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_ncmpcpp"), NAMES, seconds=20)


@dataclass
class Pane:
    """ncmpcpp in a detached tmux session of its own (private tmux server, no tmux config)."""

    server: str
    port: int

    def tmux(self, *args: str) -> str:
        return subprocess.run(["tmux", "-L", self.server, "-f", "/dev/null", *args],
                              capture_output=True, text=True, check=True).stdout  # fmt: skip

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p")

    def keys(self, *keys: str) -> None:
        self.tmux("send-keys", *keys)

    def wait_for(self, pattern: str) -> re.Match[str]:
        """Until ``pattern`` shows on the screen (10 s at most: a hang guard, not a bound)."""
        screen = ""
        for _ in range(100):
            screen = self.screen()
            assert not ERRORS.search(screen.split("\n", 2)[-1]), screen  # (the header aside)
            if found := re.search(pattern, screen):
                return found
            time.sleep(0.1)
        raise AssertionError(f"{pattern!r} never showed:\n{screen}")

    def connection(self) -> str:
        """ncmpcpp's TCP connection to the server (its local address)."""
        out = subprocess.run(["ss", "-Htn", "state", "established", f"dport = :{self.port}"],
                             capture_output=True, text=True, check=True).stdout  # fmt: skip
        ends = [line.split()[-2] for line in out.splitlines() if line.strip()]
        return ",".join(sorted(ends))


@pytest.fixture
def pane(server: int, tmp_path: Path) -> Iterator[Pane]:
    if shutil.which("ncmpcpp") is None or shutil.which("tmux") is None:
        pytest.skip("ncmpcpp and tmux are not installed (apt-get install ncmpcpp tmux)")
    home = tmp_path / "home"
    (home / ".config" / "ncmpcpp").mkdir(parents=True)  # its own, empty: no user config
    p = Pane(f"moodplay-test-{server}", server)
    # ncurses takes COLUMNS/LINES over the terminal's size: a test runner's must not leak in.
    env = f"env -u COLUMNS -u LINES HOME={home} XDG_CONFIG_HOME={home / '.config'} TERM=screen"
    p.tmux("new-session", "-d", "-x", "200", "-y", "50",
           f"{env} ncmpcpp -h 127.0.0.1 -p {server}")  # fmt: skip
    try:
        yield p
    finally:
        p.tmux("kill-server")


def test_ncmpcpp_browses_plays_and_sets_as_mpd(pane: Pane) -> None:
    pane.wait_for(r"Playlist \(4 items")
    volume = int(pane.wait_for(r"Volume: (\d+)%").group(1))  # MPD 100; moodplay its own
    start = pane.connection()
    assert start, "ncmpcpp is not connected"
    rows = [pane.wait_for(rf"Maxstack +{name} ") for name in NAMES]
    assert len(rows) == len(NAMES)

    pane.keys("2")  # browser: the music folder's songs
    pane.wait_for(r"Browse: /")
    for name in NAMES:
        pane.wait_for(rf"Maxstack - {name}")
    pane.keys("3")
    pane.wait_for(r"Search engine")
    pane.wait_for(r"Any +: <empty>")
    pane.keys("4")  # media library: artists, their albums, the songs
    pane.wait_for(r"Media library")
    pane.wait_for(r"Maxstack +│(\([-\d]+\) )?Endgame: Singularity \(Advanced Research\)")
    pane.keys("7")
    pane.wait_for(r"Outputs")
    pane.wait_for(r"\n(moodplay|null)\b")

    pane.keys("1")
    pane.wait_for(r"Playlist \(")
    second = _playlist_titles(pane.screen())[1]
    pane.keys("Down", "Enter")  # play the second row
    pane.wait_for(rf"Playing: Maxstack .+ - {second}\b")
    for key, step in (("-", -2), ("-", -2), ("+", 2)):  # ncmpcpp's default step: 2
        pane.keys(key)
        volume += step
        pane.wait_for(rf"Volume: {volume}%")
    pane.keys("r")
    pane.wait_for(r"Repeat mode is on")
    pane.wait_for(r"─\[r\]─")
    pane.keys("y")
    pane.wait_for(r"Single mode is on")
    pane.wait_for(r"─\[rs\]─")
    pane.keys("r")
    pane.wait_for(r"Repeat mode is off")
    pane.keys("p")
    pane.wait_for(r"Paused: Maxstack")
    pane.keys("5")  # playlist editor (stored playlists)
    pane.wait_for(r"Playlist editor")
    pane.keys("1")
    pane.wait_for(r"Playlist \(")

    status = _status(pane.port)
    assert (status["volume"], status["repeat"], status["single"], status["state"]) == (
        str(volume), "0", "1", "pause")  # fmt: skip
    assert pane.connection() == start  # the same connection all along: it never reconnected


def _playlist_titles(screen: str) -> list[str]:
    return [m.group(1) for m in re.finditer(r"^Maxstack +(.+?)  ", screen, re.MULTILINE)]


def _status(port: int) -> dict[str, str]:
    client = Raw(port)
    status = dict(pairs(client.ask("status")))
    client.close()
    return status
