"""More MPD commands answered as MPD 0.23 does (issue 10, items 9 and 11): moodplay and, where
Debian's ``mpd`` is installed, the real MPD on the same music get the same lines."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from moodplay.mpd._protocol import MAX_COMMAND_LIST_BYTES
from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, running
from tests.moodplay.mpd_reference import Raw, pairs

NAMES = ("Awakening", "Coherence", "Nebula")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_more"), NAMES, seconds=20)


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


SMALL = (
    ("setvol 30", ["OK"]),
    ("volume -5", ["OK"]),
    ("getvol", ["volume: 25", "OK"]),
    ("volume +10", ["OK"]),
    ("getvol", ["volume: 35", "OK"]),
    ("volume -100", ["OK"]),
    ("getvol", ["volume: 0", "OK"]),
    ("volume +30", ["OK"]),
    ("getvol", ["volume: 30", "OK"]),
    ("volume -200", ["ACK [2@0] {volume} Number too large: -200"]),
    ("volume 1.5", ["ACK [2@0] {volume} Integer expected: 1.5"]),
    ("volume", ['ACK [2@0] {volume} wrong number of arguments for "volume"']),
    ("getvol 1", ['ACK [2@0] {getvol} wrong number of arguments for "getvol"']),
    ("binarylimit 64", ["OK"]),
    ("binarylimit 63", ["ACK [2@0] {binarylimit} Value too small"]),
    ("binarylimit x", ["ACK [2@0] {binarylimit} Integer expected: x"]),
    ("binarylimit", ['ACK [2@0] {binarylimit} wrong number of arguments for "binarylimit"']),
    ("prio 5 0", ["OK"]),
    ("prio 5 0:2 1", ["OK"]),
    ("prio 5 1:", ["OK"]),
    ("prio 300 0", ["ACK [2@0] {prio} Number too large: 300"]),
    ("prio 5 999", ["ACK [2@0] {prio} Bad song index"]),
    ("prio 5 2:1", ["ACK [2@0] {prio} Malformed range: 2:1"]),
    ("prio 5 x", ["ACK [2@0] {prio} Integer or range expected: x"]),
    ("prio 5", ['ACK [2@0] {prio} too few arguments for "prio"']),
    ("prioid 5 99999", ["ACK [50@0] {prioid} No such song"]),
    ("prioid 5 x", ["ACK [2@0] {prioid} Integer expected: x"]),
    ("prioid 5", ['ACK [2@0] {prioid} too few arguments for "prioid"']),
    ("replay_gain_mode album", ["OK"]),
    ("replay_gain_status", ["replay_gain_mode: album", "OK"]),
    ("replay_gain_mode foo", ["ACK [2@0] {replay_gain_mode} Unrecognized replay gain mode"]),
    ("replay_gain_mode", [
        'ACK [2@0] {replay_gain_mode} wrong number of arguments for "replay_gain_mode"']),
    ("crossfade x", ["ACK [2@0] {crossfade} Integer expected: x"]),
    ("crossfade -1", ["ACK [2@0] {crossfade} Number too large: -1"]),
    ("crossfade", ['ACK [2@0] {crossfade} wrong number of arguments for "crossfade"']),
)  # fmt: skip
"""What the real MPD 0.23 answered (``test_small_commands_as_mpd`` checks it against both)."""


def test_small_commands_as_mpd(server: int) -> None:
    client = Raw(server)
    for line, answer in SMALL:
        assert client.ask(line) == answer, line
    first_id = dict(pairs(client.ask("playlistinfo")))["Id"]
    assert client.ask(f"prioid 7 {first_id}") == ["OK"]
    client.close()


def test_crossfade_shows_as_xfade_in_status(server: int) -> None:
    client = Raw(server)
    assert "xfade" not in dict(pairs(client.ask("status")))  # MPD names it only when on
    assert client.ask("crossfade 3") == ["OK"]
    assert dict(pairs(client.ask("status")))["xfade"] == "3"
    assert client.ask("crossfade 0") == ["OK"]
    assert "xfade" not in dict(pairs(client.ask("status")))
    client.close()


@pytest.mark.parametrize(
    ("line", "subsystem"),
    [("crossfade 2", "options"), ("replay_gain_mode track", "options"), ("volume -1", "mixer")],
)
def test_settings_wake_idle_clients(server: int, line: str, subsystem: str) -> None:
    watcher, actor = Raw(server), Raw(server)
    watcher.send("idle")
    assert watcher.quiet(0.3)
    assert actor.ask(line) == ["OK"]
    assert watcher.answer() == [f"changed: {subsystem}", "OK"]
    watcher.close()
    actor.close()


NEW = {"binarylimit", "crossfade", "getvol", "prio", "prioid", "replay_gain_mode",
       "replay_gain_status", "volume"}  # fmt: skip


def test_commands_lists_them(server: int) -> None:
    client = Raw(server)
    names = [value for key, value in pairs(client.ask("commands")) if key == "command"]
    assert names == sorted(names)
    assert NEW.issubset(names)
    assert client.ask("notcommands") == ["OK"]  # no password: everything is allowed
    client.close()


def test_intended_differences(daemon: Daemon) -> None:
    """MPD takes any crossfade; moodplay's ``crossfade_s`` is 0..12. MPD starts with replay
    gain off; moodplay's player evens loudness per track (track gain, else measured loudness)."""
    client = Raw(daemon.mpd_port)
    assert client.ask("replay_gain_status") == ["replay_gain_mode: track", "OK"]
    assert client.ask("crossfade 13") == [
        "ACK [2@0] {crossfade} crossfade is 0..12 seconds in moodplay"
    ]
    assert client.ask("crossfade 12") == ["OK"]
    assert dict(pairs(client.ask("status")))["xfade"] == "12"
    client.close()


LOCKED = [
    ("commands", [*(f"command: {name}" for name in ("binarylimit", "close", "commands",
                  "notcommands", "password", "ping", "tagtypes")), "OK"]),
    ("status", ['ACK [4@0] {status} you don\'t have permission for "status"']),
    ("password wrong", ["ACK [3@0] {password} incorrect password"]),
    ("binarylimit 128", ["OK"]),
    ("password secret", ["OK"]),
    ("notcommands", ["OK"]),
]  # fmt: skip
"""What the real MPD 0.23 answered with ``password "secret@read,add,control,admin"``: before the
password a client may send only these seven commands."""


def test_before_the_password(db: Path, tmp_path: Path) -> None:
    with running(db, tmp_path, "--no-voice", "--mpd-password", "secret") as daemon:
        client = Raw(daemon.mpd_port)
        hidden = [v for k, v in pairs(client.ask("notcommands")) if k == "command"]
        assert {"status", "play", "getvol"}.issubset(hidden) and "ping" not in hidden
        for line, answer in LOCKED:
            assert client.ask(line) == answer, line
        assert NEW.issubset(v for k, v in pairs(client.ask("commands")) if k == "command")
        client.close()
