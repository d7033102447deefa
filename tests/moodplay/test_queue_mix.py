"""`moodplay queue --explain` shows the day's familiar/new split (issue 12)."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
import time
from pathlib import Path

from library import Event, Store, record_event
from tests.conftest import run_moodplay


def test_explain_shows_the_familiar_and_new_split(scanned_db: Path, tmp_path: Path) -> None:
    db = Path(shutil.copy(scanned_db, tmp_path / "lib.db"))
    with sqlite3.connect(db) as con:
        ids = [r[0] for r in con.execute("SELECT id FROM tracks ORDER BY id")]
    now = time.time()
    with Store(db) as store:  # track 0 twice today (the second time familiar), track 1 once
        record_event(store, Event(ids[0], "played", now - 3 * 3600, "evening", 300.0, 300.0))
        record_event(store, Event(ids[1], "played", now - 2.5 * 3600, "evening", 300.0, 300.0))
        record_event(store, Event(ids[0], "played", now - 2 * 3600, "evening", 300.0, 300.0))
    text = run_moodplay("queue", "--db", str(db), "--n", "8", "--explain").stdout
    m = re.search(r"mix: (\d+) familiar, (\d+) new in this queue; 1 of 3 plays in the last "
                  r"24 h were familiar \(aim: 25 % familiar\)", text)  # fmt: skip
    assert m, text
    assert int(m[1]) + int(m[2]) == 8
    out = json.loads(
        run_moodplay("queue", "--db", str(db), "--n", "8", "--json", "--explain").stdout
    )
    assert out["mix"] == m[0]
