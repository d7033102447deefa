"""Shared fixtures: the real corpus (Debian's singularity-music), ffmpeg copies, a scanned DB."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

CORPUS = Path("/usr/share/games/singularity/music")
CORPUS_TRACKS = 16
REPO = Path(__file__).resolve().parent.parent


def corpus_files() -> list[Path]:
    files = sorted(CORPUS.rglob("*.ogg"))
    if len(files) != CORPUS_TRACKS:
        pytest.fail(
            f"expected {CORPUS_TRACKS} tracks under {CORPUS} (Debian package singularity-music); "
            "run `make test`, which installs it"
        )
    return files


def ffmpeg(src: Path, dst: Path, *args: str, seconds: float | None = None) -> Path:
    """Convert ``src`` to ``dst`` with ffmpeg (format from the extension)."""
    cut = ["-t", str(seconds)] if seconds else []
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(src), *cut, *args, str(dst)],
        check=True,
    )
    return dst


def run_moodplay(
    *args: str, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """Run the real ``moodplay`` CLI in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "moodplay", *args],
        check=False,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=timeout,
    )


def short_library(folder: Path, names: tuple[str, ...], seconds: float) -> Path:
    """Cuts of corpus tracks (stream copies, quick to analyse), scanned into ``folder``/lib.db."""
    music = folder / "music"
    music.mkdir()
    for name in names:
        src = next(p for p in corpus_files() if p.stem == name)
        ffmpeg(src, music / f"{name}.ogg", "-c:a", "copy", seconds=seconds)
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture(scope="session")
def corpus() -> list[Path]:
    return corpus_files()


@pytest.fixture(scope="session")
def scanned_db(tmp_path_factory: pytest.TempPathFactory, corpus: list[Path]) -> Path:
    """The whole corpus scanned once through the CLI; tests copy it before changing it."""
    db = tmp_path_factory.mktemp("corpus") / "library.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(CORPUS))
    assert result.returncode == 0, result.stderr
    return db


@pytest.fixture
def isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """HOME and XDG dirs in a temp folder, so no test reads or writes the real user's files."""
    home = tmp_path / "home"
    home.mkdir()
    for var, sub in (
        ("HOME", ""),
        ("XDG_CONFIG_HOME", ".config"),
        ("XDG_DATA_HOME", ".local/share"),
    ):
        monkeypatch.setenv(var, str(home / sub) if sub else str(home))
    yield home


@pytest.fixture
def music_dir(tmp_path: Path) -> Path:
    path = tmp_path / "music"
    path.mkdir()
    return path


def copy_tracks(dst: Path, names: list[str]) -> list[Path]:
    out = []
    for name in names:
        src = next(p for p in corpus_files() if p.stem == name)
        out.append(Path(shutil.copy2(src, dst / src.name)))
    return out
