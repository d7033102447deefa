"""MPD-style URIs for the library: paths relative to the folder all tracks share.

``add "Album/01 Song.ogg"`` queues a file, ``add Album`` a whole folder (by disc, track, file
name); ``lsinfo Album`` lists what is inside, in that order. Absolute paths are accepted too.
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
    def disc_number(self) -> int | None: ...


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


def album_order(info: HasPath) -> tuple[str, int, int, str, str]:
    """The order MPD 0.23 gives a folder's songs (lsinfo, find, add): by disc, then track
    number (a song without one first), then file name; folder by folder."""
    name = info.path.name
    return (str(info.path.parent), info.disc_number or 0, info.track_number or 0,
            name.casefold(), name)  # fmt: skip


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


def walk(uri: str, tracks: Mapping[int, HasPath], root: Path) -> list[tuple[str, str | int]]:
    """Everything under folder ``uri`` as MPD's ``listall`` walks it: a folder's files (album
    order), then each sub-folder (sorted) as ``("directory", uri)`` followed by its own walk;
    a named folder starts with its own directory entry; a file URI is ``[("file", id)]``.
    Empty when nothing is there. One pass over the tracks (20k tracks: no per-folder scans)."""
    base = uri.strip().strip("/")
    files: dict[str, list[int]] = {}
    for track_id, info in tracks.items():
        rel = uri_of(info.path, root).strip("/")
        if rel == base:
            return [("file", track_id)]
        if not base or rel.startswith(base + "/"):
            files.setdefault(rel.rpartition("/")[0], []).append(track_id)
    folders = {base} if files else set()
    for found in files:
        folder = found
        while folder != base and folder not in folders:
            folders.add(folder)
            folder = folder.rpartition("/")[0]
    out: list[tuple[str, str | int]] = []

    def visit(folder: str) -> None:
        if folder:
            out.append(("directory", folder))
        out.extend(("file", t) for t in sorted(files.get(folder, []),
                                               key=lambda t: album_order(tracks[t])))  # fmt: skip
        prefix = folder + "/" if folder else ""
        for sub in sorted(f for f in folders if f.rpartition("/")[0] == folder and f != folder):
            assert sub.startswith(prefix)
            visit(sub)

    if folders:
        visit(base)
    return out
