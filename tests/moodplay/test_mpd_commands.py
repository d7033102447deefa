"""MPD commands answered as MPD 0.23 does (issue 10, items 4, 7, 8): moodplay and, where
Debian's ``mpd`` is installed, the real MPD on the same music get the same lines."""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import mpc
from tests.moodplay.mpd_reference import Raw, pairs

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_commands"), NAMES, seconds=20)


def entries(client: Raw) -> list[dict[str, str]]:
    """playlistinfo as one dict per entry."""
    out: list[dict[str, str]] = []
    for key, value in pairs(client.ask("playlistinfo")):
        if key == "file":
            out.append({})
        out[-1][key] = value
    return out


def current_file(client: Raw) -> str:
    return dict(pairs(client.ask("currentsong")))["file"]


BAD_PLAYS = {
    "play 999": "ACK [2@0] {play} Bad song index",
    "playid 99999": "ACK [50@0] {playid} No such song",
    "play x": "ACK [2@0] {play} Integer expected: x",
    "playid x": "ACK [2@0] {playid} Integer expected: x",
    "play 1.5": "ACK [2@0] {play} Integer expected: 1.5",
    "play 1 2": 'ACK [2@0] {play} too many arguments for "play"',
    "playid 4294967296": "ACK [2@0] {playid} Number too large: 4294967296",
}
"""What the real MPD 0.23 answered (``test_play_and_playid`` checks it against both)."""


def test_play_and_playid_play_that_entry(server: int) -> None:
    client = Raw(server)
    queue = entries(client)
    assert client.ask("play 2") == ["OK"]
    assert current_file(client) == queue[2]["file"]
    assert dict(pairs(client.ask("status")))["state"] == "play"
    queue = entries(client)
    assert client.ask(f"playid {queue[1]['Id']}") == ["OK"]
    assert current_file(client) == queue[1]["file"]
    playing = current_file(client)
    for line, ack in BAD_PLAYS.items():
        assert client.ask(line) == [ack], line
    assert current_file(client) == playing  # a refused play changes nothing
    assert client.ask("play -1") == ["OK"]  # -1: play what is current
    assert current_file(client) == playing
    client.close()


def elapsed(client: Raw) -> float:
    return float(dict(pairs(client.ask("status")))["elapsed"])


SEEKS = (("seekcur 6", 6.0), ("seekcur +3", 9.0), ("seekcur -2", 7.0), ("seekcur -100", 0.0))
"""Within the first half of the 20 s cuts (a seek near the end of a stream-copied Ogg cut
sometimes ran into its end under load, and the next track started)."""
BAD_SEEKS = {
    "seekcur": 'ACK [2@0] {seekcur} wrong number of arguments for "seekcur"',
    "seekcur x": "ACK [2@0] {seekcur} Float expected: x",
}
"""What the real MPD 0.23 answered; stopped, any seek is ``ACK [55@0] {seekcur} Not playing``."""


def settles_at(client: Raw, want: float, within_s: float = 3.0) -> float:
    """The elapsed time once it lies in [want, want + 1.5) (libVLC seeks asynchronously)."""
    deadline = time.monotonic() + within_s
    now = elapsed(client)
    while not want <= now < want + 1.5 and time.monotonic() < deadline:
        time.sleep(0.05)
        now = elapsed(client)
    return now


def test_seekcur_absolute_and_relative(server: int) -> None:
    client = Raw(server)
    assert client.ask("stop") == ["OK"]
    assert client.ask("seekcur 10") == ["ACK [55@0] {seekcur} Not playing"]
    assert client.ask("play 0") == ["OK"]
    settles_at(client, 0.1)  # playing
    for line, want in SEEKS:
        assert client.ask(line) == ["OK"]
        assert want <= settles_at(client, want) < want + 1.5, line
    for line, ack in BAD_SEEKS.items():
        assert client.ask(line) == [ack], line
    mpc(server, "seek", "+5")  # mpc sends seekcur +5 (it used to land on 0:05)
    assert 5.0 <= settles_at(client, 5.0) < 6.5
    client.close()


def test_outputs_as_mpd(server: int) -> None:
    client = Raw(server)
    keys = [key for key, _ in pairs(client.ask("outputs"))]
    assert keys == ["outputid", "outputname", "plugin", "outputenabled"]
    assert re.fullmatch(r"Output 1 \(.+\) is enabled\n", mpc(server, "outputs"))
    client.close()


def test_status_names_the_next_song(server: int) -> None:
    client = Raw(server)
    assert client.ask("play 0") == ["OK"]
    status = dict(pairs(client.ask("status")))
    queue = entries(client)
    assert (status["nextsong"], status["nextsongid"]) == ("1", queue[1]["Id"])
    assert mpc(server, "queued").strip() == f"Maxstack - {queue[1]['Title']}"
    client.close()


def test_a_change_is_seen_by_the_next_read_even_in_one_command_list(server: int) -> None:
    """Reads share one snapshot for a moment (moodplay.mpd._base.SnapshotCache): a change made
    by any connection, even one a read cannot see in the session's change count (a seek), is
    never answered from the snapshot before it."""
    client, other = Raw(server), Raw(server)
    assert client.ask("play 0") == ["OK"]
    settles_at(client, 0.1)
    assert float(dict(pairs(other.ask("status")))["elapsed"]) < 5.0  # the snapshot is held
    listed = client.ask("command_list_begin\nseekcur 8\nstatus\ncommand_list_end")
    assert listed[-1] == "OK" and 8.0 <= float(dict(pairs(listed))["elapsed"]) < 9.5
    assert 8.0 <= float(dict(pairs(other.ask("status")))["elapsed"]) < 9.5
    assert other.ask("setvol 37") == ["OK"]
    assert dict(pairs(client.ask("status")))["volume"] == "37"
    client.close()
    other.close()
