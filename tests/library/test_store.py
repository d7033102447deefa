"""The Store: migrations (each from the state before it), transactions, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from library import SCHEMA_VERSION, Store, StoreError
from library._migrations import MIGRATIONS

# Rows to put in the database before migration N runs (keyed by N); each later migration must
# keep them. Add an entry with every new migration.
SEED_BEFORE: dict[int, list[str]] = {
    1: [],
    2: [],  # SEED_AFTER_1 is added for every migration after the first
    3: [
        "INSERT INTO voice_baselines VALUES ('default', 3, x'00', x'00', 1)",
    ],
    4: [
        "INSERT INTO events (track_id, kind, at, part_of_day) VALUES (7, 'played', 1, 'night')",
    ],
    5: [
        "INSERT INTO daemon_state VALUES ('volume_pct', '40')",
    ],
    6: [
        "INSERT INTO playlists VALUES ('road', '[\"a.ogg\"]', 1)",
    ],
    7: [
        "UPDATE tracks SET track_number = 3, date = '2012' WHERE id = 7",
    ],
    8: [
        "UPDATE tracks SET artist = 'Maxstack', genre = 'Ambient', disc_number = 1 WHERE id = 7",
    ],
    9: [
        "UPDATE tracks SET artists = 'Maxstack', genres = 'Ambient' WHERE id = 7",
    ],
    10: [
        "UPDATE analysis SET low_confidence = 1, silent = 0 WHERE track_id = 7",
    ],
}
SEED_AFTER_1 = [
    "INSERT INTO tracks (id, path, size_bytes, mtime_ns, title, duration_s, added_at, updated_at)"
    " VALUES (7, '/m/a.ogg', 10, 20, 'A', 180.0, 1, 1)",
    "INSERT INTO analysis (track_id, model_name, model_version, valence, energy, danceability,"
    " acousticness, instrumentalness, liveness, speechiness, tempo_bpm, loudness_lufs, excerpts,"
    " analysed_at) VALUES (7, 'm', 'v', .1, .2, .3, .4, .5, .6, .7, 120, -14, 6, 1)",
    "INSERT INTO scan_errors VALUES ('/m/b.mp3', 0, 1, 'read', 'empty file', 1)",
]


def test_every_migration_is_numbered_in_order() -> None:
    assert [m[0] for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))
    assert set(SEED_BEFORE) == {m[0] for m in MIGRATIONS}, "seed data for each migration"


@pytest.mark.parametrize("version", [m[0] for m in MIGRATIONS])
def test_each_migration_from_the_state_before_it(tmp_path: Path, version: int) -> None:
    db = tmp_path / "lib.db"
    Store(db, MIGRATIONS[: version - 1]).close()
    raw = sqlite3.connect(db)
    for sql in SEED_BEFORE[version] + (SEED_AFTER_1 if version >= 2 else []):
        raw.execute(sql)
    raw.commit()
    before = _dump(raw)
    raw.close()
    with Store(db, MIGRATIONS[:version]) as store:
        assert store.schema_version() == version
        recorded = store.query("SELECT version, name FROM schema_migrations ORDER BY version")
        assert [r["version"] for r in recorded] == list(range(1, version + 1))
    raw = sqlite3.connect(db)
    after = _dump(raw)
    for table, rows in before.items():  # a migration may add columns, never change values
        kept = [
            {column: row[column] for column in old}
            for row, old in zip(after.get(table, []), rows, strict=True)
        ]
        assert kept == rows, f"migration {version} changed {table}"


def _dump(db: sqlite3.Connection) -> dict[str, list[dict[str, object]]]:
    db.row_factory = sqlite3.Row
    tables = [r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    return {
        t: [dict(row) for row in db.execute(f"SELECT * FROM {t}")]
        for t in tables
        if t != "schema_migrations"
    }


def test_latest_schema_holds_a_track_with_its_analysis(tmp_path: Path) -> None:
    with Store(tmp_path / "lib.db") as store:
        assert store.schema_version() == SCHEMA_VERSION
        with store.transaction():
            for sql in SEED_AFTER_1:
                store.execute(sql)
        assert store.query("SELECT valence FROM analysis WHERE track_id = 7")[0][0] == 0.1
        assert store.query("PRAGMA journal_mode")[0][0] == "wal"


def test_reopening_applies_nothing_twice(tmp_path: Path) -> None:
    Store(tmp_path / "lib.db").close()
    with Store(tmp_path / "lib.db") as store:
        assert len(store.query("SELECT * FROM schema_migrations")) == len(MIGRATIONS)


def test_failed_transaction_rolls_back_everything(tmp_path: Path) -> None:
    with Store(tmp_path / "lib.db") as store:
        with pytest.raises(RuntimeError), store.transaction():
            store.execute(SEED_AFTER_1[0])
            raise RuntimeError("crash in the middle")
        assert store.query("SELECT count(*) FROM tracks")[0][0] == 0


def test_newer_schema_is_refused_with_advice(tmp_path: Path) -> None:
    Store(tmp_path / "lib.db").close()
    raw = sqlite3.connect(tmp_path / "lib.db")
    raw.execute("INSERT INTO schema_migrations VALUES (99, 'future', 0)")
    raw.commit()
    raw.close()
    with pytest.raises(StoreError, match=r"newer than this moodplay understands.*upgrade"):
        Store(tmp_path / "lib.db")


def test_not_a_database_is_a_clear_error(tmp_path: Path) -> None:
    junk = tmp_path / "lib.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(StoreError, match="not a moodplay database or is damaged"):
        Store(junk)


def test_unwritable_location_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the library database"):
        Store(blocker / "sub" / "lib.db")
