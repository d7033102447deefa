"""Stored playlists: named, ordered lists of song URIs, kept in the store and mirrored as files.

The database is the truth: one row per playlist in ``playlists``, its entries a JSON array of
URIs relative to the music root, so a rescan that renumbers tracks keeps them; an entry whose
file has gone stays, as in MPD, and is skipped when the playlist is loaded.

Files: every change writes ``FOLDER/NAME.m3u8`` (UTF-8, ``#EXTM3U`` then one absolute path per
line, so other players can open it) atomically, through a temporary file renamed over it;
removing or renaming a playlist removes or renames its file. :meth:`Playlists.import_new` reads
the ``.m3u8`` files whose name the database does not know (copied in by hand, or kept from
another database) — absolute paths under the music root and root-relative URIs alike. A file
whose name the database knows is never read back: the next change to that playlist overwrites
it. A file that cannot be written is logged and the change stands in the database.

Thread rule: as :class:`~library.Store`, a ``Playlists`` belongs to the thread of its store.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from library._store import Store

log = logging.getLogger(__name__)

SUFFIX = ".m3u8"


class Playlists:
    """The stored playlists of one store, mirrored in ``folder`` (None: no files)."""

    def __init__(self, store: Store, folder: Path | None, root: Path) -> None:
        self.store, self.folder, self.root = store, folder, root

    @staticmethod
    def valid_name(name: str) -> bool:
        """What MPD accepts as a playlist name: not empty, no "/", no line break."""
        return bool(name) and not any(ch in name for ch in "/\n\r")

    def names(self) -> list[tuple[str, float]]:
        """(name, last modified, unix time) of every playlist, by name."""
        rows = self.store.query("SELECT name, modified_at FROM playlists ORDER BY name")
        return [(r["name"], r["modified_at"]) for r in rows]

    def get(self, name: str) -> list[str] | None:
        """The playlist's URIs in order; None when there is no such playlist."""
        row = self.store.execute("SELECT uris FROM playlists WHERE name = ?", (name,)).fetchone()
        return None if row is None else [str(uri) for uri in json.loads(row["uris"])]

    def put(self, name: str, uris: Sequence[str]) -> None:
        """Create the playlist or replace its entries, then write its file."""
        with self.store.transaction():
            self.store.execute(
                "INSERT OR REPLACE INTO playlists (name, uris, modified_at) VALUES (?, ?, ?)",
                (name, json.dumps(list(uris), ensure_ascii=False), time.time()),
            )
        self._write(name, uris)

    def remove(self, name: str) -> bool:
        """Delete the playlist and its file; False when there was none."""
        with self.store.transaction():
            gone = self.store.execute("DELETE FROM playlists WHERE name = ?", (name,)).rowcount
        if gone:
            self._unlink(name)
        return bool(gone)

    def rename(self, old: str, new: str) -> None:
        """Give ``old`` the name ``new`` (the caller checked ``old`` exists, ``new`` does not)."""
        with self.store.transaction():
            self.store.execute(
                "UPDATE playlists SET name = ?, modified_at = ? WHERE name = ?",
                (new, time.time(), old),
            )
        uris = self.get(new)
        self._unlink(old)
        self._write(new, uris or [])

    def import_new(self) -> list[str]:
        """Read the folder's ``.m3u8`` files the database does not know; their names."""
        if self.folder is None or not self.folder.is_dir():
            return []
        known = {name for name, _ in self.names()}
        found = []
        for path in sorted(self.folder.glob(f"*{SUFFIX}")):
            name = path.name.removesuffix(SUFFIX)
            if name in known or not self.valid_name(name) or not path.is_file():
                continue
            try:
                uris = self._read(path)
            except (OSError, UnicodeDecodeError) as e:
                log.warning("playlist file %s cannot be read: %s", path, e)
                continue
            with self.store.transaction():
                self.store.execute(
                    "INSERT INTO playlists (name, uris, modified_at) VALUES (?, ?, ?)",
                    (name, json.dumps(uris, ensure_ascii=False), path.stat().st_mtime),
                )
            found.append(name)
        return found

    def _read(self, path: Path) -> list[str]:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
        entries = [line.strip() for line in lines]
        return [self._uri(entry) for entry in entries if entry and not entry.startswith("#")]

    def _uri(self, entry: str) -> str:
        path = Path(entry)
        if path.is_absolute() and path.is_relative_to(self.root):
            return path.relative_to(self.root).as_posix()
        return entry

    def _line(self, uri: str) -> str:
        return uri if Path(uri).is_absolute() else str(self.root / uri)

    def _write(self, name: str, uris: Sequence[str]) -> None:
        if self.folder is None:
            return
        text = "#EXTM3U\n" + "".join(f"{self._line(uri)}\n" for uri in uris)
        temp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, temp = tempfile.mkstemp(dir=self.folder, prefix=".", suffix=".part")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temp, self.folder / f"{name}{SUFFIX}")
        except OSError as e:
            if temp is not None:
                Path(temp).unlink(missing_ok=True)
            log.warning("playlist %r is saved, but its file in %s is not: %s", name, self.folder, e)

    def _unlink(self, name: str) -> None:
        if self.folder is None:
            return
        try:
            (self.folder / f"{name}{SUFFIX}").unlink(missing_ok=True)
        except OSError as e:
            log.warning("playlist file for %r cannot be removed: %s", name, e)
