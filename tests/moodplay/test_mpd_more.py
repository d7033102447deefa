"""More MPD commands answered as MPD 0.23 does (issue 10, items 9 and 11): moodplay and, where
Debian's ``mpd`` is installed, the real MPD on the same music get the same lines."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from moodplay._mpd_protocol import MAX_COMMAND_LIST_BYTES
from tests.conftest import short_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, real_mpd

NAMES = ("Awakening", "Coherence", "Nebula")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_more"), NAMES, seconds=20)


@pytest.fixture(params=["moodplay", "mpd"])
def server(request: pytest.FixtureRequest, library_db: Path, tmp_path: Path) -> Iterator[int]:
    """moodplay's MPD port, then the real MPD's (skipped when it is not installed)."""
    if request.param == "mpd":
        with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
            yield port
    else:
        daemon: Daemon = request.getfixturevalue("daemon")
        yield daemon.mpd_port


def pairs(lines: list[str]) -> list[tuple[str, str]]:
    return [(k, v) for k, _, v in (line.partition(": ") for line in lines[:-1])]


LONG = "ping " + "x" * 3995
"""A 4,000-byte line (4,001 with its newline); MPD 0.23 drops a client whose line is much longer."""
FITS = MAX_COMMAND_LIST_BYTES // (len(LONG) + 1)
"""524 such lines fit in MPD's default max_command_list_size (2048 KiB); one more does not."""


def test_a_command_list_within_the_limit_runs(server: int) -> None:
    client = Raw(server)
    client.send("command_list_ok_begin")
    for _ in range(FITS):
        client.send(LONG)
    assert client.ask("command_list_end") == [
        'ACK [2@0] {ping} wrong number of arguments for "ping"'
    ]
    assert client.ask("ping") == ["OK"]
    client.close()


def test_a_command_list_over_the_limit_closes_the_connection_unanswered(server: int) -> None:
    """MPD 0.23 answers nothing and closes on the line that passes the limit: none of the list
    runs, and the client cannot read a half-run list's answers as its next commands'."""
    client = Raw(server)
    before = dict(pairs(client.ask("status")))["volume"]
    client.send("command_list_begin")
    client.send("setvol 7")
    for _ in range(FITS + 1):
        client.send(LONG)
    with contextlib.suppress(ConnectionResetError):  # or a reset: the same refusal
        assert client.stream.readline() == b""
    client.close()
    other = Raw(server)
    assert dict(pairs(other.ask("status")))["volume"] == before  # the setvol never ran
    other.close()
