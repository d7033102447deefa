"""Supervision of the session loop: each step guarded, store writes retried with backoff.

A daemon on a kitchen speaker runs for months with nobody watching: a step that fails is logged
once and named in ``problems`` (the status and ``/health`` show them) and tried again on the next
turn; one that keeps failing for ``give_up_s`` raises :class:`SessionError`, which ends the
process with a non-zero exit so the service manager restarts it. Writes the store refuses (full
disk, another process's lock, a damaged page) never stop playback: events wait in memory
(:class:`library.PendingEvents`, bounded) and the resume state is kept, until a retry succeeds.
"""

from __future__ import annotations

import faulthandler
import io
import logging
import sys
import time
from collections.abc import Callable
from typing import TextIO

from library import DamagedStoreError, Event, PendingEvents, Store, StoreError, save_state

log = logging.getLogger(__name__)

GIVE_UP_S = 30.0
"""A loop step failing on every turn for this long is not survivable."""
LOG_EVERY_S = 60.0
"""A step that fails again and again (works, fails, ...) logs its traceback at most this often."""
HANG_S = 60.0
"""A session loop that has not come round for this long is hung (a call into a library that
never returns): the daemon names it, prints every thread's stack and exits non-zero."""


class SessionError(Exception):
    """The session loop cannot go on; the message says which step failed and why."""


class Heartbeat:
    """When the session loop last came round: :meth:`beat` on each turn (session thread),
    :meth:`silent_s` from any thread (a float read is atomic in CPython)."""

    def __init__(self) -> None:
        self.at = time.monotonic()

    def beat(self) -> None:
        self.at = time.monotonic()

    def silent_s(self) -> float:
        """Seconds since the last turn (monotonic clock)."""
        return time.monotonic() - self.at


def dump_threads(why: str, file: TextIO | None = None) -> None:
    """``why`` and every thread's Python stack on ``file`` (stderr), for a hang's report; never
    raises."""
    out = file if file is not None else sys.stderr
    try:
        print(f"moodplay: {why}; the stacks of all threads follow", file=out, flush=True)
        faulthandler.dump_traceback(file=out, all_threads=True)
    except (OSError, ValueError, io.UnsupportedOperation):
        pass


class Backoff:
    """Delays between retries: ``first_s`` doubling up to ``max_s`` (seconds)."""

    def __init__(self, first_s: float = 0.5, max_s: float = 10.0) -> None:
        self.first_s, self.max_s = first_s, max_s
        self.delay_s = 0.0
        self._next = 0.0

    def due(self) -> bool:
        return time.monotonic() >= self._next

    def failed(self) -> float:
        """Note a failure; the seconds until the next try."""
        self.delay_s = min(self.max_s, self.delay_s * 2 if self.delay_s else self.first_s)
        self._next = time.monotonic() + self.delay_s
        return self.delay_s

    def succeeded(self) -> None:
        self.delay_s, self._next = 0.0, 0.0


class Guard:
    """Runs the loop's steps; a failing step is logged once per streak and reported."""

    def __init__(self, problems: dict[str, str], give_up_s: float = GIVE_UP_S) -> None:
        self.problems, self.give_up_s = problems, give_up_s
        self._since: dict[str, float] = {}
        self._logged: dict[str, float] = {}

    def step(self, name: str, fn: Callable[[], object]) -> None:
        """Run ``fn``; raises :class:`SessionError` when ``name`` has failed on every turn for
        ``give_up_s`` seconds."""
        try:
            fn()
        except Exception as e:
            self._failed(name, e)
        else:
            if self._since.pop(name, None) is not None:
                self.problems.pop(name, None)
                log.debug("session: %s works again", name)

    def _failed(self, name: str, error: Exception) -> None:
        now = time.monotonic()
        since = self._since.setdefault(name, now)
        if since == now and now - self._logged.get(name, -LOG_EVERY_S) >= LOG_EVERY_S:
            self._logged[name] = now
            log.exception("session: %s failed (tried again on each turn; logged at most once a "
                          "minute): %s", name, error)  # fmt: skip
        self.problems[name] = f"{name} failing: {type(error).__name__}: {error}"
        if now - since >= self.give_up_s:
            raise SessionError(
                f"the session's {name} step has failed for {now - since:.0f} s: "
                f"{type(error).__name__}: {error}"
            ) from error


class StoreWriter:
    """The session's writes: listening events (kept until written) and the resume state.

    Every write is tried at once; while the store refuses, later ones wait for the backoff and
    ``problems["store"]`` says why and how many events wait. Call on the session thread only.
    """

    def __init__(self, problems: dict[str, str], events: PendingEvents | None = None) -> None:
        self.problems = problems
        self.events = events if events is not None else PendingEvents()
        self.store: Store | None = None
        self.backoff = Backoff()
        self._state: dict[str, object] | None = None

    def record(self, event: Event) -> None:
        """Keep ``event`` and write it now if the store takes writes; raises
        :class:`StoreError` only when the in-memory bound is reached."""
        self.events.add(event)
        self.flush()

    def save_state(self, state: dict[str, object]) -> None:
        """The latest resume state; written now or with the next successful flush."""
        self._state = state
        self.flush()

    def flush(self, force: bool = False) -> bool:
        """Write what waits if the backoff allows (``force``: now); True when nothing waits."""
        if self.store is None or not (self.events or self._state is not None):
            return True
        if not force and not self.backoff.due():
            return False
        try:
            written = self.events.flush(self.store)
            if self._state is not None:
                save_state(self.store, self._state)
                self._state = None
        except StoreError as e:
            self._failed(e)
            return False
        self._succeeded(written)
        return True

    def _failed(self, error: StoreError) -> None:
        delay = self.backoff.failed()
        first = "store" not in self.problems
        what = "damaged" if isinstance(error, DamagedStoreError) else "refusing writes"
        self.problems["store"] = (
            f"the library database is {what}: {error}; {len(self.events)} listening event(s) "
            f"kept in memory, trying again in {delay:.0f} s"
        )
        if first:
            log.error("session: %s", self.problems["store"])

    def _succeeded(self, written: int) -> None:
        self.backoff.succeeded()
        if self.problems.pop("store", None) is not None:
            log.warning("session: the library database takes writes again (%d events written)",
                        written)  # fmt: skip
