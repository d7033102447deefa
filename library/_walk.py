"""Walk music folders: audio files by extension, symlinks followed once, bad names reported.

Hidden entries (names starting with ".") are skipped by default: macOS writes a ``._name``
AppleDouble file (resource fork, starting 00 05 16 07) beside every file copied to FAT, exFAT
or SMB, and ``.AppleDouble/``, ``.Trash-1000/`` and the like hold copies and deleted files.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from library._types import FileStat


@dataclass(frozen=True)
class WalkProblem:
    path: str
    reason: str


@dataclass
class WalkResult:
    files: list[FileStat] = field(default_factory=list)
    problems: list[WalkProblem] = field(default_factory=list)
    roots_walked: list[str] = field(default_factory=list)


def printable(path: str) -> str:
    """The path with undecodable bytes as \\x escapes: safe to print and to store as text."""
    return os.fsencode(path).decode("utf-8", "backslashreplace")


def _is_valid_utf8(path: str) -> bool:
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


class _Walker:
    def __init__(self, extensions: Iterable[str], skip_hidden: bool = True) -> None:
        self.skip_hidden = skip_hidden
        self.extensions = {"." + e.lower().lstrip(".") for e in extensions}
        self.seen_dirs: set[tuple[int, int]] = set()
        self.seen_files: set[tuple[int, int]] = set()
        self.result = WalkResult()

    def walk_root(self, root: str) -> None:
        if not os.path.isdir(root):
            self.result.problems.append(
                WalkProblem(root, "folder not found; is the drive mounted?")
            )
            return
        self.result.roots_walked.append(root)
        stack = [root]
        while stack:
            stack.extend(self._scan_dir(stack.pop()))

    def _scan_dir(self, directory: str) -> list[str]:
        try:
            st = os.stat(directory)
            if (st.st_dev, st.st_ino) in self.seen_dirs:
                return []  # a symlink loop or a second link to a folder already walked
            self.seen_dirs.add((st.st_dev, st.st_ino))
            # Real files before symlinks, so a file reached both ways keeps its real path.
            entries = sorted(os.scandir(directory), key=lambda e: (e.is_symlink(), e.name))
        except OSError as e:
            self.result.problems.append(WalkProblem(printable(directory), _why(e)))
            return []
        subdirs = []
        for entry in entries:
            if self.skip_hidden and entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=True):
                    subdirs.append(entry.path)
                elif Path(entry.name).suffix.lower() in self.extensions:
                    self._add_file(entry)
            except OSError as e:
                self.result.problems.append(WalkProblem(printable(entry.path), _why(e)))
        return sorted(subdirs, reverse=True)

    def _add_file(self, entry: os.DirEntry[str]) -> None:
        if not _is_valid_utf8(entry.path):
            self.result.problems.append(
                WalkProblem(
                    printable(entry.path),
                    "file name is not valid UTF-8; rename it (e.g. convmv -f latin1 -t utf8)",
                )
            )
            return
        try:
            st = entry.stat(follow_symlinks=True)
        except FileNotFoundError:
            self.result.problems.append(WalkProblem(entry.path, "broken symbolic link"))
            return
        if (st.st_dev, st.st_ino) in self.seen_files:
            return
        self.seen_files.add((st.st_dev, st.st_ino))
        self.result.files.append(FileStat(entry.path, st.st_size, st.st_mtime_ns))


def _why(error: OSError) -> str:
    if isinstance(error, PermissionError):
        return "permission denied; make it readable (chmod a+rX) or remove it"
    return error.strerror or str(error)


def walk(roots: Iterable[str], extensions: Iterable[str], skip_hidden: bool = True) -> WalkResult:
    """Audio files under ``roots`` (absolute paths, each file once) and what could not be read.

    ``skip_hidden``: leave out files and folders whose names start with "." (a root itself is
    always walked, even if hidden).
    """
    walker = _Walker(extensions, skip_hidden)
    for root in roots:
        walker.walk_root(os.path.abspath(os.path.expanduser(root)))
    return walker.result
