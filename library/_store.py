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
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

from library._migrations import LATEST, MIGRATIONS
from library._types import StoreError

Row = sqlite3.Row


REPAIR_HINT = "run `moodplay library repair`"


class DamagedStoreError(StoreError):
    """The database file is damaged (SQLite says malformed or not a database)."""


class Store:
    """One sqlite3 connection to the library database.

    ``busy_timeout_s`` is how long a statement waits for another process's write lock before
    :class:`StoreError` (the session uses a short one and retries later). Raises
    :class:`StoreError` (:class:`DamagedStoreError` for a damaged file) when the file cannot be
    opened or migrated.
    """

    def __init__(self, path: Path, migrations: Sequence[tuple[int, str, str]] = MIGRATIONS,
                 busy_timeout_s: float = 30.0) -> None:  # fmt: skip
        self.path = path
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, isolation_level=None, timeout=busy_timeout_s)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._migrate(migrations)
        except sqlite3.DatabaseError as e:
            raise _error(path, e) from e
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
        """BEGIN IMMEDIATE ... COMMIT; rolled back on any error (a failed COMMIT too, e.g. a
        full disk), so the connection stays usable. Raises :class:`StoreError`."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.DatabaseError as e:
            raise _error(self.path, e) from e
        try:
            yield
            self._db.execute("COMMIT")
        except BaseException as e:
            self._rollback()
            if isinstance(e, sqlite3.DatabaseError):
                raise _error(self.path, e) from e
            raise

    def _rollback(self) -> None:
        # SQLite may have rolled back by itself (SQLITE_FULL): only roll back what is open.
        if self._db.in_transaction:
            with suppress(sqlite3.DatabaseError):
                self._db.execute("ROLLBACK")

    def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> sqlite3.Cursor:
        """Raises :class:`StoreError` (:class:`DamagedStoreError` for a damaged page)."""
        try:
            return self._db.execute(sql, params)
        except sqlite3.DatabaseError as e:
            raise _error(self.path, e) from e

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Row]:
        """Every row; raises :class:`StoreError` as :meth:`execute`, also while reading rows."""
        cursor = self.execute(sql, params)
        try:
            return list(cursor.fetchall())
        except sqlite3.DatabaseError as e:
            raise _error(self.path, e) from e

    def check(self) -> None:
        """``PRAGMA quick_check``: raises :class:`DamagedStoreError` naming the first problem
        and what to do. Reads every page once (about a second per 100 MB)."""
        rows = self.query("PRAGMA quick_check(5)")
        found = [str(r[0]) for r in rows if str(r[0]) != "ok"]
        if found:
            raise DamagedStoreError(
                f"the library database is damaged: {self.path}: {'; '.join(found)}; {REPAIR_HINT}"
            )

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


class RawReader:
    """Plain reads of a database file that may be damaged (for ``library repair``): no
    migration, no write. Not read-only by URI: that could not replay a -wal without its -shm."""

    def __init__(self, path: Path) -> None:
        try:
            self._db = sqlite3.connect(path, isolation_level=None)
        except sqlite3.Error as e:
            raise StoreError(f"cannot open {path}: {e}") from e
        self.path = path

    def read(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Every row as a tuple; raises :class:`StoreError` when a page cannot be read."""
        try:
            return [tuple(r) for r in self._db.execute(sql, params).fetchall()]
        except sqlite3.DatabaseError as e:
            raise _error(self.path, e) from e

    def close(self) -> None:
        self._db.close()


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


def _error(path: Path, error: sqlite3.DatabaseError) -> StoreError:
    if _damaged(error):
        what = " (it is not a moodplay database or is damaged)" if "not a database" in str(
            error) else ""  # fmt: skip
        return DamagedStoreError(
            f"the library database is damaged: {path}: {error}{what}; {REPAIR_HINT}"
        )
    return StoreError(_explain(path, error))


def _damaged(error: sqlite3.DatabaseError) -> bool:
    text = str(error)
    return "malformed" in text or "not a database" in text or "corrupt" in text


def _explain(path: Path, error: sqlite3.DatabaseError) -> str:
    text = str(error)
    if "locked" in text or "busy" in text:
        hint = "another moodplay process is writing it; wait for it or stop it"
    elif "readonly" in text or "unable to open" in text:
        hint = "check that the file and its folder are writable"
    else:
        hint = "check the file, or move it away and rescan"
    return f"library database {path}: {text} ({hint})"
