"""History export and forget: forgetting deletes for good, from the file itself."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
from pathlib import Path

from library import Event, Store, record_event
from tests.conftest import run_moodplay

MARK = "a-very-distinctive-context-marker"


def _db_with_events(scanned_db: Path, tmp_path: Path) -> Path:
    db = Path(shutil.copy(scanned_db, tmp_path / "lib.db"))
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM tracks ORDER BY id LIMIT 3")]
    old = dt.datetime(2026, 1, 1).timestamp()
    new = dt.datetime(2026, 11, 1).timestamp()
    with Store(db) as store:
        record_event(store, Event(ids[0], "played", old, "night", 200, 200, {"note": MARK}))
        record_event(store, Event(ids[1], "skipped", new, "morning", 8, 200, {"note": MARK}))
        record_event(store, Event(ids[2], "liked", new + 1, "morning"))
    return db


def test_export_then_forget_since_then_all(scanned_db: Path, tmp_path: Path) -> None:
    db = _db_with_events(scanned_db, tmp_path)
    out = tmp_path / "history.json"
    assert run_moodplay("history", "export", "--out", str(out), "--db", str(db)).returncode == 0
    events = json.loads(out.read_text())["events"]
    assert [e["kind"] for e in events] == ["played", "skipped", "liked"]
    assert events[1]["position_s"] == 8 and events[0]["context"] == {"note": MARK}
    some = run_moodplay("history", "forget", "--since", "2026-06-01", "--db", str(db))
    assert some.returncode == 0 and "forgot 2 listening events" in some.stdout
    everything = run_moodplay("history", "forget", "--all", "--db", str(db))
    assert "forgot 1 listening events" in everything.stdout
    for path in (db, db.with_name(db.name + "-wal")):
        if path.exists():
            assert MARK.encode() not in path.read_bytes(), f"{path.name} still holds it"
    with sqlite3.connect(db) as con:
        assert con.execute("SELECT count(*) FROM events").fetchone() == (0,)
        assert con.execute("SELECT count(*) FROM tracks").fetchone()[0] == 16  # library kept


def test_forget_needs_to_be_told_what(scanned_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(scanned_db, tmp_path / "lib.db"))
    bad = run_moodplay("history", "forget", "--db", str(db))
    assert bad.returncode == 1 and "--all, or --since" in bad.stderr
    bad = run_moodplay("history", "forget", "--since", "last tuesday", "--db", str(db))
    assert bad.returncode == 1 and "use YYYY-MM-DD" in bad.stderr
