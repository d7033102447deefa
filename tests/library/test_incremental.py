"""Rescans: unchanged files are skipped, gone files marked missing, moved files keep their id."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import corpus_files, ffmpeg, run_moodplay

NAMES = ("Awakening", "Coherence", "Nebula")


@pytest.fixture
def library(tmp_path: Path) -> tuple[Path, Path]:
    """Three 40-second cuts of real tracks (stream copies: same audio, quick to analyse)."""
    folder = tmp_path / "music"
    folder.mkdir()
    for name in NAMES:
        src = next(p for p in corpus_files() if p.stem == name)
        ffmpeg(src, folder / f"{name}.ogg", "-c:a", "copy", seconds=40)
    return folder, tmp_path / "lib.db"


def _scan(folder: Path, db: Path) -> str:
    result = run_moodplay("scan", "--plain", "--no-map", "--db", str(db), str(folder))
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def _tracks(db: Path) -> dict[str, tuple[int, bool, int]]:
    """title -> (id, missing, has analysis)"""
    with sqlite3.connect(db) as con:
        rows = con.execute(
            "SELECT t.title, t.id, t.missing_since IS NOT NULL, count(a.track_id) FROM tracks t "
            "LEFT JOIN analysis a ON a.track_id = t.id GROUP BY t.id"
        ).fetchall()
    return {title: (i, bool(m), n) for title, i, m, n in rows}


def _paths(db: Path) -> dict[int, str]:
    with sqlite3.connect(db) as con:
        return dict(con.execute("SELECT id, path FROM tracks").fetchall())


def test_unchanged_files_are_not_analysed_again(library: tuple[Path, Path]) -> None:
    folder, db = library
    assert "3 analysed, 0 unchanged" in _scan(folder, db)
    assert "0 analysed, 3 unchanged" in _scan(folder, db)
    (folder / "Nebula.ogg").touch()  # a new mtime: analysed again, same track
    before = _tracks(db)
    assert "1 analysed, 2 unchanged" in _scan(folder, db)
    assert _tracks(db) == before


def test_gone_file_is_marked_missing_and_comes_back(library: tuple[Path, Path]) -> None:
    folder, db = library
    _scan(folder, db)
    ids = _tracks(db)
    kept = shutil.move(folder / "Nebula.ogg", folder.parent / "Nebula.ogg")
    assert "1 newly missing" in _scan(folder, db)
    after = _tracks(db)
    assert after["Nebula"] == (ids["Nebula"][0], True, 1)  # row and analysis kept
    stats = run_moodplay("library", "stats", "--db", str(db))
    assert "2 present, 1 missing" in stats.stdout
    shutil.move(kept, folder / "Nebula.ogg")
    out = _scan(folder, db)
    assert "0 analysed" in out and "1 back" in out
    assert _tracks(db) == ids


def test_moved_file_keeps_its_identity(library: tuple[Path, Path]) -> None:
    folder, db = library
    _scan(folder, db)
    ids = _tracks(db)
    (folder / "sub").mkdir()
    shutil.move(folder / "Coherence.ogg", folder / "sub" / "renamed.ogg")
    out = _scan(folder, db)
    assert "1 moved" in out
    assert f"moved: {folder / 'Coherence.ogg'} -> {folder / 'sub' / 'renamed.ogg'}" in out
    assert _tracks(db) == ids  # same ids, nothing missing, analysis kept
    assert _paths(db)[ids["Coherence"][0]] == str(folder / "sub" / "renamed.ogg")


def test_copies_are_separate_tracks_and_ambiguous_moves_are_not_guessed(
    library: tuple[Path, Path],
) -> None:
    folder, db = library
    _scan(folder, db)
    ids = _tracks(db)
    shutil.copy2(folder / "Awakening.ogg", folder / "Awakening (copy).ogg")
    assert "0 moved" in _scan(folder, db)  # the original is still there: a copy, not a move
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM tracks WHERE title = 'Awakening'").fetchone() == (
            2,
        )
    # The original disappears while two new copies appear: which one is "it" is not knowable.
    shutil.move(folder / "Nebula.ogg", folder / "Nebula A.ogg")
    shutil.copy2(folder / "Nebula A.ogg", folder / "Nebula B.ogg")
    out = _scan(folder, db)
    assert "0 moved" in out and "1 newly missing" in out
    with sqlite3.connect(db) as con:
        old = con.execute("SELECT missing_since FROM tracks WHERE id = ?", (ids["Nebula"][0],))
        assert old.fetchone()[0] is not None  # the old track and its history stay, missing
        assert con.execute("SELECT count(*) FROM tracks WHERE title = 'Nebula'").fetchone() == (3,)


def test_a_different_track_in_a_moved_files_place_is_not_a_move(library: tuple[Path, Path]) -> None:
    folder, db = library
    _scan(folder, db)
    ids = _tracks(db)
    (folder / "Nebula.ogg").unlink()
    src = next(p for p in corpus_files() if p.stem == "Inevitable")
    ffmpeg(src, folder / "Inevitable.ogg", "-c:a", "copy", seconds=40)
    out = _scan(folder, db)
    assert "0 moved" in out
    assert _tracks(db)["Nebula"] == (ids["Nebula"][0], True, 1)
