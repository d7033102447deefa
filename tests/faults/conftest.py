"""Shared pieces of the fault tests: a short scanned library, a copy per test, and helpers to
watch a real daemon (status, /health, events in the database) and to damage database pages."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_library

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")
GARBAGE = bytes([0xA5]) * 4096
"""What a damaged page holds in these tests (0xA5 is no b-tree page type: SQLite says corrupt)."""


@pytest.fixture(scope="session")
def fault_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four 20 s cuts of the corpus, scanned once for the whole fault suite."""
    return short_library(tmp_path_factory.mktemp("faults"), NAMES, seconds=20)


@pytest.fixture
def db(fault_library: Path, tmp_path: Path) -> Path:
    """A copy per test: the daemon writes its state and events into it."""
    return Path(shutil.copy(fault_library, tmp_path / "library.db"))


def until(check: Callable[[], object], timeout_s: float = 10.0, what: str = "") -> Any:
    """Poll ``check`` until it returns something true; its value (fails after ``timeout_s``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, (
            f"timed out after {timeout_s} s waiting for {what or check}"
        )
        time.sleep(0.2)


def http(url: str, body: dict[str, Any] | None = None, timeout_s: float = 10.0) -> tuple[int, Any]:
    """GET (or POST ``body`` as JSON); (status, decoded JSON body) — error statuses included."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data, {"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


def command(web: str, name: str, **args: object) -> tuple[int, Any]:
    return http(web + "api/command", {"command": name, "args": args})


def status(web: str) -> dict[str, Any]:
    code, view = http(web + "api/status")
    assert code == 200, view
    return dict(view)


def stored(db: Path, kind: str) -> int:
    """Events of ``kind`` in the database, read as another process would."""
    with sqlite3.connect(db, timeout=60) as con:
        return int(con.execute("SELECT count(*) FROM events WHERE kind = ?", (kind,)).fetchone()[0])


@contextmanager
def write_lock(db: Path) -> Iterator[sqlite3.Connection]:
    """Another process's ``BEGIN EXCLUSIVE`` on ``db`` (the sqlite3 shell would do the same)."""
    con = sqlite3.connect(db, isolation_level=None, timeout=60)
    con.execute("BEGIN EXCLUSIVE")
    try:
        yield con
    finally:
        con.execute("ROLLBACK")
        con.close()


def add_events(db: Path, count: int) -> None:
    """``count`` listening events on the library's tracks, all in the main file (checkpointed)."""
    with sqlite3.connect(db, isolation_level=None) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM tracks ORDER BY id")]
        rows = [(ids[i % len(ids)], "liked", 1.7e9 + i, 1.0, 20.0, "evening",
                 json.dumps({"n": i, "padding": "x" * 40})) for i in range(count)]  # fmt: skip
        con.execute("BEGIN")
        con.executemany("INSERT INTO events (track_id, kind, at, position_s, duration_s, "
                        "part_of_day, context) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)  # fmt: skip
        con.execute("COMMIT")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def event_rows(db: Path) -> list[tuple[Any, ...]]:
    with sqlite3.connect(db) as con:
        return con.execute(
            "SELECT id, track_id, kind, at, context FROM events ORDER BY id"
        ).fetchall()


def leaf_pages(db: Path, table: str) -> list[int]:
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT pageno FROM dbstat WHERE name = ? AND pagetype = 'leaf' "
                           "ORDER BY pageno", (table,)).fetchall()  # fmt: skip
    return [int(r[0]) for r in rows]


def rowids_on_page(db: Path, page: int) -> list[int]:
    """The rowids a table b-tree leaf page holds, read from its bytes (before damaging it)."""
    with sqlite3.connect(db) as con:
        size = int(con.execute("PRAGMA page_size").fetchone()[0])
    raw = db.read_bytes()[(page - 1) * size : page * size]
    assert raw[0] == 0x0D, f"page {page} is not a table leaf"
    cells = int.from_bytes(raw[3:5], "big")
    out = []
    for i in range(cells):
        at = int.from_bytes(raw[8 + 2 * i : 10 + 2 * i], "big")
        _, at = _varint(raw, at)  # payload size
        rowid, _ = _varint(raw, at)
        out.append(rowid)
    return out


def _varint(raw: bytes, at: int) -> tuple[int, int]:
    value = 0
    for i in range(9):
        byte = raw[at + i]
        if i == 8:
            return (value << 8) | byte, at + 9
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, at + i + 1
    raise AssertionError("unreachable")


def damage(db: Path, pages: list[int]) -> None:
    """Write garbage over these pages of ``db`` (its -wal must be checkpointed away first)."""
    with sqlite3.connect(db) as con:
        size = int(con.execute("PRAGMA page_size").fetchone()[0])
    with db.open("r+b") as f:
        for page in pages:
            f.seek((page - 1) * size)
            f.write(GARBAGE[:size])


def fds_and_children(pid: int) -> tuple[int, list[int]]:
    """Open file descriptors and child pids of a process, from /proc."""
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return fds, [int(c) for c in children]


def descendants(pid: int) -> list[int]:
    """Every process below ``pid`` (children, their children, ...), from /proc."""
    out, todo = [], [pid]
    while todo:
        current = todo.pop()
        for task in Path(f"/proc/{current}/task").glob("*"):
            try:
                kids = [int(c) for c in (task / "children").read_text().split()]
            except OSError:
                continue
            out += kids
            todo += kids
    return out


def alive(pid: int) -> bool:
    """A process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def run_quiet(*cmd: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=60)
