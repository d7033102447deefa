"""Log lines that may repeat thousands of times a second (refused connections, accept errors)
written at most once per interval, with a count of those left out."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable


class RateLimitedLog:
    """``warn(*args)`` logs ``message % args`` at most once per ``interval_s`` seconds; the
    next line says how many were left out in between."""

    def __init__(self, logger: logging.Logger, message: str, interval_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:  # fmt: skip
        self.logger, self.message, self.interval_s, self.clock = logger, message, interval_s, clock
        self._last = -float("inf")
        self.skipped = 0

    def warn(self, *args: object, exc_info: bool = False) -> bool:
        """True when this one was written."""
        now = self.clock()
        if now - self._last < self.interval_s:
            self.skipped += 1
            return False
        suffix = f" ({self.skipped} more like it not logged)" if self.skipped else ""
        self.logger.warning(self.message + suffix, *args, exc_info=exc_info)
        self._last, self.skipped = now, 0
        return True
