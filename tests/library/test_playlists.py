"""Stored playlists: rows in a real store, mirrored as .m3u8 files written atomically."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from library import Playlists, Store

ROOT = Path("/music")


@pytest.fixture
def store(tmp_path: Path) -> Store:
    return Store(tmp_path / "lib.db")


def test_put_get_rename_remove_and_the_files(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "playlists"
    book = Playlists(store, folder, ROOT)
    assert book.get("road") is None and book.names() == []
    book.put("road", ["A/one.ogg", "two é.flac", "A/one.ogg"])
    assert book.get("road") == ["A/one.ogg", "two é.flac", "A/one.ogg"]
    text = (folder / "road.m3u8").read_text(encoding="utf-8")
    assert text == "#EXTM3U\n/music/A/one.ogg\n/music/two é.flac\n/music/A/one.ogg\n"
    book.put("empty", [])
    assert [name for name, _ in book.names()] == ["empty", "road"]
    book.rename("road", "trip")
    assert book.get("road") is None and book.get("trip") == ["A/one.ogg", "two é.flac",
                                                             "A/one.ogg"]  # fmt: skip
    assert sorted(p.name for p in folder.iterdir()) == ["empty.m3u8", "trip.m3u8"]
    assert book.remove("trip") and not book.remove("trip")
    assert sorted(p.name for p in folder.iterdir()) == ["empty.m3u8"]


def test_files_the_database_does_not_know_are_imported(store: Store, tmp_path: Path) -> None:
    folder = tmp_path / "playlists"
    folder.mkdir()
    (folder / "mine.m3u8").write_text(
        "\ufeff#EXTM3U\n#EXTINF:12,One\n/music/A/one.ogg\n\nB/two.ogg\n/elsewhere/three.mp3\n",
        encoding="utf-8",
    )
    (folder / "known.m3u8").write_text("#EXTM3U\n/music/ignored.ogg\n", encoding="utf-8")
    (folder / "notes.txt").write_text("not a playlist\n")
    book = Playlists(store, folder, ROOT)
    book.put("known", ["kept.ogg"])
    assert book.import_new() == ["mine"]
    assert book.get("mine") == ["A/one.ogg", "B/two.ogg", "/elsewhere/three.mp3"]
    assert book.get("known") == ["kept.ogg"]  # the database wins
    assert book.import_new() == []


def test_a_file_that_cannot_be_written_leaves_the_database_right(
    store: Store, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    blocker = tmp_path / "not a folder"
    blocker.write_text("")
    book = Playlists(store, blocker, ROOT)
    with caplog.at_level(logging.WARNING):
        book.put("x", ["a.ogg"])
    assert book.get("x") == ["a.ogg"]
    assert "is saved, but its file" in caplog.text


def test_names_as_mpd_accepts_them() -> None:
    assert Playlists.valid_name("a b.m3u") and Playlists.valid_name(".hidden")
    assert not any(map(Playlists.valid_name, ["", "a/b", "a\nb", "a\rb"]))
