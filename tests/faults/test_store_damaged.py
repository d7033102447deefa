"""A damaged library database (issue 11, finding 7): found on start and named with what to do;
``moodplay library repair`` rebuilds it and keeps every event on pages that were not damaged."""

from __future__ import annotations

import random
import sqlite3
import subprocess
from pathlib import Path

from tests.conftest import run_moodplay
from tests.faults.conftest import add_events, damage, event_rows, leaf_pages, rowids_on_page


def _page_count(db: Path) -> int:
    with sqlite3.connect(db) as con:
        return int(con.execute("PRAGMA page_count").fetchone()[0])


def _clear_error(result: subprocess.CompletedProcess[str], *words: str) -> str:
    err = result.stderr
    assert result.returncode == 1, (result.returncode, err)
    assert "Traceback" not in err, err
    for word in words:
        assert word in err, err
    return str(err)


def test_twenty_damaged_pages_stop_the_daemon_and_stats_with_what_to_do(db: Path) -> None:
    add_events(db, 3000)
    pages = random.Random(11).sample(range(2, _page_count(db) + 1), 20)
    damage(db, pages)
    for args in (("daemon", "--mpd-port", "0", "--http-port", "0", "--no-voice"),
                 ("library", "stats")):  # fmt: skip
        result = run_moodplay(*args, "--db", str(db), timeout=120)
        _clear_error(result, "the library database is damaged", "run `moodplay library repair`")
        assert "ready" not in result.stderr


def test_repair_keeps_every_event_on_the_pages_that_were_not_damaged(db: Path) -> None:
    add_events(db, 3000)
    before = event_rows(db)
    leaves = leaf_pages(db, "events")
    assert len(leaves) > 20, "the events should span many pages"
    hit = [leaves[3], leaves[10], leaves[len(leaves) // 2]]
    lost = {rowid for page in hit for rowid in rowids_on_page(db, page)}
    assert lost and len(lost) < len(before) // 5
    damage(db, hit)
    _clear_error(run_moodplay("library", "stats", "--db", str(db)), "damaged")

    result = run_moodplay("library", "repair", "--db", str(db), timeout=120)
    assert result.returncode == 0, result.stderr
    assert f"{len(before) - len(lost)} rows kept, {len(lost)} unreadable" in result.stdout
    assert event_rows(db) == [row for row in before if row[0] not in lost]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert con.execute("SELECT count(*) FROM analysis").fetchone()[0] == 4
    kept_aside = list(db.parent.glob("library.db.damaged-*"))
    assert len(kept_aside) == 1 and kept_aside[0].stat().st_size > 0
    stats = run_moodplay("library", "stats", "--db", str(db))
    assert stats.returncode == 0 and "analysed 4" in stats.stdout, stats.stderr


def test_repair_refuses_while_a_daemon_holds_the_database(db: Path) -> None:
    from moodplay._instance import InstanceLock

    with InstanceLock(db, "daemon"):
        result = run_moodplay("library", "repair", "--db", str(db))
    _clear_error(result, "another moodplay process", "is using the database")
    assert not list(db.parent.glob("library.db.damaged-*"))
