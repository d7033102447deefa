"""The scan: walk, decide what changed, analyse in worker processes, commit each track.

The main process owns the Store; workers only decode and infer, and send results back. Every
finished track is committed at once, so an interrupted scan (Ctrl-C, kill -9) resumes where it
stopped: unchanged files (same size and mtime, analysed by the same model) are skipped.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import select
import signal
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field

from library._analyse import Analyser, AnalysisSettings
from library._stderr import capture_native_stderr
from library._store import Store
from library._tracks import Known, Tracks, under
from library._types import Analysed, Failed, FileStat
from library._walk import walk
from mood import model_identity

log = logging.getLogger(__name__)

WORKER_DIED = "the analysis worker died while reading this file (decoder crash or out of memory)"
WORKER_HUNG = (
    "reading this file took longer than {limit:.0f} s, so its worker was ended (a decoder that "
    "hangs on it)"
)


@dataclass
class ScanProgress:
    done: int
    total: int
    path: str
    ok: bool
    started: float


@dataclass
class ScanSummary:
    files_seen: int = 0
    analysed: int = 0
    unchanged: int = 0
    failed: list[tuple[str, str, str]] = field(default_factory=list)
    """(path, stage, reason) of files that failed in this scan, known bad files included."""
    missing: int = 0
    returned: int = 0
    moved: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0
    interrupted: bool = False


_worker: Analyser | None = None


def _init_worker(settings: AnalysisSettings, owner: int, log_level: int) -> None:
    global _worker  # noqa: PLW0603  one Analyser (one ONNX session) per worker process
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl-C and stops us
    capture_native_stderr(log_level)  # decoders' notes must not break the progress bar
    # SIGALRM's default action ends the process even inside C code that holds the GIL (a hung
    # decoder): _work arms it per file, and the parent records the file as hanging.
    signal.signal(signal.SIGALRM, signal.SIG_DFL)
    _die_with(owner)
    _in_the_background()
    _worker = Analyser(settings)


def _in_the_background() -> None:
    """This worker (and the threads it starts after: ONNX Runtime's) runs only when nothing
    else wants the CPU (Linux SCHED_IDLE), as MPD runs its database update: a scan beside the
    daemon must not starve the music or the listener. On an otherwise idle machine it runs as
    fast as before. Where SCHED_IDLE is missing, the lowest nice value instead."""
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):
        with contextlib.suppress(OSError):
            os.nice(19)


def _die_with(owner: int) -> None:
    """End this worker as soon as the scanning process ``owner`` ends, ``kill -9`` included.

    A parent-death signal cannot do it: a worker's parent is multiprocessing's forkserver, and
    the forkserver lives as long as any worker holds its "alive" pipe — which every worker does.
    So each worker waits on a pidfd of the scanning process in a thread (polls each second where
    pidfds are missing) and exits when it is gone; the forkserver then sees its pipe close.
    """
    try:
        fd = os.pidfd_open(owner)
    except ProcessLookupError:
        os._exit(1)  # it ended before this worker started
    except (AttributeError, OSError):
        fd = -1  # no pidfd here (not Linux 5.3+): poll
    threading.Thread(target=_exit_after, args=(owner, fd), name="scan owner", daemon=True).start()


def _exit_after(owner: int, fd: int) -> None:
    if fd >= 0:
        select.select([fd], [], [])
    else:
        while _exists(owner):
            time.sleep(1.0)
    os._exit(1)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _work(file: FileStat) -> Analysed | Failed:
    assert _worker is not None
    signal.setitimer(signal.ITIMER_REAL, _worker.settings.file_timeout_s)
    try:
        return _worker.analyse(file)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)


ProgressFn = Callable[[ScanProgress], None]


class Scanner:
    def __init__(self, store: Store, settings: AnalysisSettings, jobs: int) -> None:
        self.tracks = Tracks(store)
        self.settings = settings
        self.jobs = max(1, jobs)

    def scan(
        self,
        roots: Iterable[str],
        extensions: Iterable[str],
        progress: ProgressFn | None = None,
        skip_hidden: bool = True,
    ) -> ScanSummary:
        """Walk ``roots`` and analyse what changed; see :func:`library._walk.walk` for
        ``skip_hidden``. One file's failure is recorded and never raised."""
        started = time.monotonic()
        summary = ScanSummary()
        found = walk(roots, extensions, skip_hidden)
        summary.files_seen = len(found.files)
        for problem in found.problems:
            self.tracks.record_error(problem.path, "walk", problem.reason)
            summary.failed.append((problem.path, "walk", problem.reason))
        problem_paths = {p.path for p in found.problems}
        todo = self._reconcile(found.files, found.roots_walked, problem_paths, summary)
        try:
            self._analyse_all(todo, summary, progress or (lambda p: None))
        except KeyboardInterrupt:
            summary.interrupted = True
        if not summary.interrupted:
            summary.moved = self.tracks.relink_moves()
        summary.seconds = time.monotonic() - started
        return summary

    def _reconcile(
        self, files: list[FileStat], roots: list[str], problems: set[str], summary: ScanSummary
    ) -> list[FileStat]:
        known = self.tracks.known_tracks()
        errors = self.tracks.known_errors()
        _, version = model_identity()
        seen = {f.path for f in files}
        gone = [p for p, k in known.items() if not k.missing and p not in seen and under(p, roots)]
        summary.missing = self.tracks.mark_missing(gone)
        self.tracks.forget_errors(
            p for p in errors if p not in seen and p not in problems and under(p, roots)
        )
        todo, back = [], []
        for f in files:
            k = known.get(f.path)
            if k and _unchanged(k, f) and k.model_version == version:
                summary.unchanged += 1
                if k.missing:
                    back.append(f.path)
            elif f.path in errors and _unchanged(errors[f.path], f):
                summary.failed.append(self._known_failure(f.path))
            else:
                todo.append(f)
        self.tracks.mark_present(back)
        summary.returned = len(back)
        return todo

    def _known_failure(self, path: str) -> tuple[str, str, str]:
        row = self.tracks.store.query(
            "SELECT stage, reason FROM scan_errors WHERE path = ?", (path,)
        )[0]
        return (path, row["stage"], row["reason"] + " (unchanged since the last scan)")

    def _analyse_all(
        self, todo: list[FileStat], summary: ScanSummary, progress: ProgressFn
    ) -> None:
        queue = list(reversed(todo))  # pop() from the end keeps walk order
        solo: list[FileStat] = []  # files in flight when a worker died: retried one at a time
        done, started, solo_since = 0, time.monotonic(), 0.0
        while queue or solo:
            batch_limit = 1 if solo else self.jobs * 2
            source = solo if solo else queue
            with self._pool(1 if solo else self.jobs) as pool:
                in_flight: dict[Future[Analysed | Failed], FileStat] = {}
                try:
                    while source or in_flight:
                        while source and len(in_flight) < batch_limit:
                            f = source.pop()
                            in_flight[pool.submit(_work, f)] = f
                            solo_since = time.monotonic()
                        finished, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                        for fut in finished:
                            result = _result(fut, in_flight[fut])
                            f = in_flight.pop(fut)
                            self._commit(result, summary)
                            done += 1
                            total = done + len(queue) + len(solo) + len(in_flight)
                            progress(
                                ScanProgress(
                                    done, total, f.path, isinstance(result, Analysed), started
                                )
                            )
                except BrokenProcessPool:
                    casualties = list(in_flight.values())
                    if source is solo or len(casualties) == 1:
                        reason = self._death_reason(time.monotonic() - solo_since)
                        for f in casualties:
                            self._commit(Failed(f, "analysis", reason), summary)
                            done += 1
                    else:
                        solo.extend(casualties)

    def _death_reason(self, elapsed_s: float) -> str:
        """Why the worker of the one file in flight died: its time limit, or a crash."""
        limit = self.settings.file_timeout_s
        return WORKER_HUNG.format(limit=limit) if elapsed_s >= limit else WORKER_DIED

    def _pool(self, workers: int) -> ProcessPoolExecutor:
        # forkserver: workers do not inherit the parent's SQLite connection or threads.
        context = multiprocessing.get_context("forkserver")
        return ProcessPoolExecutor(
            max_workers=workers, mp_context=context, initializer=_init_worker,
            initargs=(self.settings, os.getpid(), log.getEffectiveLevel()),
        )  # fmt: skip

    def _commit(self, result: Analysed | Failed, summary: ScanSummary) -> None:
        if isinstance(result, Analysed):
            self.tracks.save_analysed(result)
            summary.analysed += 1
        else:
            self.tracks.save_failed(result)
            summary.failed.append((result.file.path, result.stage, result.reason))


def _result(fut: Future[Analysed | Failed], file: FileStat) -> Analysed | Failed:
    """The worker's result; an exception that escaped it (or failed to pickle) is the file's
    failure too. BrokenProcessPool is the pool's, not the file's, and is raised on."""
    try:
        return fut.result()
    except BrokenProcessPool:
        raise
    except Exception as e:  # one file must never stop a scan
        log.warning("analysing %s raised", file.path, exc_info=True)
        return Failed(file, "analysis", f"the analysis failed ({type(e).__name__}: {e})")


def _unchanged(known: Known, f: FileStat) -> bool:
    return known.size_bytes == f.size_bytes and known.mtime_ns == f.mtime_ns


def default_jobs() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
