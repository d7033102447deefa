"""Where the library and the database are, from the config and the machine."""

from __future__ import annotations

import os
import re
from pathlib import Path

from moodplay._config import Config, data_dir, user_config_path

DEMO_LIBRARY = Path("/usr/share/games/singularity/music")
"""Debian's singularity-music: 16 CC BY-SA tracks, the library of last resort."""


def database_path(config: Config, override: str | None = None) -> Path:
    if override:
        return Path(override).expanduser()
    if config.library.database:
        return Path(config.library.database).expanduser()
    return data_dir() / "moodplay.db"


def library_roots(config: Config, override: list[str] | None = None) -> list[str]:
    """The folders to scan: given on the command line, else configured, else the desktop's
    music folder (XDG_MUSIC_DIR: ~/Musik, ~/Musique, ...), else ~/Music, else the demo
    library. Returns [] when none exists."""
    if override:
        return [os.path.abspath(os.path.expanduser(p)) for p in override]
    if config.library.paths:
        return [os.path.abspath(os.path.expanduser(p)) for p in config.library.paths]
    for candidate in (xdg_music_dir(), Path.home() / "Music", DEMO_LIBRARY):
        if candidate is not None and candidate.is_dir():
            return [str(candidate)]
    return []


def xdg_music_dir() -> Path | None:
    """The music folder of ``$XDG_CONFIG_HOME/user-dirs.dirs`` (xdg-user-dirs), e.g.
    ``XDG_MUSIC_DIR="$HOME/Musik"``; None when it is not set there, or set to $HOME itself
    (the spec's way of switching it off)."""
    try:
        text = (user_config_path().parent.parent / "user-dirs.dirs").read_text("utf-8")
    except (OSError, UnicodeDecodeError):
        return None
    match = re.search(r'^\s*XDG_MUSIC_DIR\s*=\s*"([^"]*)"', text, re.MULTILINE)
    if match is None:
        return None
    value = match.group(1)
    if value.startswith("$HOME"):
        value = str(Path.home()) + value.removeprefix("$HOME")
    path = Path(value)
    if not path.is_absolute() or path == Path.home():
        return None
    return path
