"""Stored playlists as MPD 0.23 keeps them: moodplay and, where Debian's ``mpd`` is installed,
the real MPD on the same music get the same answers. moodplay keeps them in its database and
mirrors each one to ``<XDG data>/moodplay/playlists/NAME.m3u8``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.moodplay import tagged_library
from tests.moodplay.daemon import Daemon, mpc, running
from tests.moodplay.mpd_reference import Raw, pairs

SOUNDTRACK = ["Soundtrack/Awakening.ogg", "Soundtrack/Coherence.mp3", "Soundtrack/Inevitable.flac"]
"""``playlistadd NAME Soundtrack`` adds these, each server in its own database order (MPD's
is the order the files were found in), so tests add single files where order matters."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tagged_library.build(tmp_path_factory.mktemp("mpd_playlists"))


@pytest.fixture(autouse=True)
def data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The daemon's XDG data folder (it inherits the environment): its playlist files."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    yield tmp_path / "data" / "moodplay" / "playlists"


def files(lines: list[str]) -> list[str]:
    return [v for k, v in pairs(lines) if k == "file"]


def playlists(client: Raw) -> set[str]:
    return {v for k, v in pairs(client.ask("listplaylists")) if k == "playlist"}


ERRORS = {
    "listplaylist nope": "ACK [50@0] {listplaylist} No such playlist",
    "listplaylistinfo nope": "ACK [50@0] {listplaylistinfo} No such playlist",
    'listplaylist "a/b"': "ACK [50@0] {listplaylist} No such playlist",
    "listplaylist": 'ACK [2@0] {listplaylist} wrong number of arguments for "listplaylist"',
    "listplaylist p 0:1": 'ACK [2@0] {listplaylist} wrong number of arguments for "listplaylist"',
    "load nope": "ACK [50@0] {load} No such playlist",
    'load "a/b"': "ACK [50@0] {load} No such playlist",
    "load p 2:1": "ACK [2@0] {load} Malformed range: 2:1",
    "load p x": "ACK [2@0] {load} Integer or range expected: x",
    "load p 0:-1": "ACK [2@0] {load} Number is negative: 0:-1",
    "save p": "ACK [56@0] {save} Playlist already exists",
    'save ""': "ACK [2@0] {save} Bad playlist name",
    'save "a/b"': "ACK [2@0] {save} Bad playlist name",
    "save": 'ACK [2@0] {save} wrong number of arguments for "save"',
    "rm nope": "ACK [50@0] {rm} No such playlist",
    'rm "a/b"': "ACK [2@0] {rm} Bad playlist name",
    'rm ""': "ACK [2@0] {rm} Bad playlist name",
    "rm": 'ACK [2@0] {rm} wrong number of arguments for "rm"',
    "rename nope other": "ACK [50@0] {rename} No such playlist",
    "rename nope p": "ACK [56@0] {rename} Playlist exists already",
    "rename p p": "ACK [56@0] {rename} Playlist exists already",
    'rename p "a/b"': "ACK [2@0] {rename} Bad playlist name",
    'rename "a/b" p': "ACK [2@0] {rename} Bad playlist name",
    "rename p": 'ACK [2@0] {rename} wrong number of arguments for "rename"',
    "playlistadd p nothere.ogg": "ACK [50@0] {playlistadd} No such directory",
    "playlistadd p Soundtrack 9": "ACK [2@0] {playlistadd} Bad position",
    "playlistadd p Soundtrack -1": "ACK [2@0] {playlistadd} Number too large: -1",
    "playlistadd p Soundtrack x": "ACK [2@0] {playlistadd} Integer expected: x",
    'playlistadd "a/b" Nebula.ogg': "ACK [2@0] {playlistadd} Bad playlist name",
    "playlistadd p": 'ACK [2@0] {playlistadd} too few arguments for "playlistadd"',
    "playlistdelete p 9": "ACK [2@0] {playlistdelete} Bad song index",
    "playlistdelete p x": "ACK [2@0] {playlistdelete} Integer or range expected: x",
    "playlistdelete p 4:2": "ACK [2@0] {playlistdelete} Malformed range: 4:2",
    "playlistdelete nope 0": "ACK [50@0] {playlistdelete} No such playlist",
    'playlistdelete "a/b" 0': "ACK [2@0] {playlistdelete} Bad playlist name",
    'playlistdelete "a/b" x': "ACK [2@0] {playlistdelete} Integer or range expected: x",
    "playlistclear nope": "ACK [50@0] {playlistclear} No such playlist",
    'playlistclear "a/b"': "ACK [2@0] {playlistclear} Bad playlist name",
    "playlistmove p 0 9": "ACK [2@0] {playlistmove} Bad range",
    "playlistmove p 9 0": "ACK [2@0] {playlistmove} Bad range",
    "playlistmove p x 0": "ACK [2@0] {playlistmove} Integer expected: x",
    "playlistmove p -1 0": "ACK [2@0] {playlistmove} Number too large: -1",
    "playlistmove p 1:2 0": "ACK [2@0] {playlistmove} Integer expected: 1:2",
    "playlistmove nope 0 1": "ACK [50@0] {playlistmove} No such playlist",
    'playlistmove "a/b" 0 1': "ACK [2@0] {playlistmove} Bad playlist name",
}
"""What the real MPD 0.23 answered, with playlist "p" holding three songs."""
NO_ERRORS = ("playlistmove nope 1 1", 'playlistmove "a/b" 2 2', "load p 3", "load p 7:9",
             "playlistdelete p 3:5")  # fmt: skip
"""Lines MPD 0.23 answers OK although they look wrong (moving a song onto itself does not even
look for the playlist; ranges past the end are empty)."""


def test_refusals_as_mpd(server: int) -> None:
    client = Raw(server)
    assert client.ask("playlistadd p Soundtrack") == ["OK"]
    for line, ack in ERRORS.items():
        assert client.ask(line) == [ack], line
    for line in NO_ERRORS:
        assert client.ask(line) == ["OK"], line
    assert sorted(files(client.ask("listplaylist p"))) == SOUNDTRACK
    client.close()


def test_editing_as_mpd(server: int) -> None:
    client = Raw(server)
    for uri in [*SOUNDTRACK, "Soundtrack/Coherence.mp3"]:
        assert client.ask(f"playlistadd mix {uri}") == ["OK"]
    assert client.ask("playlistadd mix Nebula.ogg 1") == ["OK"]
    awakening, coherence, inevitable = SOUNDTRACK
    assert files(client.ask("listplaylist mix")) == [awakening, "Nebula.ogg", coherence,
                                                     inevitable, coherence]  # fmt: skip
    assert client.ask("playlistmove mix 0 4") == ["OK"]
    assert client.ask("playlistdelete mix 1") == ["OK"]
    assert files(client.ask("listplaylist mix")) == ["Nebula.ogg", inevitable, coherence,
                                                     awakening]  # fmt: skip
    assert client.ask("playlistdelete mix 1:3") == ["OK"]
    assert files(client.ask("listplaylist mix")) == ["Nebula.ogg", awakening]
    assert client.ask("rename mix kept") == ["OK"]
    assert playlists(client) == {"kept"}
    assert [k for k, _ in pairs(client.ask("listplaylists"))] == ["playlist", "Last-Modified"]
    info = pairs(client.ask("listplaylistinfo kept"))
    assert [v for k, v in info if k in ("file", "Title")] == ["Nebula.ogg", "Nebula",
                                                              awakening, "Awakening"]  # fmt: skip
    assert ("Album", "Endgame: Singularity (Advanced Research)") in info
    assert client.ask("playlistclear kept") == ["OK"]
    assert client.ask("listplaylist kept") == ["OK"]
    assert client.ask("playlistdelete kept -1") == ["OK"]
    assert client.ask("rm kept") == ["OK"]
    assert playlists(client) == set()
    client.close()


def test_save_and_load_through_the_users_queue(server: int) -> None:
    """``save`` keeps the queue as clients see it; ``load`` appends a playlist (or a range of
    it) to what the user queued — in moodplay adaptive picks follow."""
    client = Raw(server)
    queue = files(client.ask("playlistinfo"))
    assert queue and client.ask("save all") == ["OK"]
    assert files(client.ask("listplaylist all")) == queue
    assert client.ask("playlistadd two Soundtrack/Inevitable.flac") == ["OK"]
    assert client.ask("playlistadd two Nebula.ogg") == ["OK"]
    assert client.ask("playlistadd two Soundtrack/Awakening.ogg") == ["OK"]
    assert client.ask("clear") == ["OK"]
    assert client.ask("load two 1:") == ["OK"]
    assert files(client.ask("playlistinfo"))[:2] == ["Nebula.ogg", "Soundtrack/Awakening.ogg"]
    assert client.ask("clear") == ["OK"]
    assert client.ask("load two") == ["OK"]
    assert files(client.ask("playlistinfo"))[:3] == ["Soundtrack/Inevitable.flac", "Nebula.ogg",
                                                     "Soundtrack/Awakening.ogg"]  # fmt: skip
    client.close()


def test_changes_wake_idle_clients(server: int) -> None:
    waiting, other = Raw(server), Raw(server)
    waiting.send("idle stored_playlist")
    assert waiting.quiet()
    assert other.ask("playlistadd p Nebula.ogg") == ["OK"]
    assert waiting.answer() == ["changed: stored_playlist", "OK"]
    waiting.send("idle stored_playlist")
    assert other.ask("listplaylist p") == ["file: Nebula.ogg", "OK"]
    assert waiting.quiet()  # reading changes nothing
    assert other.ask("rm p") == ["OK"]
    assert waiting.answer() == ["changed: stored_playlist", "OK"]
    waiting.close()
    other.close()


def test_mpc_keeps_playlists(server: int) -> None:
    mpc(server, "clear")
    mpc(server, "add", "Soundtrack")
    queued = mpc(server, "-f", "%file%", "playlist").splitlines()
    mpc(server, "save", "from mpc")
    assert "from mpc" in mpc(server, "lsplaylists").splitlines()
    listed = mpc(server, "-f", "%file%", "playlist", "from mpc").splitlines()
    assert listed == queued and sorted(listed[:3]) == SOUNDTRACK
    mpc(server, "rm", "from mpc")
    assert "from mpc" not in mpc(server, "lsplaylists").splitlines()


def test_files_mirror_the_database(daemon: Daemon, data_home: Path, db: Path,
                                   tmp_path: Path) -> None:  # fmt: skip
    """Each change rewrites NAME.m3u8 (absolute paths); a file copied into the folder is
    imported; the database keeps playlists across a restart, whatever happens to the files."""
    client = Raw(daemon.mpd_port)
    assert client.ask("playlistadd mine Nebula.ogg") == ["OK"]
    mirror = data_home / "mine.m3u8"
    lines = mirror.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "#EXTM3U" and len(lines) == 2
    assert lines[1].endswith("/Nebula.ogg") and Path(lines[1]).is_file()
    root = Path(lines[1]).parent
    (data_home / "dropped in.m3u8").write_text(
        f"#EXTM3U\n#EXTINF:10,Awakening\n{root}/Soundtrack/Awakening.ogg\nNebula.ogg\n",
        encoding="utf-8",
    )
    assert playlists(client) == {"mine", "dropped in"}
    assert files(client.ask('listplaylist "dropped in"')) == ["Soundtrack/Awakening.ogg",
                                                              "Nebula.ogg"]  # fmt: skip
    assert client.ask('rename "dropped in" kept') == ["OK"]
    assert not (data_home / "dropped in.m3u8").exists() and (data_home / "kept.m3u8").is_file()
    assert client.ask("rm mine") == ["OK"]
    assert not mirror.exists()
    client.close()
    (data_home / "kept.m3u8").unlink()  # the database is the truth
    daemon.stop()
    with running(db, tmp_path / "again", "--no-voice") as again:
        client = Raw(again.mpd_port)
        assert playlists(client) == {"kept"}
        assert files(client.ask("listplaylist kept")) == ["Soundtrack/Awakening.ogg",
                                                          "Nebula.ogg"]  # fmt: skip
        client.close()
