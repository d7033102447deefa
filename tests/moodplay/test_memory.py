"""The daemon's malloc thresholds: libVLC's per-track read buffers go back to the system.

Each libVLC input allocates a 12 MiB read buffer (``cache_read``) and fills it as the file is
read; with glibc's own adjustable thresholds the freed buffers stay resident in its arenas and
a daemon playing for hours grows (issue 11's soak: about 0.9 MB a minute). The tracks here are
WAV files at 192 kHz, 8 channels, 32 bits (9.2 MB for 1.5 s, played in about 0.5 s through
``adummy``): each fills a 4 MiB ring of the buffer at once, as 5 minutes of Ogg Vorbis would.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from moodplay._memory import hold_malloc_thresholds
from tests.conftest import REPO

TRACKS = 12


@pytest.fixture(scope="module")
def big_tracks(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("big")
    for freq in (440, 550, 660):
        subprocess.run(["sox", "-n", "-r", "192000", "-c", "8", "-b", "32", "-e", "signed-integer",
                        str(folder / f"t{freq}.wav"), "synth", "1.5", "sine", str(freq),
                        "vol", "0.3"], check=True)  # fmt: skip
    return folder


def played(folder: Path, mode: str) -> dict[str, float]:
    """RSS (MB) of a fresh process that played TRACKS tracks: before and after them."""
    env = {k: v for k, v in os.environ.items()
           if not k.startswith("MALLOC_") and k != "GLIBC_TUNABLES"}  # fmt: skip
    out = subprocess.run(
        [sys.executable, "-m", "tests.moodplay.memory_tracks", str(folder), str(TRACKS), mode],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    figures: dict[str, float] = json.loads(out.stdout)
    return figures


def test_tracks_played_leave_memory_flat_with_the_thresholds_held(big_tracks: Path) -> None:
    rss = played(big_tracks, "held")
    # Measured: +0.3 to +0.6 MB over 12-16 tracks (10 runs).
    assert rss["after"] - rss["before"] < 3.0, rss


def test_without_them_the_freed_buffers_stay(big_tracks: Path) -> None:
    """The hazard the thresholds are for, still there in this libVLC and glibc: if this fails,
    an upgrade may have removed it (re-measure before dropping ``moodplay._memory``)."""
    rss = played(big_tracks, "as-is")
    # Measured: +11 to +28 MB over 12-16 tracks (8 runs).
    assert rss["after"] - rss["before"] > 8.0, rss


def test_the_users_own_malloc_settings_stand() -> None:
    said = hold_malloc_thresholds({"MALLOC_ARENA_MAX": "2", "MALLOC_MMAP_THRESHOLD_": "65536"})
    assert said == "malloc thresholds left as the environment sets them (MALLOC_MMAP_THRESHOLD_)"
    said = hold_malloc_thresholds({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"})
    assert said == "malloc thresholds left as the environment sets them (GLIBC_TUNABLES)"
