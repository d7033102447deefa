"""Track, analysis and scan-error records: the library's SQL, on top of :class:`Store`."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import asdict, dataclass

from library._fingerprint import MATCH_SIMILARITY, similarity
from library._store import Row, Store
from library._types import MULTI_SEPARATOR, Analysed, Failed, FileStat

_TAG_COLUMNS = (
    "title", "artist", "artists", "album", "album_artist", "genre", "genres", "track_number",
    "track_total", "disc_number", "disc_total", "date",
    "rg_track_gain_db", "rg_track_peak", "rg_album_gain_db", "rg_album_peak",
)  # fmt: skip
_MOOD_COLUMNS = (
    "valence", "energy", "danceability", "acousticness", "instrumentalness", "liveness",
    "speechiness", "tempo_bpm", "loudness_lufs", "model_name", "model_version", "excerpts",
)  # fmt: skip
MOVE_MAX_DURATION_DIFF_S = 1.0


@dataclass(frozen=True)
class Known:
    """What the store knows of a path, to decide whether it must be analysed again."""

    track_id: int | None
    size_bytes: int
    mtime_ns: int
    model_version: str | None
    missing: bool


def under(path: str, roots: Iterable[str]) -> bool:
    return any(path == r or path.startswith(r.rstrip(os.sep) + os.sep) for r in roots)


class Tracks:
    def __init__(self, store: Store) -> None:
        self.store = store

    def known_tracks(self) -> dict[str, Known]:
        rows = self.store.query(
            "SELECT t.id, t.path, t.size_bytes, t.mtime_ns, t.missing_since, a.model_version "
            "FROM tracks t LEFT JOIN analysis a ON a.track_id = t.id"
        )
        return {
            r["path"]: Known(
                r["id"],
                r["size_bytes"],
                r["mtime_ns"],
                r["model_version"],
                r["missing_since"] is not None,
            )
            for r in rows
        }

    def known_errors(self) -> dict[str, Known]:
        rows = self.store.query("SELECT path, size_bytes, mtime_ns FROM scan_errors")
        return {
            r["path"]: Known(
                None, _or_unknown(r["size_bytes"]), _or_unknown(r["mtime_ns"]), None, False
            )
            for r in rows
        }

    def save_analysed(self, result: Analysed) -> int:
        now = time.time()
        tags = result.tags
        title = tags.title or os.path.splitext(os.path.basename(result.file.path))[0]
        values = {**asdict(tags), "title": title, "artist": tags.artist, "genre": tags.genre,
                  "artists": MULTI_SEPARATOR.join(tags.artists) or None,
                  "genres": MULTI_SEPARATOR.join(tags.genres) or None}  # fmt: skip
        with self.store.transaction():
            row = self.store.execute(
                "SELECT id FROM tracks WHERE path = ?", (result.file.path,)
            ).fetchone()
            if row is None:
                track_id = self._insert_track(result, values, now)
            else:
                track_id = int(row["id"])
                self._update_track(track_id, result, values, now)
            self._save_mood(track_id, result, now)
            self.store.execute("DELETE FROM scan_errors WHERE path = ?", (result.file.path,))
        return track_id

    def _insert_track(self, result: Analysed, tags: dict[str, object], now: float) -> int:
        values = _file_columns(result, tags) | {
            "path": result.file.path, "relink_pending": 1, "added_at": now, "updated_at": now,
        }  # fmt: skip
        cursor = self.store.execute(
            f"INSERT INTO tracks ({', '.join(values)}) VALUES ({', '.join('?' for _ in values)})",
            tuple(values.values()),
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def _update_track(
        self, track_id: int, result: Analysed, tags: dict[str, object], now: float
    ) -> None:
        values = _file_columns(result, tags) | {"missing_since": None, "updated_at": now}
        self.store.execute(
            f"UPDATE tracks SET {', '.join(f'{c} = ?' for c in values)} WHERE id = ?",
            (*values.values(), track_id),
        )

    def _save_mood(self, track_id: int, result: Analysed, now: float) -> None:
        mood = asdict(result.mood)
        cols = ", ".join(_MOOD_COLUMNS)
        marks = ", ".join("?" for _ in _MOOD_COLUMNS)
        self.store.execute(
            f"INSERT OR REPLACE INTO analysis (track_id, analysed_at, low_confidence, silent, "
            f"{cols}) VALUES (?, ?, ?, ?, {marks})",
            (track_id, now, int(result.low_confidence), int(result.silent),
             *(mood[c] for c in _MOOD_COLUMNS)),
        )  # fmt: skip

    def save_failed(self, result: Failed) -> None:
        # Without its size and mtime the error never counts as "unchanged": retried next scan.
        file = None if result.retry else result.file
        self.record_error(result.file.path, result.stage, result.reason, file)

    def record_error(
        self, path: str, stage: str, reason: str, file: FileStat | None = None
    ) -> None:
        with self.store.transaction():
            self.store.execute(
                "INSERT OR REPLACE INTO scan_errors VALUES (?, ?, ?, ?, ?, ?)",
                (
                    path,
                    file.size_bytes if file else None,
                    file.mtime_ns if file else None,
                    stage,
                    reason,
                    time.time(),
                ),
            )

    def mark_missing(self, paths: Iterable[str]) -> int:
        now = time.time()
        with self.store.transaction():
            count = 0
            for path in paths:
                count += self.store.execute(
                    "UPDATE tracks SET missing_since = ? WHERE path = ? AND missing_since IS NULL",
                    (now, path),
                ).rowcount
        return count

    def mark_present(self, paths: Iterable[str]) -> None:
        with self.store.transaction():
            for path in paths:
                self.store.execute("UPDATE tracks SET missing_since = NULL WHERE path = ?", (path,))

    def forget_errors(self, paths: Iterable[str]) -> None:
        with self.store.transaction():
            for path in paths:
                self.store.execute("DELETE FROM scan_errors WHERE path = ?", (path,))

    def relink_moves(self) -> list[tuple[str, str]]:
        """Give moved files their old identity; returns (old path, new path) pairs.

        A new track takes over a missing one when their fingerprints match, their durations
        agree, and the match is unique both ways: copies and re-releases stay separate.
        """
        pending = self.store.query(
            "SELECT id, path, fingerprint, duration_s FROM tracks "
            "WHERE relink_pending = 1 AND missing_since IS NULL"
        )
        missing = self.store.query(
            "SELECT id, path, fingerprint, duration_s FROM tracks WHERE missing_since IS NOT NULL"
        )
        matches = {p["id"]: [m for m in missing if _same_audio(p, m)] for p in pending}
        claims: dict[int, int] = {}  # missing id -> how many new files match it
        for found in matches.values():
            for m in found:
                claims[m["id"]] = claims.get(m["id"], 0) + 1
        moves = []
        for new in pending:
            found = matches[new["id"]]
            if len(found) == 1 and claims[found[0]["id"]] == 1:
                self._merge(old=found[0], new=new)
                moves.append((found[0]["path"], new["path"]))
        with self.store.transaction():
            self.store.execute("UPDATE tracks SET relink_pending = 0 WHERE relink_pending = 1")
        return moves

    def _merge(self, old: Row, new: Row) -> None:
        """Move the new row's file, tags and analysis onto the old id, which keeps its history."""
        columns = ("path", "size_bytes", "mtime_ns", "duration_s", "codec", "fingerprint",
                   *_TAG_COLUMNS)  # fmt: skip
        with self.store.transaction():
            row = self.store.execute(
                f"SELECT {', '.join(columns)} FROM tracks WHERE id = ?", (new["id"],)
            ).fetchone()
            self.store.execute("DELETE FROM analysis WHERE track_id = ?", (old["id"],))
            self.store.execute(
                "UPDATE analysis SET track_id = ? WHERE track_id = ?", (old["id"], new["id"])
            )
            self.store.execute("DELETE FROM tracks WHERE id = ?", (new["id"],))
            sets = ", ".join(f"{c} = ?" for c in columns)
            self.store.execute(
                f"UPDATE tracks SET {sets}, missing_since = NULL, relink_pending = 0, "
                "updated_at = ? WHERE id = ?",
                (*row, time.time(), old["id"]),
            )


def _file_columns(result: Analysed, tags: dict[str, object]) -> dict[str, object]:
    """The tracks columns that come from the file itself: its stat, audio and tags."""
    return {
        "size_bytes": result.file.size_bytes,
        "mtime_ns": result.file.mtime_ns,
        "duration_s": result.duration_s,
        "codec": result.codec,
        "fingerprint": result.fingerprint,
        **{c: tags[c] for c in _TAG_COLUMNS},
    }


def _or_unknown(value: int | None) -> int:
    return -1 if value is None else value


def _same_audio(a: Row, b: Row) -> bool:
    if abs(a["duration_s"] - b["duration_s"]) > MOVE_MAX_DURATION_DIFF_S:
        return False
    return similarity(a["fingerprint"] or b"", b["fingerprint"] or b"") >= MATCH_SIMILARITY
