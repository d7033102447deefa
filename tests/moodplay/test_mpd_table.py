"""The MPD command table against both servers: every command's argument counts as MPD 0.23
refuses them, the command list, and the commands moodplay leaves out (each with its reason in
docs/mpd-differences.toml); messages and outputs as MPD answers them."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from moodplay.mpd._table import ANY, COMMANDS, SERVER_COMMANDS
from tests.conftest import short_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, pairs, real_mpd

DIFFERENCES = Path(__file__).parents[2] / "docs" / "mpd-differences.toml"


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_table"), ("Awakening", "Nebula"), 10)


def differences() -> dict[str, list[dict[str, str]]]:
    with DIFFERENCES.open("rb") as f:
        return tomllib.load(f)


def wrong_counts() -> list[tuple[str, int, str]]:
    """(command, argument count, MPD's refusal) for one count below and one above the range."""
    out = []
    for name, spec in COMMANDS.items():
        if name in SERVER_COMMANDS:
            continue
        fixed = spec.low == spec.high
        if spec.low > 0:
            text = "wrong number of" if fixed else "too few"
            out.append((name, spec.low - 1, f'ACK [2@0] {{{name}}} {text} arguments for "{name}"'))
        if spec.high != ANY:
            text = "wrong number of" if fixed else "too many"
            out.append((name, spec.high + 1,
                        f'ACK [2@0] {{{name}}} {text} arguments for "{name}"'))  # fmt: skip
    return out


def test_argument_counts_as_mpd(server: int) -> None:
    """Each command with one argument too few and one too many: refused with MPD's words (the
    same table checked against the real MPD, so a wrong count in the table fails there)."""
    client = Raw(server)
    wrong = [(f"{name} {' '.join(['zz'] * n)}".strip(), answer)
             for name, n, answer in wrong_counts()]  # fmt: skip
    assert len(wrong) > 100
    got = {line: client.ask(line) for line, _ in wrong}
    assert {line: answer for line, answer in got.items() if answer != [dict(wrong)[line]]} == {}
    client.close()


def test_commands_are_mpds_but_those_listed_as_left_out(daemon: Daemon, tmp_path: Path,
                                                        library_db: Path) -> None:  # fmt: skip
    client = Raw(daemon.mpd_port)
    ours = {v for k, v in pairs(client.ask("commands")) if k == "command"}
    client.close()
    assert ours == set(COMMANDS)
    with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
        reference = Raw(port)
        theirs = {v for k, v in pairs(reference.ask("commands")) if k == "command"}
        reference.close()
    left_out = {entry["command"] for entry in differences()["left_out"]}
    assert ours <= theirs
    assert theirs - ours == left_out
    assert all(entry["reason"] for entry in differences()["left_out"])


def test_every_difference_has_a_reason() -> None:
    for kind, entries in differences().items():
        for entry in entries:
            assert entry.get("reason", "").strip(), (kind, entry)


def test_messages_between_clients_as_mpd(server: int) -> None:
    reader, writer = Raw(server), Raw(server)
    assert reader.ask("subscribe news") == ["OK"]
    assert reader.ask("subscribe news") == [
        "ACK [56@0] {subscribe} already subscribed to this channel"
    ]
    assert reader.ask('subscribe "b c"') == ["ACK [2@0] {subscribe} invalid channel name"]
    assert reader.ask("subscribe 'b'") == ["ACK [5@0] {} Invalid unquoted character"]
    assert "channel: news" in writer.ask("channels")
    reader.send("idle message")
    assert reader.quiet(0.3)
    assert writer.ask('sendmessage news "hello there"') == ["OK"]
    assert reader.answer() == ["changed: message", "OK"]
    assert reader.ask("readmessages") == ["channel: news", "message: hello there", "OK"]
    assert reader.ask("readmessages") == ["OK"]
    assert writer.ask("sendmessage nobody hi") == [
        "ACK [50@0] {sendmessage} nobody is subscribed to this channel"
    ]
    assert reader.ask("unsubscribe news") == ["OK"]
    assert reader.ask("unsubscribe news") == [
        "ACK [50@0] {unsubscribe} not subscribed to this channel"
    ]
    reader.close()
    writer.close()


def test_outputs_as_mpd(server: int) -> None:
    client = Raw(server)
    assert client.ask("enableoutput 0") == ["OK"]
    assert client.ask("enableoutput 5") == ["ACK [50@0] {enableoutput} No such audio output"]
    assert client.ask("disableoutput x") == ["ACK [2@0] {disableoutput} Integer expected: x"]
    keys = [k for k, _ in pairs(client.ask("outputs"))]
    assert keys == ["outputid", "outputname", "plugin", "outputenabled"]
    client.close()


def test_queue_filters_as_mpd(server: int) -> None:
    client = Raw(server)
    queue = pairs(client.ask("playlistinfo"))
    titles = [v for k, v in queue if k == "Title"]
    found = pairs(client.ask("playlistsearch title nEbU"))
    assert [v for k, v in found if k == "Title"] == ["Nebula"]
    assert {k for k, _ in found} >= {"file", "Title", "Pos", "Id"}
    assert client.ask("playlistfind title nebula") == ["OK"]  # find is exact
    every = pairs(client.ask("playlistfind artist Maxstack"))
    assert [v for k, v in every if k == "Title"] == titles  # queue order
    listed = client.ask("playlist")[:-1]
    assert [line.split(":", 1)[0] for line in listed] == [str(i) for i in range(len(titles))]
    assert all(line.split(":", 2)[1] == "file" for line in listed)
    client.close()


def test_moodplay_answers_come_back_as_messages(daemon: Daemon) -> None:
    """moodplay only: what ``sendmessage moodplay …`` answers reaches the sender and every
    subscriber of "moodplay-replies" through readmessages (issue 15); subscribers of
    "moodplay" see the command itself, as MPD delivers any message."""
    client, watcher, snoop = (Raw(daemon.mpd_port) for _ in range(3))
    assert watcher.ask("subscribe moodplay-replies") == ["OK"]
    assert snoop.ask("subscribe moodplay") == ["OK"]
    assert client.ask("play") == ["OK"]
    assert client.ask('sendmessage moodplay "why"') == ["OK"]
    mine = pairs(client.ask("readmessages"))
    assert mine[0] == ("channel", "moodplay-replies")
    assert len(mine[1][1]) > 10  # the reason for the pick, in words
    assert pairs(watcher.ask("readmessages")) == mine
    assert pairs(snoop.ask("readmessages")) == [("channel", "moodplay"), ("message", "why")]
    for c in (client, watcher, snoop):
        c.close()
