"""Bad files never abort a scan: each is recorded with its stage and reason, and shown."""

from __future__ import annotations

import os
import shutil
import sqlite3
import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.conftest import corpus_files, ffmpeg

GOOD = ("Awakening", "Coherence")


def _write_bad_files(folder: Path) -> dict[str, tuple[str, str]]:
    """Create every kind of bad input; return {file name: (stage, reason fragment)}."""
    rng = np.random.default_rng(7)
    source = next(p for p in corpus_files() if p.stem == "Nebula")
    expected: dict[str, tuple[str, str]] = {}

    (folder / "empty.mp3").write_bytes(b"")
    expected["empty.mp3"] = ("read", "empty file (0 bytes)")

    (folder / "notes.mp3").write_text("not music at all\n" * 200)
    expected["notes.mp3"] = ("decode", "not a readable audio file")
    (folder / "cover.flac").write_bytes(b"\x89PNG\r\n\x1a\n" + rng.bytes(5000))
    expected["cover.flac"] = ("decode", "not a readable audio file")

    for ext, args in (("mp3", ["-c:a", "libmp3lame"]), ("wav", ["-c:a", "pcm_s16le"]),
                      ("flac", ["-c:a", "flac"])):  # fmt: skip
        full = ffmpeg(source, folder / f"full.{ext}.tmp", *args, "-f", _muxer(ext), seconds=60)
        data = full.read_bytes()
        cut = folder / f"truncated.{ext}"
        cut.write_bytes(data[: len(data) * 4 // 10])
        full.unlink()
        day_ago = cut.stat().st_mtime - 86400  # a file changed just now may still be copying
        os.utime(cut, (day_ago, day_ago))
        expected[f"truncated.{ext}"] = ("decode", "re-rip or re-download it")
    expected["truncated.flac"] = ("decode", "not a readable audio file")  # the decoders give up

    corrupt = bytearray(ffmpeg(source, folder / "c.tmp", "-c:a", "flac", "-f", "flac").read_bytes())
    (folder / "c.tmp").unlink()
    third = len(corrupt) // 3
    corrupt[third : third + len(corrupt) // 4] = rng.bytes(len(corrupt) // 4)
    (folder / "corrupt.flac").write_bytes(bytes(corrupt))
    expected["corrupt.flac"] = ("decode", "not a readable audio file")

    _sparse_wav(folder / "three hours.wav", hours=3)
    expected["three hours.wav"] = ("probe", "180 min long, over the 120 min limit")

    locked = Path(shutil.copy2(source, folder / "locked.ogg"))
    locked.chmod(0)
    expected["locked.ogg"] = ("read", "permission denied")

    undecodable = os.fsencode(folder) + b"/caf\xe9 latin-1.ogg"
    shutil.copy2(os.fsencode(source), undecodable)
    expected["caf\\xe9 latin-1.ogg"] = ("walk", "not valid UTF-8")
    return expected


def _muxer(ext: str) -> str:
    return {"mp3": "mp3", "wav": "wav", "flac": "flac"}[ext]


def _sparse_wav(path: Path, hours: int) -> None:
    """A real, decodable WAV of ``hours`` of 8 kHz silence that takes no disk space."""
    size = hours * 3600 * 8000 * 2
    header = (b"RIFF" + struct.pack("<I", 36 + size) + b"WAVEfmt "
              + struct.pack("<IHHIIHH", 16, 1, 1, 8000, 16000, 2, 16)
              + b"data" + struct.pack("<I", size))  # fmt: skip
    with path.open("wb") as f:
        f.write(header)
        f.truncate(len(header) + size)


def _scan_without_root_privilege(db: Path, folder: Path) -> subprocess.CompletedProcess[str]:
    """Run the real CLI; as root, drop the capabilities that let root read a mode-000 file."""
    cmd = [sys.executable, "-m", "moodplay", "scan", "--plain", "--db", str(db), str(folder)]
    if os.geteuid() == 0:
        caps = "-dac_override,-dac_read_search"
        cmd = ["setpriv", f"--bounding-set={caps}", f"--inh-caps={caps}", *cmd]
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=300)


@pytest.fixture(scope="module")
def bad_scan(
    tmp_path_factory: pytest.TempPathFactory,
) -> tuple[Path, dict[str, tuple[str, str]], str]:
    folder = tmp_path_factory.mktemp("bad") / "music"
    folder.mkdir()
    for name in GOOD:
        shutil.copy2(next(p for p in corpus_files() if p.stem == name), folder)
    expected = _write_bad_files(folder)
    db = folder.parent / "lib.db"
    result = _scan_without_root_privilege(db, folder)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    return db, expected, result.stdout


def test_every_bad_file_is_recorded_with_stage_and_reason(
    bad_scan: tuple[Path, dict[str, tuple[str, str]], str],
) -> None:
    db, expected, _ = bad_scan
    with sqlite3.connect(db) as con:
        rows = {Path(p).name: (stage, reason) for p, stage, reason in
                con.execute("SELECT path, stage, reason FROM scan_errors")}  # fmt: skip
    assert set(rows) == set(expected)
    for name, (stage, fragment) in expected.items():
        assert rows[name][0] == stage, (name, rows[name])
        assert fragment in rows[name][1], (name, rows[name])


def test_good_tracks_are_analysed_and_the_summary_lists_each_failure(
    bad_scan: tuple[Path, dict[str, tuple[str, str]], str],
) -> None:
    db, expected, stdout = bad_scan
    with sqlite3.connect(db) as con:
        titles = {
            r[0]
            for r in con.execute("SELECT title FROM tracks t JOIN analysis a ON a.track_id = t.id")
        }
    assert titles == set(GOOD)
    assert f"{len(expected)} failed" in stdout
    for name in expected:
        assert name in stdout, f"{name} is not in the end-of-scan summary"


def test_a_second_scan_does_not_retry_unchanged_bad_files(
    bad_scan: tuple[Path, dict[str, tuple[str, str]], str],
) -> None:
    db, expected, _ = bad_scan
    folder = db.parent / "music"
    result = _scan_without_root_privilege(db, folder)
    assert result.returncode == 0, result.stderr
    assert "0 analysed" in result.stdout
    assert result.stdout.count("unchanged since the last scan") == len(expected) - 1  # not walk
