"""Numbered schema migrations. Each runs once, in its own transaction, and is recorded.

Never edit a migration that has shipped: add the next number. tests/library/test_migrations.py
applies each one to a database in the state before it, with rows in it.
"""

from __future__ import annotations

MIGRATIONS: tuple[tuple[int, str, str], ...] = (
    (
        1,
        "tracks, analysis and scan errors",
        """
        CREATE TABLE tracks (
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,
            size_bytes INTEGER NOT NULL,
            mtime_ns INTEGER NOT NULL,
            title TEXT NOT NULL,
            artist TEXT,
            album TEXT,
            album_artist TEXT,
            genre TEXT,
            track_number INTEGER,
            duration_s REAL NOT NULL,
            codec TEXT,
            rg_track_gain_db REAL,
            rg_track_peak REAL,
            rg_album_gain_db REAL,
            rg_album_peak REAL,
            fingerprint BLOB,
            missing_since REAL,          -- unix time the file was last seen gone; NULL: present
            relink_pending INTEGER NOT NULL DEFAULT 0,  -- new row not yet matched against moves
            added_at REAL NOT NULL,
            updated_at REAL NOT NULL
        );
        CREATE INDEX tracks_missing ON tracks(missing_since);
        CREATE TABLE analysis (
            track_id INTEGER PRIMARY KEY REFERENCES tracks(id) ON DELETE CASCADE,
            model_name TEXT NOT NULL,
            model_version TEXT NOT NULL,
            valence REAL NOT NULL,
            energy REAL NOT NULL,
            danceability REAL NOT NULL,
            acousticness REAL NOT NULL,
            instrumentalness REAL NOT NULL,
            liveness REAL NOT NULL,
            speechiness REAL NOT NULL,
            tempo_bpm REAL,              -- beats per minute; NULL when no beat was found
            loudness_lufs REAL,          -- ITU-R BS.1770-4 integrated loudness; NULL: silence
            excerpts INTEGER NOT NULL,
            analysed_at REAL NOT NULL
        );
        CREATE TABLE scan_errors (
            path TEXT PRIMARY KEY,       -- undecodable names are stored backslash-escaped
            size_bytes INTEGER,
            mtime_ns INTEGER,
            stage TEXT NOT NULL,         -- walk, read, probe, decode, analysis, store
            reason TEXT NOT NULL,
            at REAL NOT NULL
        );
        """,
    ),
    (
        2,
        "voice baselines",
        """
        CREATE TABLE voice_baselines (
            profile TEXT PRIMARY KEY,    -- one per configured listener profile
            n INTEGER NOT NULL,          -- utterances seen
            mean BLOB NOT NULL,          -- float64 running mean of the eGeMAPS functionals
            m2 BLOB NOT NULL,            -- float64 running sum of squared deviations (Welford)
            updated_at REAL NOT NULL
        );
        """,
    ),
    (
        3,
        "listening events",
        """
        CREATE TABLE events (
            id INTEGER PRIMARY KEY,
            track_id INTEGER NOT NULL REFERENCES tracks(id),
            kind TEXT NOT NULL,          -- played, skipped, liked, disliked, banned, unbanned, ...
            at REAL NOT NULL,            -- unix time
            position_s REAL,             -- how far the track had played
            duration_s REAL,
            part_of_day TEXT NOT NULL,   -- the Context at the time
            context TEXT,                -- the whole Context snapshot, JSON
            mood_valence REAL,           -- the listener's mood at the time, [0, 1] plane
            mood_energy REAL
        );
        CREATE INDEX events_track ON events(track_id);
        """,
    ),
    (
        4,
        "daemon state",
        """
        CREATE TABLE daemon_state (
            key TEXT PRIMARY KEY,        -- current_track, position_s, volume_pct, queue
            value TEXT NOT NULL          -- JSON
        );
        """,
    ),
    (
        5,
        "stored playlists",
        """
        CREATE TABLE playlists (
            name TEXT PRIMARY KEY,       -- as the user named it (MPD save NAME); no "/", no newline
            uris TEXT NOT NULL,          -- JSON array of song URIs relative to the music root
            modified_at REAL NOT NULL    -- unix time of the last change
        );
        """,
    ),
    (
        6,
        "track dates",
        """
        ALTER TABLE tracks ADD COLUMN date TEXT;  -- as the file's tag gives it: 2012, 2012-12-15
        """,
    ),
    (
        7,
        "disc and track numbers",
        """
        -- track_number (migration 1) is the position on its disc; older scans stored any number
        -- the tag held ("A1" as 1, "-1" as -1): readers treat values below 1 as none.
        ALTER TABLE tracks ADD COLUMN track_total INTEGER;  -- tracks on the disc; NULL: unknown
        ALTER TABLE tracks ADD COLUMN disc_number INTEGER;  -- >= 1; NULL: none given
        ALTER TABLE tracks ADD COLUMN disc_total INTEGER;
        """,
    ),
    (
        8,
        "multi-value artists and genres",
        """
        -- Every value of a multi-value tag, joined by U+001F (library/_types.py MULTI_SEPARATOR);
        -- artist and genre keep the first value. Filled from them until the next rescan.
        ALTER TABLE tracks ADD COLUMN artists TEXT;
        ALTER TABLE tracks ADD COLUMN genres TEXT;
        UPDATE tracks SET artists = artist, genres = genre;
        """,
    ),
    (
        9,
        "short and silent tracks",
        """
        -- 1: the track is shorter than the model's window, so its mood came from a loop of it
        ALTER TABLE analysis ADD COLUMN low_confidence INTEGER NOT NULL DEFAULT 0;
        -- 1: silent or near-silent (under -60 LUFS); adaptive queues leave it out
        ALTER TABLE analysis ADD COLUMN silent INTEGER NOT NULL DEFAULT 0;
        -- Scans before this refused tracks under 1 s, so no loudness meant digital silence.
        UPDATE analysis SET silent = 1 WHERE loudness_lufs IS NULL OR loudness_lufs < -60;
        """,
    ),
    (
        10,
        "history fold",
        """
        -- The listening events before `cut`, folded into one row per track (recommend/_fold.py,
        -- an .npz blob): start-up reads it and the events from `cut` on, not every event.
        -- The events themselves stay (history export, forget); forgetting one before `cut`
        -- drops the fold, which is made again from the events.
        CREATE TABLE history_fold (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            cut REAL NOT NULL,
            blob BLOB NOT NULL
        );
        """,
    ),
)

LATEST = MIGRATIONS[-1][0]
