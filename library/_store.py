"""The SQLite store: every SQL statement of moodplay goes through :class:`Store`.

Thread rule: a Store (one sqlite3 connection) belongs to the thread that opened it; other
threads open their own. WAL mode lets readers run while the scanner writes. Writes happen inside
``with store.transaction():`` (BEGIN IMMEDIATE), so a killed process loses at most the
transaction in flight and never leaves half a track behind.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from library._migrations import LATEST, MIGRATIONS
from library._types import StoreError

Row = sqlite3.Row


class Store:
    def __init__(self, path: Path, migrations: Sequence[tuple[int, str, str]] = MIGRATIONS):
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=30.0)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(migrations)
        except sqlite3.DatabaseError as e:
            raise StoreError(_explain(path, e)) from e
        except OSError as e:
            raise StoreError(f"cannot create the library database {path}: {e.strerror}") from e

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise StoreError(_explain(self.path, e)) from e
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        try:
            return self._db.execute(sql, params)
        except sqlite3.OperationalError as e:
            raise StoreError(_explain(self.path, e)) from e

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        return list(self.execute(sql, params).fetchall())

    def schema_version(self) -> int:
        row = self._db.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def _migrate(self, migrations: Sequence[tuple[int, str, str]]) -> None:
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at REAL NOT NULL)"
        )
        current = self.schema_version()
        newest = max((m[0] for m in migrations), default=0)
        if current > max(newest, LATEST):
            raise StoreError(
                f"the library database {self.path} has schema version {current}, newer than this "
                f"moodplay understands ({newest}); upgrade moodplay or use another --db"
            )
        for version, name, sql in migrations:
            if version > current:
                self._apply(version, name, sql)

    def _apply(self, version: int, name: str, sql: str) -> None:
        # executescript would COMMIT on its own; run statement by statement inside one transaction.
        with self.transaction():
            for statement in _statements(sql):
                self._db.execute(statement)
            self._db.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, ?)", (version, name, time.time())
            )


def _statements(script: str) -> list[str]:
    out, current = [], ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    if current.strip():
        out.append(current.strip())
    return out


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        hint = "another moodplay process is writing it; wait for it or stop it"
    elif "not a database" in text or "malformed" in text:
        hint = "the file is not a moodplay database or is damaged; move it away and rescan"
    elif "readonly" in text or "unable to open" in text:
        hint = "check that the file and its folder are writable"
    else:
        hint = "check the file, or move it away and rescan"
    return f"library database {path}: {text} ({hint})"
