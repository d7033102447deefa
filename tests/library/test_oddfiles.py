"""Odd-but-real files: each is a track with its measured length, a true recorded failure, or
skipped; a rescan changes nothing. Lengths are compared with a full FFmpeg decode."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from library import AnalysisSettings, Scanner, ScanSummary, Store
from tests.library import oddfiles

EXTENSIONS = ("mp3", "flac", "ogg", "oga", "opus", "m4a", "aac", "mp4", "wav")


def _scan(db: Path, folder: Path) -> ScanSummary:
    store = Store(db)
    try:
        return Scanner(store, AnalysisSettings(excerpts=2, excerpt_s=5.0), 2).scan(
            [str(folder)], EXTENSIONS
        )
    finally:
        store.close()


def _rows(db: Path) -> tuple[dict[str, float], dict[str, tuple[str, str]]]:
    with sqlite3.connect(db) as con:
        tracks = {Path(p).name: d for p, d in con.execute("SELECT path, duration_s FROM tracks")}
        errors = {Path(p).name: (s, r) for p, s, r in con.execute(
            "SELECT path, stage, reason FROM scan_errors")}  # fmt: skip
    return tracks, errors


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, oddfiles.Expect]]:
    folder = tmp_path_factory.mktemp("odd") / "music"
    folder.mkdir()
    expected = oddfiles.build(folder)
    db = folder.parent / "lib.db"
    _scan(db, folder)
    return db, folder, expected


def test_each_odd_file_is_a_measured_track_a_true_failure_or_skipped(
    odd: tuple[Path, Path, dict[str, oddfiles.Expect]],
) -> None:
    db, folder, expected = odd
    tracks, errors = _rows(db)
    for name, want in expected.items():
        if want.kind == "skipped":
            assert not any(n.startswith(name) for n in [*tracks, *errors]), name
        elif want.kind == "track":
            assert name in tracks, (name, errors.get(name))
            reference = oddfiles.decoded_seconds(folder / name)
            assert tracks[name] == pytest.approx(reference, rel=0.01), name
        else:
            assert name in errors, (name, tracks.get(name))
            stage, reason = errors[name]
            assert (stage, want.reason in reason) == (want.stage, True), (name, stage, reason)


def test_a_rescan_changes_nothing_but_retries_a_file_still_being_copied(
    odd: tuple[Path, Path, dict[str, oddfiles.Expect]],
) -> None:
    db, folder, _ = odd
    tracks, errors = _rows(db)
    summary = _scan(db, folder)
    tracks_after, errors_after = _rows(db)
    assert tracks_after == tracks
    assert errors_after.pop("copying.mp3")[1].startswith("probably still being copied (modified")
    errors.pop("copying.mp3")
    assert errors_after == errors
    assert summary.analysed == 0
    retried = [Path(p).name for p, _, r in summary.failed if "unchanged" not in r]
    assert retried == ["copying.mp3"]
