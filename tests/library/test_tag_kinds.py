"""Tags as real collections write them (issue 13): disc/track numbers as numbers, every value
of a multi-value tag, APEv2 on MP3, RVA2 ReplayGain, legacy ID3v1 in a chosen encoding. Each
file is generated in the test's folder (tests/library/oddfiles.py)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from library import AnalysisSettings, Scanner, Store, find_tracks, library_names
from library._tags import position, read_tags
from tests.library import oddfiles


@pytest.mark.parametrize(
    ("text", "want"),
    [("3/12", (3, 12)), ("3", (3, None)), (" 07 / 9 ", (7, 9)), ("3/", (3, None)),
     ("A1", (None, None)), ("-1", (None, None)), ("0", (None, None)), ("", (None, None)),
     (None, (None, None)), ("1/0", (1, None)), ("2 of 3", (None, None))],
)  # fmt: skip
def test_positions_are_numbers_or_none(text: str | None, want: tuple[int | None, ...]) -> None:
    assert position(text) == want


@pytest.fixture(scope="module")
def album(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return oddfiles.album(tmp_path_factory.mktemp("tags"), seconds=2.0)


def test_disc_and_track_numbers_and_totals(album: Path) -> None:
    got = {p.name: read_tags(p)[0] for p in album.iterdir()}
    numbers = {n: (t.disc_number, t.disc_total, t.track_number, t.track_total)
               for n, t in got.items()}  # fmt: skip
    assert numbers == {
        "a zeta.ogg": (2, None, 1, None), "b ten.ogg": (1, 2, 10, 12),
        "c alpha.ogg": (1, None, 2, None), "d side.ogg": (None, None, None, None),
        "e three.mp3": (1, 2, 3, 12), "f minus.ogg": (None, None, None, None),
        "g none.ogg": (None, None, None, None), "h empty.ogg": (None, None, None, None),
        "M multi.mp3": (1, None, 4, None), "v multi.ogg": (1, None, 1, None),
    }  # fmt: skip


def test_every_value_of_a_multi_value_tag_is_kept(album: Path) -> None:
    mp3, ogg = read_tags(album / "M multi.mp3")[0], read_tags(album / "v multi.ogg")[0]
    assert (mp3.artists, mp3.genres, mp3.artist) == (("Alpha", "Beta"), ("Rock", "Jazz"), "Alpha")
    assert (ogg.artists, ogg.genres) == (("Alpha", "Gamma"), ("Ambient", "Drone"))


def test_the_scan_stores_numbers_and_every_value(album: Path, tmp_path: Path) -> None:
    db = tmp_path / "lib.db"
    with Store(db) as store:
        scanner = Scanner(store, AnalysisSettings(excerpts=1, excerpt_s=3.0), 2)
        scanner.scan([str(album)], ("mp3", "ogg"))
    with sqlite3.connect(db) as con:
        rows = {Path(r[0]).name: r[1:] for r in con.execute(
            "SELECT path, disc_number, track_number, track_total, artist, artists, genres "
            "FROM tracks")}  # fmt: skip
    assert rows["e three.mp3"] == (1, 3, 12, "Odd", "Odd", None)
    assert rows["M multi.mp3"] == (1, 4, None, "Alpha", "Alpha\x1fBeta", "Rock\x1fJazz")
    assert rows["d side.ogg"][:2] == (None, None)
    with Store(db) as store:
        assert [t["title"] for t in find_tracks(store, "Gamma")] == ["Vorbis Multi"]
        assert library_names(store)["artist"] == ["Alpha", "Beta", "Gamma", "Odd"]
