"""MPD-style URIs for the library: paths relative to the folder all tracks share.

``add "Album/01 Song.ogg"`` queues a file, ``add Album`` a whole folder (in album and track
order); ``lsinfo Album`` lists what is inside. Absolute paths are accepted too.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Protocol


class HasPath(Protocol):
    @property
    def path(self) -> Path: ...
    @property
    def album(self) -> str: ...
    @property
    def track_number(self) -> int | None: ...
    @property
    def title(self) -> str: ...


def library_root(paths: Iterable[Path]) -> Path:
    folders = {str(p.parent) for p in paths}
    return Path(os.path.commonpath(sorted(folders))) if folders else Path("/")


def uri_of(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def resolve(uri: str, tracks: Mapping[int, HasPath], root: Path) -> list[int]:
    """Track ids under ``uri`` (a file or a folder; "" or "/" is everything), album order."""
    wanted = uri.strip().strip("/")
    hits = []
    for track_id, info in tracks.items():
        rel = uri_of(info.path, root).strip("/")
        if not wanted or rel == wanted or rel.startswith(wanted + "/") or str(info.path) == uri:
            hits.append(track_id)
    return sorted(hits, key=lambda t: album_order(tracks[t]))


def album_order(info: HasPath) -> tuple[str, str, int, str]:
    return (str(info.path.parent), info.album, info.track_number or 0, info.title)


def listing(uri: str, tracks: Mapping[int, HasPath], root: Path) -> tuple[list[str], list[int]]:
    """(sub-folders, track ids) directly inside ``uri``, as MPD's lsinfo shows them."""
    base = uri.strip().strip("/")
    folders: set[str] = set()
    files = []
    for track_id, info in tracks.items():
        rel = uri_of(info.path, root).strip("/")
        inside = rel[len(base) + 1 :] if base else rel
        if base and not rel.startswith(base + "/"):
            continue
        head, sep, _ = inside.partition("/")
        if sep:
            folders.add(f"{base}/{head}" if base else head)
        else:
            files.append(track_id)
    return sorted(folders), sorted(files, key=lambda t: album_order(tracks[t]))
