"""The music library: scanning files, tags, decoding, track analysis, and the SQLite store.

Public surface: :class:`Store` (all SQL), :class:`Scanner` (walk + analyse + commit),
:class:`Tracks` (track records), :class:`Playlists` (stored playlists), the report functions,
and the types other rooms use.
"""

from library._analyse import Analyser, AnalysisSettings
from library._baselines import load_baseline, save_baseline
from library._decode import read_mono
from library._decode_av import thumbnail
from library._events import (
    MAX_PENDING_EVENTS,
    Event,
    PendingEvents,
    drop_fold,
    forget_event,
    forget_events,
    load_events,
    load_fold,
    load_state,
    record_event,
    save_fold,
    save_state,
)
from library._fingerprint import similarity
from library._migrations import LATEST as SCHEMA_VERSION
from library._playlists import Playlists
from library._repair import RepairReport, repair
from library._report import (
    catalogue_rows,
    errors,
    find_tracks,
    library_names,
    mood_points,
    stats,
)
from library._scan import Scanner, ScanProgress, ScanSummary, default_jobs
from library._store import DamagedStoreError, Store
from library._tags import read_picture
from library._tracks import Tracks
from library._types import (
    MULTI_SEPARATOR,
    Analysed,
    DecodeError,
    Failed,
    FileStat,
    Picture,
    StoreError,
    Tags,
    Track,
)

__all__ = [
    "MAX_PENDING_EVENTS",
    "MULTI_SEPARATOR",
    "SCHEMA_VERSION",
    "Analysed",
    "Analyser",
    "AnalysisSettings",
    "DamagedStoreError",
    "DecodeError",
    "Event",
    "Failed",
    "FileStat",
    "PendingEvents",
    "Picture",
    "Playlists",
    "RepairReport",
    "ScanProgress",
    "ScanSummary",
    "Scanner",
    "Store",
    "StoreError",
    "Tags",
    "Track",
    "Tracks",
    "catalogue_rows",
    "default_jobs",
    "drop_fold",
    "errors",
    "find_tracks",
    "forget_event",
    "forget_events",
    "library_names",
    "load_baseline",
    "load_events",
    "load_fold",
    "load_state",
    "mood_points",
    "read_mono",
    "read_picture",
    "record_event",
    "repair",
    "save_baseline",
    "save_fold",
    "save_state",
    "similarity",
    "stats",
    "thumbnail",
]
