"""Queue ranges and library searches answered as MPD 0.23 does (issue 10, items 3, 5, 6):
moodplay and, where Debian's ``mpd`` is installed, the real MPD on the same music get the same
answers. Songs come back in each server's database order, so searches compare the set of files
(``sort`` compares the order too).

Intended difference: moodplay keeps no Date or Genre tags, so ``search any 2012`` (MPD: every
song, by its Date) finds nothing in moodplay; no test sends it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, real_mpd

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable")
"""All by Maxstack; Nebula is on "Endgame: Singularity (Advanced Research)", the others on
"Endgame: Singularity Original Soundtrack"."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_find"), NAMES, seconds=20)


@pytest.fixture(params=["moodplay", "mpd"])
def server(request: pytest.FixtureRequest, library_db: Path, tmp_path: Path) -> Iterator[int]:
    """moodplay's MPD port, then the real MPD's (skipped when it is not installed)."""
    if request.param == "mpd":
        with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
            yield port
    else:
        daemon: Daemon = request.getfixturevalue("daemon")
        yield daemon.mpd_port


def files(lines: list[str]) -> list[str]:
    return [line.removeprefix("file: ") for line in lines if line.startswith("file: ")]


def positions(lines: list[str]) -> list[int]:
    return [int(line.removeprefix("Pos: ")) for line in lines if line.startswith("Pos: ")]


RANGES = {
    "playlistinfo 2": [2],
    "playlistinfo 0:3": [0, 1, 2],
    "playlistinfo 3:": [3, 4],
    "playlistinfo 2:100": [2, 3, 4],
    "playlistinfo 3:3": [],
    "playlistinfo 5": [],
    "playlistinfo 5:7": [],
    "playlistinfo -1": [0, 1, 2, 3, 4],
}
"""The positions MPD 0.23 answered with five songs queued."""
BAD_RANGES = {
    "playlistinfo 100": "ACK [2@0] {playlistinfo} Bad song index",
    "playlistinfo 6:7": "ACK [2@0] {playlistinfo} Bad song index",
    "playlistinfo 3:1": "ACK [2@0] {playlistinfo} Malformed range: 3:1",
    "playlistinfo x": "ACK [2@0] {playlistinfo} Integer or range expected: x",
    "playlistinfo 1 2": 'ACK [2@0] {playlistinfo} too many arguments for "playlistinfo"',
    "playlistid 99999": "ACK [50@0] {playlistid} No such song",
    "playlistid x": "ACK [2@0] {playlistid} Integer expected: x",
    "playlistid -1": "ACK [2@0] {playlistid} Number too large: -1",
    "playlistid 1 2": 'ACK [2@0] {playlistid} too many arguments for "playlistid"',
}
"""What the real MPD 0.23 answered."""


def test_playlistinfo_ranges_and_playlistid(server: int) -> None:
    client = Raw(server)
    everything = client.ask("playlistinfo")
    assert len(files(everything)) == len(NAMES)
    for line, want in RANGES.items():
        answer = client.ask(line)
        assert (answer[-1], positions(answer)) == ("OK", want), line
        assert files(answer) == [files(everything)[pos] for pos in want], line
    for line, ack in BAD_RANGES.items():
        assert client.ask(line) == [ack], line
    first_id = next(v for k, _, v in (x.partition(": ") for x in everything) if k == "Id")
    one = client.ask(f"playlistid {first_id}")
    assert (files(one), positions(one)) == (files(everything)[:1], [0])
    client.close()
