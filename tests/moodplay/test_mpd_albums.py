"""Albums in order and multi-value tags as MPD 0.23 shows them (issue 13): ``lsinfo`` and
``find album`` list an album by disc, track ("3/12" is 3; "A1", "-1" and "" are none and come
first), then file name; ID3v2.4 NUL-separated and repeated Vorbis ARTIST/GENRE values are each
their own ``Artist:``/``Genre:`` line and each found by find/search/list. moodplay and, where
Debian's ``mpd`` is installed, the real MPD on the same generated files give the same answers.

Intended differences: MPD prints each file's tags in that file's own order, moodplay in one
order (compared here as the sequence of each key's values); moodplay shows no Last-Modified,
Format or Title-less lines differently."""

from __future__ import annotations

import json
import shutil
import urllib.request
from pathlib import Path

import mutagen.oggvorbis
import pytest

from tests.conftest import run_moodplay
from tests.library import oddfiles
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, pairs

ALBUM = oddfiles.ALBUM
KEYS = ("file", "Artist", "Genre", "Track", "Disc", "Album")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("mpd_albums")
    oddfiles.album(folder / "music")
    loose = folder / "music" / "loose.ogg"  # so the music folder, not the album, is the root
    shutil.copy(folder / "music" / ALBUM / "g none.ogg", loose)
    comments = mutagen.oggvorbis.OggVorbis(loose)
    del comments["album"]
    comments.save()
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(folder / "music"))
    assert result.returncode == 0, result.stderr
    return db


def songs(lines: list[str]) -> list[dict[str, list[str]]]:
    """Each song of an answer as {key: its values in order}, for the keys both servers show."""
    out: list[dict[str, list[str]]] = []
    for key, value in pairs(lines):
        if key == "file":
            out.append({})
        if key in KEYS and out:
            out[-1].setdefault(key, []).append(value)
    return out


def files(lines: list[str]) -> list[str]:
    return [v.removeprefix(f"{ALBUM}/") for k, v in pairs(lines) if k == "file"]


def test_lsinfo_and_find_album_list_by_disc_track_then_file_name(server: int) -> None:
    client = Raw(server)
    listed = client.ask(f'lsinfo "{ALBUM}"')
    assert files(listed) == oddfiles.ALBUM_ORDER
    assert files(client.ask(f'find album "{ALBUM}"')) == oddfiles.ALBUM_ORDER
    by_file = {s["file"][0].removeprefix(f"{ALBUM}/"): s for s in songs(listed)}
    assert by_file["e three.mp3"] == {
        "file": [f"{ALBUM}/e three.mp3"],
        "Artist": ["Odd"],
        "Album": [ALBUM],
        "Track": ["3"],
        "Disc": ["1"],
    }
    assert by_file["d side.ogg"].get("Track") is None  # "A1" is no track number
    client.close()


MULTI = {
    "M multi.mp3": {"Artist": ["Alpha", "Beta"], "Genre": ["Rock", "Jazz"]},
    "v multi.ogg": {"Artist": ["Alpha", "Gamma"], "Genre": ["Ambient", "Drone"]},
}
FOUND = {
    "find artist Alpha": ["v multi.ogg", "M multi.mp3"],
    "find artist Beta": ["M multi.mp3"],
    "find genre Drone": ["v multi.ogg"],
    "search artist gamm": ["v multi.ogg"],
    "search any jazz": ["M multi.mp3"],
    "find \"(Artist == 'Beta')\"": ["M multi.mp3"],
    "find title None": ["loose.ogg", "g none.ogg"],  # a folder's songs before its sub-folders
}
LISTS = {
    "list artist": ["Artist: Alpha", "Artist: Beta", "Artist: Gamma", "Artist: Odd"],
    "list genre": ["Genre: ", "Genre: Ambient", "Genre: Drone", "Genre: Jazz", "Genre: Rock"],
    "count artist Alpha": ["songs: 2", "playtime: 6"],
    "count artist Odd": ["songs: 9", "playtime: 27"],
}
"""What the real MPD 0.23 answered (before the OK)."""


def test_each_value_of_a_multi_value_tag_is_shown_found_and_listed(server: int) -> None:
    client = Raw(server)
    for name, want in MULTI.items():
        (song,) = songs(client.ask(f'lsinfo "{ALBUM}/{name}"'))
        assert {k: song.get(k) for k in want} == want, name
    for line, want_files in FOUND.items():
        assert files(client.ask(line)) == want_files, line
    for line, want_lines in LISTS.items():
        (rest, seconds) = _split_playtime(client.ask(line))
        (want_rest, want_seconds) = _split_playtime([*want_lines, "OK"])
        assert rest == want_rest, line
        assert abs(seconds - want_seconds) <= 1, line
    client.close()


def _split_playtime(lines: list[str]) -> tuple[list[str], int]:
    """(the other lines, ``playtime``): it is a sum of lengths truncated to whole seconds, and
    the two servers measure a 3 s file's length with different decoders (a few ms apart, within
    the 1 % issue 13 allows), so 26.99 s and 27.0 s print 26 and 27 (failed once in CI)."""
    rest = [line for line in lines if not line.startswith("playtime: ")]
    times = [int(line.split(": ", 1)[1]) for line in lines if line.startswith("playtime: ")]
    return rest, times[0] if times else -1


def test_add_and_play_the_album_queue_it_in_order(daemon: Daemon) -> None:
    """``add "Album"`` (mpc add) and "play the album …" (the command registry, here over HTTP)
    queue the album by disc, track and file name."""
    client = Raw(daemon.mpd_port)
    assert client.ask("clear") == ["OK"]
    assert client.ask(f'add "{ALBUM}"') == ["OK"]
    queued = files(client.ask("playlistinfo"))
    assert queued[: len(oddfiles.ALBUM_ORDER)] == oddfiles.ALBUM_ORDER
    body = json.dumps({"command": "play_album", "args": {"album": ALBUM}}).encode()
    request = urllib.request.Request(
        daemon.web + "api/command",
        body,
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert json.load(answer)["ok"] is True
    queued = files(client.ask("playlistinfo"))
    assert queued[: len(oddfiles.ALBUM_ORDER)] == oddfiles.ALBUM_ORDER
    client.close()
