from __future__ import annotations

import os
from pathlib import Path

from library._walk import walk


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_walk_finds_audio_by_extension_recursively(tmp_path: Path) -> None:
    _touch(tmp_path / "a" / "one.MP3")
    _touch(tmp_path / "a" / "b" / "two.flac")
    _touch(tmp_path / "cover.jpg")
    _touch(tmp_path / "notes.txt")
    found = walk([str(tmp_path)], ["mp3", "flac"])
    assert sorted(Path(f.path).name for f in found.files) == ["one.MP3", "two.flac"]
    assert found.problems == []


def test_symlink_loops_are_followed_once(tmp_path: Path) -> None:
    _touch(tmp_path / "music" / "song.ogg")
    (tmp_path / "music" / "loop").symlink_to(tmp_path / "music")
    (tmp_path / "music" / "again").symlink_to(tmp_path / "music", target_is_directory=True)
    (tmp_path / "music" / "link.ogg").symlink_to(tmp_path / "music" / "song.ogg")
    found = walk([str(tmp_path / "music")], ["ogg"])
    # One file reached four ways, listed once, under its real name.
    assert [f.path for f in found.files] == [str(tmp_path / "music" / "song.ogg")]


def test_broken_links_unreadable_folders_and_bad_names_are_problems(tmp_path: Path) -> None:
    _touch(tmp_path / "ok.ogg")
    (tmp_path / "dangling.ogg").symlink_to(tmp_path / "nowhere.ogg")
    _touch(Path(os.fsdecode(os.fsencode(tmp_path) + b"/bad\xff.mp3")))
    found = walk([str(tmp_path), str(tmp_path / "not-there")], ["ogg", "mp3"])
    reasons = {Path(p.path).name: p.reason for p in found.problems}
    assert reasons["dangling.ogg"] == "broken symbolic link"
    assert "not valid UTF-8" in reasons["bad\\xff.mp3"]
    assert "folder not found" in reasons["not-there"]
    assert [Path(f.path).name for f in found.files] == ["ok.ogg"]
    assert found.roots_walked == [str(tmp_path)]


def test_hidden_entries_are_skipped_unless_asked_for(tmp_path: Path) -> None:
    _touch(tmp_path / "song.m4a")
    _touch(tmp_path / "._song.m4a", b"\x00\x05\x16\x07" + bytes(60))  # macOS AppleDouble
    _touch(tmp_path / ".AppleDouble" / "song.m4a")
    _touch(tmp_path / ".Trash-1000" / "files" / "deleted.m4a")
    hidden_root = tmp_path / ".hidden root"
    _touch(hidden_root / "kept.m4a")
    assert [Path(f.path).name for f in walk([str(tmp_path)], ["m4a"]).files] == ["song.m4a"]
    assert [Path(f.path).name for f in walk([str(hidden_root)], ["m4a"]).files] == ["kept.m4a"]
    everything = walk([str(tmp_path)], ["m4a"], skip_hidden=False).files
    assert len(everything) == 5


def test_the_cli_scans_hidden_folders_when_the_config_says_so(tmp_path: Path) -> None:
    """``[library] skip_hidden = false`` reaches the scanner (CLI scan)."""
    import sqlite3

    from tests.conftest import corpus_files, ffmpeg, run_moodplay

    music = tmp_path / "music"
    (music / ".kept").mkdir(parents=True)
    src = next(p for p in corpus_files() if p.stem == "Awakening")
    ffmpeg(src, music / ".kept" / "a.ogg", "-c:a", "copy", seconds=6)
    counts = []
    for skip in ("true", "false"):
        config = tmp_path / f"config-{skip}.toml"
        config.write_text(f"[library]\nskip_hidden = {skip}\n")
        db = tmp_path / f"lib-{skip}.db"
        result = run_moodplay("scan", "--plain", "--config", str(config), "--db", str(db),
                              str(music))  # fmt: skip
        assert result.returncode == 0, result.stderr
        with sqlite3.connect(db) as con:
            counts.append(con.execute("SELECT count(*) FROM tracks").fetchone()[0])
    assert counts == [0, 1]
