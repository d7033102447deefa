"""Rebuild a damaged library database from what can still be read, row by row.

A new database is made with the current schema; each table of it that the damaged file also has
(tracks, analysis, events, ...) is copied row by row in rowid order: a range of rows that reads
is copied at once, a range that does not is read one rowid at a time, and a row that cannot be
read (a page written over) or that the new schema refuses (its track is gone) is skipped and
counted. The damaged file (and its -wal/-shm) is kept aside with a ``.damaged-TIME`` suffix.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from library._store import RawReader, Store
from library._types import StoreError

CHUNK = 256
"""Rows read at once while the pages hold."""


@dataclass
class RepairReport:
    kept: dict[str, int] = field(default_factory=dict)
    """Rows copied, per table."""
    lost: dict[str, int] = field(default_factory=dict)
    """Rows (or rowids) that could not be read or were refused, per table."""
    damaged_copy: Path | None = None
    """Where the damaged file now is."""


def repair(db: Path) -> RepairReport:
    """Rebuild ``db`` in place; raises :class:`StoreError` when nothing of it can be read
    (the damaged file is then left where it is)."""
    if not db.exists():
        raise StoreError(f"no library database at {db}")
    fresh = db.with_name(db.name + ".repairing")
    for leftover in _family(fresh):
        leftover.unlink(missing_ok=True)
    report = RepairReport()
    # Foreign keys stay on: tracks are copied first, and an event or analysis whose track
    # was lost is refused (and counted), never left pointing at nothing.
    with Store(fresh) as new:
        old = RawReader(db)
        try:
            tables = _tables(new, old)
            for table, columns in tables:
                _copy(old, new, table, columns, report)
        finally:
            old.close()
    if not tables:
        for leftover in _family(fresh):
            leftover.unlink(missing_ok=True)
        raise StoreError(f"nothing of {db} can be read (not a moodplay database?); it is left "
                         "as it is: move it away and run `moodplay scan`")  # fmt: skip
    report.damaged_copy = _swap(db, fresh)
    return report


def _tables(new: Store, old: RawReader) -> list[tuple[str, list[str]]]:
    """Tables of the new schema (in creation order) with the columns the old file shares."""
    names = [r[0] for r in new.query("SELECT name FROM sqlite_master WHERE type = 'table' AND "
                                     "name NOT LIKE 'sqlite_%' AND name != 'schema_migrations' "
                                     "ORDER BY rowid")]  # fmt: skip
    out = []
    for name in names:
        try:
            old_cols = {r[1] for r in old.read(f'PRAGMA table_info("{name}")')}
        except StoreError:
            continue  # the schema page itself is unreadable for this table
        cols = [r[1] for r in new.query(f'PRAGMA table_info("{name}")') if r[1] in old_cols]
        if cols:
            out.append((name, cols))
    return out


def _copy(old: RawReader, new: Store, table: str, columns: list[str],
          report: RepairReport) -> None:  # fmt: skip
    top = _max_rowid(old, table)
    names = ", ".join(f'"{c}"' for c in columns)
    select = f'SELECT {names} FROM "{table}"'
    insert = f'INSERT INTO "{table}" ({names}) VALUES ({", ".join("?" * len(columns))})'
    kept = lost = 0
    with new.transaction():
        for start in range(0, top + 1, CHUNK):
            rows, unread = _read(old, select, start, min(top, start + CHUNK - 1))
            lost += unread
            for row in rows:
                try:
                    new.execute(insert, row)
                    kept += 1
                except StoreError:
                    lost += 1
    report.kept[table], report.lost[table] = kept, lost


Row = tuple[object, ...]


def _read(old: RawReader, select: str, low: int, high: int) -> tuple[list[Row], int]:
    """Rows with rowid in [low, high]: all at once, else one rowid at a time; and how many
    rowids failed to read (a rowid that reads as no row is no loss: it never existed)."""
    try:
        return old.read(f"{select} WHERE rowid BETWEEN ? AND ? ORDER BY rowid", (low, high)), 0
    except StoreError:
        pass
    rows: list[Row] = []
    unread = 0
    for rowid in range(low, high + 1):
        try:
            rows += old.read(f"{select} WHERE rowid = ?", (rowid,))
        except StoreError:
            unread += 1
    return rows, unread


def _max_rowid(old: RawReader, table: str) -> int:
    """The largest rowid, from the table or (its last page damaged) from a descending scan."""
    for sql in (f'SELECT max(rowid) FROM "{table}"',
                f'SELECT rowid FROM "{table}" ORDER BY rowid DESC LIMIT 1'):  # fmt: skip
        try:
            rows = old.read(sql)
        except StoreError:
            continue
        return int(rows[0][0]) if rows and rows[0][0] is not None else 0
    return _max_rowid_by_probe(old, table)


def _max_rowid_by_probe(old: RawReader, table: str) -> int:
    """The first of 1, 2, 4, ... with no row at or above it: an upper bound of the rowids."""
    bound = 1
    while bound < 2**40:
        try:
            if not old.read(f'SELECT 1 FROM "{table}" WHERE rowid >= ? LIMIT 1', (bound,)):
                return bound
        except StoreError:
            pass
        bound *= 2
    return bound


def _family(db: Path) -> list[Path]:
    return [db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")]


def _swap(db: Path, fresh: Path) -> Path:
    """The damaged file (and its WAL) aside, the rebuilt one in its place; where the damaged
    one went."""
    aside = db.with_name(f"{db.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
    for src, dst in zip(_family(db), _family(aside), strict=True):
        if src.exists():
            os.replace(src, dst)
    os.replace(fresh, db)
    for leftover in _family(fresh)[1:]:
        leftover.unlink(missing_ok=True)
    return aside
