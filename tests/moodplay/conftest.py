"""Fixtures for daemon tests: each module provides ``library_db`` (its scanned library)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.moodplay.daemon import Daemon, running
from tests.moodplay.mpd_reference import real_mpd


@pytest.fixture
def db(library_db: Path, tmp_path: Path) -> Path:
    """A copy per test: the daemon keeps its state in the database."""
    return Path(shutil.copy(library_db, tmp_path / "library.db"))


@pytest.fixture
def daemon(db: Path, tmp_path: Path) -> Iterator[Daemon]:
    """The daemon on that copy, voice off, any free ports, a private PulseAudio server."""
    with running(db, tmp_path, "--no-voice") as d:
        yield d


@pytest.fixture(params=["moodplay", "mpd"])
def server(request: pytest.FixtureRequest, library_db: Path, tmp_path: Path) -> Iterator[int]:
    """moodplay's MPD port, then the real MPD's on the same music (skipped when it is not
    installed): the side-by-side tests run once against each."""
    if request.param == "mpd":
        with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
            yield port
    else:
        daemon: Daemon = request.getfixturevalue("daemon")
        yield daemon.mpd_port
