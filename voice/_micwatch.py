"""Keeping the microphone stream alive for months: reopened with backoff when it stops
delivering, and its capture source checked, each change logged once and reported.

A live capture stream delivers blocks (even of silence) all the time; none for SILENT_S means
the device or the sound server went away. Reopening is tried after 1 s, then twice as long each
time up to every 60 s, with one log line when the microphone is lost and one when it is back.
While it delivers, the PulseAudio source it records from is checked every SOURCE_EVERY_S: a
monitor (PulseAudio's fallback when the microphone disappears) is a problem to report.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Protocol

from voice._source import CaptureSource, capture_source

log = logging.getLogger(__name__)

SILENT_S = 2.0
FIRST_RETRY_S = 1.0
MAX_RETRY_S = 60.0
SOURCE_EVERY_S = 10.0


class Reopenable(Protocol):
    name: str

    def reopen(self) -> bool: ...


class MicWatch:
    """Call ``heard()`` for each block and ``tick()`` whenever blocks pause (the voice
    thread's loop). ``report(problem)`` is told each change: a problem, or "" when there is
    none; ``source`` is the capture source last seen (None until known)."""

    def __init__(
        self, mic: Reopenable, report: Callable[[str], None],
        clock: Callable[[], float] = time.monotonic,
        find_source: Callable[[], CaptureSource | None] = capture_source,
    ) -> None:  # fmt: skip
        self.mic, self.report, self.clock, self.find_source = mic, report, clock, find_source
        self.lost = False
        self.attempts = 0
        """Reopen attempts since the microphone was lost."""
        self.source: CaptureSource | None = None
        now = clock()
        self._heard_at, self._retry_at, self._retry_s, self._source_at = now, now, 0.0, now

    def heard(self) -> None:
        self._heard_at = self.clock()

    def tick(self) -> None:
        now = self.clock()
        if not self.lost and now - self._heard_at > SILENT_S:
            self._lose(now)
        if self.lost and now >= self._retry_at:
            self._retry(now)
        if not self.lost and now >= self._source_at:
            self._source_at = now + SOURCE_EVERY_S
            self._check_source()

    def _lose(self, now: float) -> None:
        self.lost, self.attempts = True, 0
        self._retry_s, self._retry_at = FIRST_RETRY_S, now + FIRST_RETRY_S
        log.warning("microphone: no audio for %.0f s; reopening it after %.0f s, then less "
                    "often (up to every %.0f s)", SILENT_S, FIRST_RETRY_S, MAX_RETRY_S)  # fmt: skip
        self.report(f"microphone {self.mic.name!r} delivers no audio (reopening with backoff)")

    def _retry(self, now: float) -> None:
        self.attempts += 1
        if not self.mic.reopen():
            self._retry_s = min(MAX_RETRY_S, self._retry_s * 2)
            self._retry_at = now + self._retry_s
            return
        log.warning("microphone: %r is back after %d attempt(s)", self.mic.name, self.attempts)
        self.lost, self._heard_at, self._source_at = False, now, now
        self.report("")

    def _check_source(self) -> None:
        source = self.find_source()
        if source is None or source == self.source:
            return
        self.source = source
        if source.monitor_of:
            log.warning("microphone: %s", source.describe())
            self.report(source.describe())
        else:
            log.info("microphone: %s", source.describe())
            self.report("")

    def retry_in_s(self) -> float:
        """Seconds until the next reopen attempt (0 while the microphone delivers)."""
        return max(0.0, self._retry_at - self.clock()) if self.lost else 0.0
