"""Songs carry AlbumArtist, Date and Track where their files have them, and find/search/list/count
use them as MPD 0.23 does (AlbumArtist falls back on the Artist): moodplay and, where Debian's
``mpd`` is installed, the real MPD on the same music get the same answers.

Intended differences: MPD prints each file's tags in that file's own order (an ogg's Date comes
before its Album), moodplay in one order, the one MPD uses for an mp3; moodplay shows no
Last-Modified or Format lines."""

from __future__ import annotations

from pathlib import Path

import pytest

from library._tags import read_tags
from tests.moodplay import tagged_library
from tests.moodplay.mpd_reference import Raw

ORIGINAL = "Endgame: Singularity Original Soundtrack"


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tagged_library.build(tmp_path_factory.mktemp("mpd_tags"))


def tags(lines: list[str]) -> list[str]:
    """A song listing without the lines only one of the servers prints."""
    return [line for line in lines if not line.startswith(("Last-Modified:", "Format:",
                                                          "duration:"))]  # fmt: skip


def files(lines: list[str]) -> set[str]:
    return {line.removeprefix("file: ") for line in lines if line.startswith("file: ")}


SONGS = {
    "Soundtrack/Coherence.mp3": ["file: Soundtrack/Coherence.mp3", "Artist: Maxstack",
                                 "AlbumArtist: Various Artists", "Title: Coherence",
                                 f"Album: {ORIGINAL}", "Track: 2", "Date: 2013", "Time: 10",
                                 "OK"],
    "Soundtrack/Inevitable.flac": ["file: Soundtrack/Inevitable.flac", "Artist: Maxstack",
                                   "AlbumArtist: Maxstack", "Title: Inevitable",
                                   f"Album: {ORIGINAL}", "Date: 2014-03", "Time: 10", "OK"],
    "Nebula.ogg": ["file: Nebula.ogg", "Artist: Maxstack", "Title: Nebula",
                   "Album: Endgame: Singularity (Advanced Research)", "Date: 2012-12-15",
                   "Time: 10", "OK"],
}  # fmt: skip
"""What the real MPD 0.23 printed (Last-Modified, Format, duration left out); the mp3 in this
order, the others in their files' order."""


def test_songs_show_albumartist_date_and_track(server: int) -> None:
    client = Raw(server)
    for uri, want in SONGS.items():
        got = tags(client.ask(f'lsinfo "{uri}"'))
        if uri.endswith(".mp3"):
            assert got == want, uri
        else:
            assert sorted(got) == sorted(want), uri
    client.close()


FOUND = {
    "find albumartist Maxstack": {"Nebula.ogg", "Soundtrack/Awakening.ogg",
                                  "Soundtrack/Inevitable.flac"},  # the artist stands in
    'find albumartist "Various Artists"': {"Soundtrack/Coherence.mp3"},
    "search albumartist various": {"Soundtrack/Coherence.mp3"},
    "find date 2013": {"Soundtrack/Coherence.mp3"},
    "find date 2012": set(),
    "search date 2012": {"Nebula.ogg", "Soundtrack/Awakening.ogg"},
    "search any 2014": {"Soundtrack/Inevitable.flac"},
    "find \"(AlbumArtist == 'Various Artists')\"": {"Soundtrack/Coherence.mp3"},
    "find \"(Date contains '2012')\"": {"Nebula.ogg", "Soundtrack/Awakening.ogg"},
    "find \"(Date != '2013')\"": {"Nebula.ogg", "Soundtrack/Awakening.ogg",
                                  "Soundtrack/Inevitable.flac"},
}  # fmt: skip
LISTS = {
    "list albumartist": ["AlbumArtist: Maxstack", "AlbumArtist: Various Artists"],
    "list date": ["Date: 2012-12-15", "Date: 2013", "Date: 2014-03"],
    "list date albumartist Maxstack": ["Date: 2012-12-15", "Date: 2014-03"],
    "list albumartist group date": ["Date: 2012-12-15", "AlbumArtist: Maxstack", "Date: 2013",
                                    "AlbumArtist: Various Artists", "Date: 2014-03",
                                    "AlbumArtist: Maxstack"],
    "count date 2013": ["songs: 1", "playtime: 10"],
    "count albumartist Maxstack": ["songs: 3", "playtime: 30"],
}  # fmt: skip
"""What the real MPD 0.23 answered (before the OK)."""


def test_find_search_list_and_count_use_them(server: int) -> None:
    client = Raw(server)
    for line, want in FOUND.items():
        answer = client.ask(line)
        assert (answer[-1], files(answer)) == ("OK", want), line
    for line, want_lines in LISTS.items():
        assert client.ask(line) == [*want_lines, "OK"], line
    client.close()


def test_tagtypes_name_them(server: int) -> None:
    client = Raw(server)
    names = [line.removeprefix("tagtype: ") for line in client.ask("tagtypes")[:-1]]
    assert {"Artist", "Album", "AlbumArtist", "Title", "Track", "Date"} <= set(names)
    assert names.index("AlbumArtist") < names.index("Title") < names.index("Date")
    client.close()


def test_the_scan_reads_dates(library_db: Path) -> None:
    music = library_db.parent / "music"
    assert read_tags(music / "Soundtrack/Coherence.mp3")[0].date == "2013"
    assert read_tags(music / "Soundtrack/Inevitable.flac")[0].date == "2014-03"
    assert read_tags(music / "Nebula.ogg")[0].date == "2012-12-15"
