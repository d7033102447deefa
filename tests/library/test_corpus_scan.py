"""The real corpus (singularity-music) through the real CLI: scan, rescan, stats, show, map."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

from tests.conftest import CORPUS, CORPUS_TRACKS, run_moodplay

ATTRS = ("valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness",
         "speechiness")  # fmt: skip


def test_all_tracks_analysed_with_finite_values_in_range(scanned_db: Path) -> None:
    with sqlite3.connect(scanned_db) as con:
        con.row_factory = sqlite3.Row
        rows = con.execute("SELECT * FROM tracks t JOIN analysis a ON a.track_id = t.id").fetchall()
    assert len(rows) == CORPUS_TRACKS
    for r in rows:
        for a in ATTRS:
            assert math.isfinite(r[a]) and 0.0 <= r[a] <= 1.0, (r["title"], a, r[a])
        assert r["tempo_bpm"] is None or 40 <= r["tempo_bpm"] <= 220
        assert -40.0 < r["loudness_lufs"] < 0.0
        assert r["artist"] == "Maxstack"  # the corpus has one artist
        assert r["duration_s"] > 30
        assert len(r["fingerprint"]) > 100
        assert r["model_name"] == "vibenet-efficientnet"


def test_second_scan_analyses_nothing(scanned_db: Path) -> None:
    result = run_moodplay("scan", "--plain", "--db", str(scanned_db), str(CORPUS))
    assert result.returncode == 0, result.stderr
    assert f"0 analysed, {CORPUS_TRACKS} unchanged, 0 failed" in result.stdout


def test_stats_json_counts_and_distributions(scanned_db: Path) -> None:
    result = run_moodplay("library", "stats", "--json", "--db", str(scanned_db))
    data = json.loads(result.stdout)
    assert data["tracks"] == data["analysed"] == CORPUS_TRACKS
    assert data["missing"] == 0 and data["errors"] == 0 and data["artists"] == 1
    energy = data["distributions"]["energy"]
    assert energy["n"] == CORPUS_TRACKS
    assert energy["min"] < energy["q1"] <= energy["median"] <= energy["q3"] < energy["max"]
    text = run_moodplay("library", "stats", "--db", str(scanned_db)).stdout
    assert "valence" in text and "loudness_lufs" in text


def test_show_finds_a_track_by_title_and_by_id(scanned_db: Path) -> None:
    by_title = json.loads(run_moodplay("library", "show", "Nebula", "--json",
                                       "--db", str(scanned_db)).stdout)  # fmt: skip
    assert by_title["title"] == "Nebula"
    assert 0 <= by_title["valence"] <= 1 and by_title["missing"] is False
    by_id = json.loads(run_moodplay("library", "show", str(by_title["id"]), "--json",
                                    "--db", str(scanned_db)).stdout)  # fmt: skip
    assert by_id == by_title
    text = run_moodplay("library", "show", "nebula", "--db", str(scanned_db)).stdout
    assert "loudness_lufs" in text and "Nebula" in text
    missing = run_moodplay("library", "show", "no such song", "--db", str(scanned_db))
    assert missing.returncode == 1
    assert "no track matches 'no such song'" in missing.stderr


def test_map_writes_a_png_of_every_track(scanned_db: Path, tmp_path: Path) -> None:
    out = tmp_path / "map.png"
    result = run_moodplay("library", "map", "--out", str(out), "--db", str(scanned_db))
    assert result.returncode == 0, result.stderr
    assert f"({CORPUS_TRACKS} tracks)" in result.stdout
    data = out.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 50_000
    bad = run_moodplay("library", "map", "--out", str(tmp_path / "m.jpg"), "--db", str(scanned_db))
    assert bad.returncode == 1 and "FILE.png" in bad.stderr


def test_scan_prints_the_mood_map_summary(tmp_path: Path) -> None:
    music = tmp_path / "m"
    music.mkdir()
    for name in ("Coherence.ogg", "Awakening.ogg"):
        (music / name).symlink_to(CORPUS / name)
    result = run_moodplay("scan", "--plain", "--db", str(tmp_path / "l.db"), str(music))
    assert "mood map of 2 tracks" in result.stdout
    assert "sad / sombre" in result.stdout and "Maxstack - Awakening" in result.stdout


def test_empty_library_commands_say_what_to_do(tmp_path: Path) -> None:
    db = str(tmp_path / "empty.db")
    result = run_moodplay("library", "map", "--out", str(tmp_path / "m.png"), "--db", db)
    assert result.returncode == 1 and "run `moodplay scan` first" in result.stderr
    assert json.loads(run_moodplay("library", "stats", "--json", "--db", db).stdout)["tracks"] == 0
