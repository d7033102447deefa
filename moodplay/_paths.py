"""Where the library and the database are, from the config and the machine."""

from __future__ import annotations

import os
from pathlib import Path

from moodplay._config import Config, data_dir

DEMO_LIBRARY = Path("/usr/share/games/singularity/music")
"""Debian's singularity-music: 16 CC BY-SA tracks, the library of last resort."""


def database_path(config: Config, override: str | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    if config.library.database:
        return Path(config.library.database).expanduser()
    return data_dir() / "moodplay.db"


def library_roots(config: Config, override: list[str] | None = None) -> list[str]:
    """The folders to scan: given on the command line, else configured, else ~/Music, else
    the demo library. Returns [] when none exists."""
    if override:
        return [os.path.abspath(os.path.expanduser(p)) for p in override]
    if config.library.paths:
        return [os.path.abspath(os.path.expanduser(p)) for p in config.library.paths]
    for candidate in (Path.home() / "Music", DEMO_LIBRARY):
        if candidate.is_dir():
            return [str(candidate)]
    return []
