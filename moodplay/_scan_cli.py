"""``moodplay scan``: scan and analyse music folders, then print a summary and the mood map."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from library import Scanner, ScanSummary, Store, default_jobs, mood_points, stats
from moodplay._config import Config
from moodplay._moodmap import summary_lines
from moodplay._paths import database_path, library_roots
from moodplay._progress import ProgressReporter
from moodplay._rescan import analysis_settings, remember_roots

EXIT_INTERRUPTED = 130


class ScanError(Exception):
    """A scan that cannot start (no such folder, a bad --jobs); the message says what to do."""


def _check_folders(paths: list[str]) -> None:
    """Folders given on the command line must exist and be folders (a typo is no empty scan)."""
    for given in paths:
        path = Path(given).expanduser()
        if path.is_file():
            raise ScanError(f"{given} is a file, not a folder: scan the folder it is in "
                            f"(moodplay scan {path.parent})")  # fmt: skip
        if not path.is_dir():
            why = "is not a folder" if path.exists() else "does not exist"
            raise ScanError(f"{given} {why}: give a music folder (moodplay scan ~/Music)")


def cmd_scan(config: Config, args: argparse.Namespace) -> int:
    _check_folders(args.paths)
    roots = library_roots(config, args.paths)
    if not roots:
        raise ScanError(
            "no music folder found: pass one (moodplay scan ~/Music) or set [library] paths"
        )
    jobs = args.jobs if args.jobs is not None else (config.library.jobs or default_jobs())
    if not 1 <= jobs <= 64:
        raise ScanError(f"--jobs {jobs}: use 1..64 worker processes")
    settings = analysis_settings(config)
    print(f"scanning {', '.join(roots)} with {jobs} worker(s)", file=sys.stderr)
    with Store(database_path(config, args.db)) as store:
        remember_roots(store, roots)
        reporter = ProgressReporter(force_plain=args.plain)
        try:
            summary = Scanner(store, settings, jobs).scan(
                roots, config.library.extensions, reporter, skip_hidden=config.library.skip_hidden
            )
        finally:
            reporter.close()
        _print_summary(summary, store)
        if not args.no_map and not summary.interrupted:
            print("\n".join(summary_lines(mood_points(store))))
    return EXIT_INTERRUPTED if summary.interrupted else 0


def _print_summary(s: ScanSummary, store: Store) -> None:
    counts = stats(store)
    lines = [
        f"scan {'INTERRUPTED' if s.interrupted else 'done'} in {s.seconds:.1f} s: "
        f"{s.files_seen} audio files, {s.analysed} analysed, {s.unchanged} unchanged, "
        f"{len(s.failed)} failed, {s.missing} newly missing, {s.returned} back, "
        f"{len(s.moved)} moved",
        f"library {store.path}: {counts['present']} tracks present, {counts['analysed']} analysed, "
        f"{counts['missing']} missing, {counts['errors']} with errors",
    ]
    lines += [f"  moved: {old} -> {new}" for old, new in s.moved]
    if s.failed:
        lines.append("files that could not be analysed (see `moodplay library stats`):")
        lines += [f"  {path}\n      {stage}: {reason}" for path, stage, reason in s.failed]
    if s.interrupted:
        lines.append(
            "interrupted: everything analysed so far is saved; run the scan again to go on"
        )
    print("\n".join(lines))
