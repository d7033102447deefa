"""Rearranging the queue and walking the library as MPD 0.23 does (issue 10, item 11): move,
moveid, swap, swapid, delete, seekid, plchanges/plchangesposid, listall/listallinfo, lsinfo and
config, against moodplay and (where Debian's ``mpd`` is installed) the real MPD on the same
music. Where moodplay's queue differs by design (the playing song stays first; planned entries
become the user's when moved; a deleted planned entry is dropped without learning) the test
says so."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.conftest import corpus_files, ffmpeg, run_moodplay
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, pairs

LAYOUT = {"Nebula": "z", "Awakening": "a/x", "Coherence": "a/b/y", "Deprecation": "c/w",
          "Aberrations": "c/v", "Inevitable": "c/u"}  # fmt: skip
"""Corpus track → where it lies under music/ (folders in folders, as real collections)."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mpd_order")
    music = folder / "music"
    for name, where in LAYOUT.items():
        src = next(p for p in corpus_files() if p.stem == name)
        (music / where).parent.mkdir(parents=True, exist_ok=True)
        ffmpeg(src, music / f"{where}.ogg", "-c:a", "copy", seconds=20)
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db


def ids(client: Raw) -> list[int]:
    return [int(v) for k, v in pairs(client.ask("playlistinfo")) if k == "Id"]


def test_move_and_swap_reorder_as_asked_while_stopped(server: int) -> None:
    """The order a client asks for is the order it reads back (moodplay: up to the last entry
    moved, which becomes the user's own queue; the planner may refill after it)."""
    client = Raw(server)
    before = ids(client)
    assert len(before) >= 5
    steps = [
        ("move 1 3", lambda q: [q[0], q[2], q[3], q[1], *q[4:]], 4),
        ("move 0:2 2", lambda q: [q[2], q[3], q[0], q[1], *q[4:]], 4),
        ("swap 0 4", lambda q: [q[4], q[1], q[2], q[3], q[0], *q[5:]], 5),
    ]
    for line, order, checked in steps:
        want = order(ids(client))
        assert client.ask(line) == ["OK"], line
        assert ids(client)[:checked] == want[:checked], line
    queue = ids(client)
    assert client.ask(f"moveid {queue[3]} 0") == ["OK"]
    assert ids(client)[:4] == [queue[3], *queue[:3]]
    queue = ids(client)
    assert client.ask(f"swapid {queue[0]} {queue[2]}") == ["OK"]
    assert ids(client)[:3] == [queue[2], queue[1], queue[0]]
    client.close()


BAD = (
    ("move 20 1", "ACK [2@0] {move} Bad song index"),
    ("move 1 6", "ACK [2@0] {move} Number too large: 6"),
    ("move 0:2 5", "ACK [2@0] {move} Number too large: 5"),
    ("move 5:3 1", "ACK [2@0] {move} Malformed range: 5:3"),
    ("move 4:20 0", "ACK [2@0] {move} Bad song index"),
    ("move 3: 0", "ACK [2@0] {move} Open-ended range not supported"),
    ("move x 1", "ACK [2@0] {move} Integer or range expected: x"),
    ("move 1", 'ACK [2@0] {move} wrong number of arguments for "move"'),
    ("moveid 99999 1", "ACK [50@0] {moveid} No such song"),
    ("moveid x 1", "ACK [2@0] {moveid} Integer expected: x"),
    ("swap 0 99", "ACK [2@0] {swap} Bad song index"),
    ("swap x 1", "ACK [2@0] {swap} Integer expected: x"),
    ("swap 1 -1", "ACK [2@0] {swap} Number too large: -1"),
    ("swapid 99999 1", "ACK [50@0] {swapid} No such song"),
    ("seekid 99999 1", "ACK [50@0] {seekid} No such song"),
    ("seekid 1", 'ACK [2@0] {seekid} wrong number of arguments for "seekid"'),
    ("seekid x 1", "ACK [2@0] {seekid} Integer expected: x"),
    ("plchangesposid", 'ACK [2@0] {plchangesposid} too few arguments for "plchangesposid"'),
    ("plchangesposid x", "ACK [2@0] {plchangesposid} Integer expected: x"),
    ("delete 99", "ACK [2@0] {delete} Bad song index"),
    ("delete 1:0", "ACK [2@0] {delete} Malformed range: 1:0"),
    ("seek 99 1", "ACK [2@0] {seek} Bad song index"),
    ("seek x 1", "ACK [2@0] {seek} Integer expected: x"),
    ("seek 0", 'ACK [2@0] {seek} wrong number of arguments for "seek"'),
    ("deleteid 99999", "ACK [50@0] {deleteid} No such song"),
    ("listall nothere", "ACK [50@0] {listall} No such directory"),
    ("listallinfo nothere", "ACK [50@0] {listallinfo} No such directory"),
    ("lsinfo nothere", "ACK [50@0] {lsinfo} No such directory"),
    ("config", "ACK [4@0] {config} Command only permitted to local clients"),
)
"""What the real MPD 0.23 answered with six songs queued, stopped."""


@pytest.mark.parametrize(("line", "answer"), BAD, ids=[line for line, _ in BAD])
def test_refusals_as_mpd(server: int, line: str, answer: str) -> None:
    client = Raw(server)
    assert client.ask(line) == [answer]
    client.close()


def test_bad_argument_text_for_ids(server: int) -> None:
    client = Raw(server)
    first = ids(client)[0]
    assert client.ask(f"seekid {first} x") == ["ACK [2@0] {seekid} Float expected: x"]
    assert client.ask(f"swapid {first} x") == ["ACK [2@0] {swapid} Integer expected: x"]
    client.close()


def test_seekid_plays_that_song_from_there(server: int) -> None:
    client = Raw(server)
    third = ids(client)[2]
    assert client.ask(f"seekid {third} 5") == ["OK"]
    status = dict(pairs(client.ask("status")))
    assert status["state"] == "play"
    assert status["songid"] == str(third)
    assert float(status["elapsed"]) >= 4.5
    assert client.ask(f"seekid {third} +3") == ["OK"]  # MPD: from 0:03, not 3 s further
    assert 2.5 <= float(dict(pairs(client.ask("status")))["elapsed"]) < 4.5
    assert client.ask(f"seekid {third} -3") == ["ACK [2@0] {seekid} Negative value not allowed: -3"]
    assert client.ask("seek 0 -3") == ["ACK [2@0] {seek} Negative value not allowed: -3"]
    client.close()


def test_plchangesposid_names_what_moved(server: int) -> None:
    """After a swap, the changes since the version before name both swapped positions, each with
    the id now there; at the current version nothing has changed."""
    client = Raw(server)
    version = dict(pairs(client.ask("status")))["playlist"]
    assert client.ask("swap 0 1") == ["OK"]
    changes = pairs(client.ask(f"plchangesposid {version}"))
    now = ids(client)
    moved = {int(v): int(i) for (_, v), (_, i) in zip(changes[::2], changes[1::2], strict=True)}
    assert {0, 1} <= set(moved)
    assert all(now[pos] == song for pos, song in moved.items())
    version = dict(pairs(client.ask("status")))["playlist"]
    assert client.ask(f"plchangesposid {version}") == ["OK"]
    assert client.ask(f"plchanges {version}") == ["OK"]
    client.close()


WALK = ["file: z.ogg", "directory: a", "file: a/x.ogg", "directory: a/b", "file: a/b/y.ogg",
        "directory: c", "file: c/u.ogg", "file: c/v.ogg", "file: c/w.ogg"]  # fmt: skip


def test_listall_walks_folders_as_mpd(server: int) -> None:
    """Files of a folder, then each sub-folder's entry followed by its walk (MPD orders files
    in a folder by its database; compared as a set inside each folder)."""
    client = Raw(server)
    walked = client.ask("listall")[:-1]
    assert [line for line in walked if line.startswith("directory")] == [
        line for line in WALK if line.startswith("directory")
    ]
    assert sorted(walked) == sorted(WALK)
    assert [w.startswith("directory") for w in walked] == [w.startswith("directory") for w in WALK]
    assert client.ask("listall a") == [*WALK[1:5], "OK"]
    assert client.ask("listall a/x.ogg") == ["file: a/x.ogg", "OK"]
    info = pairs(client.ask("listallinfo c"))
    entries = [v for k, v in info if k in ("file", "directory")]
    assert entries[0] == "c"
    assert sorted(entries[1:]) == ["c/u.ogg", "c/v.ogg", "c/w.ogg"]
    assert {k for k, _ in info} >= {"file", "Title", "Time", "duration", "directory"}
    client.close()


def test_lsinfo_lists_files_before_folders_and_shows_a_file(server: int) -> None:
    client = Raw(server)
    keys = [k for k, _ in pairs(client.ask("lsinfo a")) if k in ("file", "directory")]
    assert keys == ["file", "directory"]
    song = dict(pairs(client.ask("lsinfo a/x.ogg")))
    assert song["file"] == "a/x.ogg"
    assert "Title" in song
    client.close()


def test_the_playing_song_stays_first(daemon: Daemon) -> None:
    """moodplay only (an intended difference): while a song plays it is position 0; a move to
    0 lands at 1, and moving the playing song itself is refused with the reason."""
    client = Raw(daemon.mpd_port)
    assert client.ask("play") == ["OK"]
    queue = ids(client)
    assert client.ask("move 3 0") == ["OK"]
    assert ids(client)[:2] == [queue[0], queue[3]]
    assert client.ask("move 0 2") == [
        "ACK [2@0] {move} the playing song stays first in moodplay's queue"
    ]
    client.close()


def test_deleting_a_planned_entry_drops_it_and_learns_nothing(daemon: Daemon, db: Path) -> None:
    """moodplay only: a planned (not user-queued) entry deleted by id leaves the queue and is
    not planned again; no listening event is stored for it."""
    client = Raw(daemon.mpd_port)
    queue = ids(client)
    gone = queue[2]
    assert client.ask(f"deleteid {gone}") == ["OK"]
    assert gone not in ids(client)
    assert client.ask("delete 0") == ["OK"]
    assert queue[0] not in ids(client)
    assert gone not in ids(client)
    client.close()
    with sqlite3.connect(db) as con:
        kinds = [row[0] for row in con.execute("SELECT kind FROM events")]
    assert kinds == []


def test_deleting_the_playing_entry_plays_the_next(daemon: Daemon) -> None:
    client = Raw(daemon.mpd_port)
    assert client.ask("play") == ["OK"]
    queue = ids(client)
    assert client.ask("delete 0") == ["OK"]
    status = dict(pairs(client.ask("status")))
    assert status["state"] == "play"
    assert status["songid"] != str(queue[0])
    assert queue[0] not in ids(client)
    client.close()
