"""`moodplay queue` on the real analysed library, and events feeding back into it."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from library import Event, Store, record_event
from tests.conftest import run_moodplay


def test_queue_on_the_real_library(scanned_db: Path) -> None:
    result = run_moodplay("queue", "--db", str(scanned_db), "--n", "10", "--mood", "calm",
                          "--json", "--explain")  # fmt: skip
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    queue = data["queue"]
    assert len(queue) == 10 and len({q["track_id"] for q in queue}) == 10
    assert all(q["reason"] and q["artist"] == "Maxstack" for q in queue)
    assert "calm you asked for" in queue[0]["reason"]
    assert len(data["path"]) == 10 and "parts" in queue[0]
    text = run_moodplay("queue", "--db", str(scanned_db), "--n", "3", "--at", "23:30").stdout
    assert text.count("\n") == 6 and "toward a calm night" in text


def test_queue_learns_from_stored_events(scanned_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(scanned_db, tmp_path / "lib.db"))
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM tracks ORDER BY id")]
    with Store(db) as store:
        record_event(store, Event(ids[0], "liked", 1.0, "night"))
        record_event(store, Event(ids[0], "played", 2.0, "night", 300.0, 300.0))
    out = run_moodplay("queue", "--db", str(db), "--n", "16", "--json", "--explain").stdout
    parts = {q["track_id"]: q["parts"] for q in json.loads(out)["queue"]}
    assert parts[ids[0]]["track"] > 0  # the liked, finished track carries positive evidence


def test_queue_errors_are_clear(scanned_db: Path, tmp_path: Path) -> None:
    bad = run_moodplay("queue", "--db", str(scanned_db), "--mood", "cheesy")
    assert bad.returncode == 1 and "--mood 'cheesy' is not in [moods.targets]" in bad.stderr
    bad = run_moodplay("queue", "--db", str(scanned_db), "--at", "noon")
    assert bad.returncode == 1 and "use HH:MM" in bad.stderr
    empty = run_moodplay("queue", "--db", str(tmp_path / "empty.db"))
    assert empty.returncode == 1 and "library is empty" in empty.stderr
