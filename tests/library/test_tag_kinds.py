"""Tags as real collections write them (issue 13): disc/track numbers as numbers, every value
of a multi-value tag, APEv2 on MP3, RVA2 ReplayGain, legacy ID3v1 in a chosen encoding. Each
file is generated in the test's folder (tests/library/oddfiles.py)."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from library import AnalysisSettings, Scanner, Store, find_tracks, library_names
from library._tags import position, read_tags
from tests.conftest import REPO
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


def test_apev2_on_mp3_fills_what_id3_leaves_empty(tmp_path: Path) -> None:
    tags = read_tags(oddfiles.ape_mp3(tmp_path))[0]
    assert tags.title == "From ID3"  # ID3v2 first
    assert (tags.artists, tags.track_number, tags.track_total) == (("Ape Artist", "Second"), 5, 9)
    assert (tags.rg_track_gain_db, tags.rg_track_peak) == (-7.25, 0.912)


def test_raw_aac_led_by_an_id3_tag_has_its_tags(tmp_path: Path) -> None:
    """Scored as an MP3 (its ID3 header) but none: the next kind reads the tag (was: no tags)."""
    oddfiles.tagged_adts(tmp_path)
    tags = read_tags(tmp_path / "tagged.aac")[0]
    assert (tags.title, tags.artists) == ("Tagged AAC", ("Raw Artist",))


def test_rva2_replaygain_reads_as_the_txxx_one(tmp_path: Path) -> None:
    tags = read_tags(oddfiles.rva2_mp3(tmp_path))[0]
    assert tags.rg_track_gain_db == -3.5 and tags.rg_album_gain_db == -4.25
    assert tags.rg_track_peak == pytest.approx(0.75) and tags.rg_album_peak == pytest.approx(0.5)


def test_id3v1_is_read_in_the_configured_encoding(tmp_path: Path) -> None:
    path = oddfiles.cp1251_id3v1_mp3(tmp_path)
    tags = read_tags(path, "cp1251")[0]
    assert (tags.title, tags.artists, tags.date) == ("Группа крови", ("Кино",), "1988")
    assert (tags.track_number, tags.genres) == (7, ("Rock",))
    assert read_tags(path)[0].artists == ("Êèíî",)  # latin-1, MPD's default, as MPD shows it
    oddfiles.latin1_id3v1_mp3(tmp_path)
    assert read_tags(tmp_path / "id3v1 latin1.mp3")[0].artists == ("Beyoncé",)


def test_the_scan_passes_the_id3v1_encoding(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    oddfiles.cp1251_id3v1_mp3(music)
    settings = AnalysisSettings(excerpts=1, excerpt_s=3.0, id3v1_encoding="cp1251")
    with Store(tmp_path / "lib.db") as store:
        Scanner(store, settings, 1).scan([str(music)], ("mp3",))
        assert [t["artist"] for t in find_tracks(store, "Кино")] == ["Кино"]


WORKER = """
import resource, sys
from pathlib import Path
from library import Analyser, AnalysisSettings, FileStat
analyser = Analyser(AnalysisSettings(excerpts=2, excerpt_s=3.0))
path = Path(sys.argv[1])
stat = path.stat()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
result = analyser.analyse(FileStat(str(path), stat.st_size, stat.st_mtime_ns))
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(type(result).__name__, result.tags.title, (after - before) // 1024)
"""


def test_a_40_mb_cover_costs_a_worker_little_memory(tmp_path: Path) -> None:
    """A worker analysing a file with a 40 MB APIC, a 5 MB GEOB and a 5 MB PRIV frame peaks
    well under the 50 MB those frames hold above what it used before (was ~270 MB: the whole
    tag read, every frame parsed and stringified; the tag walk now seeks over them)."""
    path = oddfiles.big_cover_mp3(tmp_path)
    out = subprocess.run([sys.executable, "-c", WORKER, str(path)], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout.split()  # fmt: skip
    assert out[:3] == ["Analysed", "Big", "Cover"]
    assert int(out[3]) < 50, f"peak RSS grew by {out[3]} MB"
