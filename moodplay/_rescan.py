"""MPD ``update`` while the daemon runs: rescan in a background thread, then hand the new
library to the session thread, which swaps it in without stopping the music."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from library import AnalysisSettings, Scanner, Store, load_state, save_state
from moodplay._config import Config
from moodplay._paths import library_roots
from moodplay._queue_cli import build_catalogue
from moodplay._tracks import LiveLibrary, track_infos

log = logging.getLogger(__name__)

ROOTS_KEY = "library_roots"


def analysis_settings(config: Config) -> AnalysisSettings:
    return AnalysisSettings(
        excerpts=config.analysis.excerpts,
        excerpt_s=config.analysis.excerpt_s,
        max_duration_s=config.library.max_duration_min * 60,
        providers=config.inference.providers,
        threads=config.inference.threads,
        id3v1_encoding=config.library.id3v1_encoding,
        file_timeout_s=config.library.file_time_limit_s,
    )


def remember_roots(store: Store, roots: list[str]) -> None:
    """``moodplay scan`` notes its folders, so ``update`` rescans the same ones."""
    save_state(store, {ROOTS_KEY: roots})


class Rescan:
    def __init__(self, config: Config, db: Path, jobs: int,
                 done: Callable[[LiveLibrary], object]) -> None:  # fmt: skip
        self.config, self.db, self.jobs, self.done = config, db, jobs, done
        self._thread: threading.Thread | None = None

    def start(self) -> bool:
        """Start a rescan; False when one is already running."""
        if self._thread is not None and self._thread.is_alive():
            return False
        self._thread = threading.Thread(target=self._run, name="rescan", daemon=True)
        self._thread.start()
        return True

    def running(self) -> bool:
        """A rescan is under way (MPD's status shows ``updating_db`` meanwhile)."""
        return self._thread is not None and self._thread.is_alive()

    def _run(self) -> None:
        try:
            with Store(self.db) as store:
                saved = load_state(store).get(ROOTS_KEY)
                roots = saved if isinstance(saved, list) else library_roots(self.config)
                summary = Scanner(store, analysis_settings(self.config), self.jobs).scan(
                    roots, self.config.library.extensions,
                    skip_hidden=self.config.library.skip_hidden,
                )  # fmt: skip
                library = LiveLibrary(build_catalogue(store), track_infos(store))
        except Exception as e:  # the music plays on; the log says why
            log.error("rescan failed: %s", e)
            return
        log.info("rescan: %d analysed, %d missing", summary.analysed, summary.missing)
        if library.catalogue.size:
            self.done(library)
