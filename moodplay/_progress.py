"""Scan progress: a one-line bar with count, rate and ETA on a terminal; log lines otherwise."""

from __future__ import annotations

import os
import shutil
import sys
import time
from typing import TextIO

from library import ScanProgress


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds))
    return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class ProgressReporter:
    def __init__(self, stream: TextIO = sys.stderr, force_plain: bool = False) -> None:
        self.stream = stream
        self.tty = stream.isatty() and not force_plain
        self._drawn = False

    def __call__(self, p: ScanProgress) -> None:
        elapsed = max(time.monotonic() - p.started, 1e-6)
        rate = p.done / elapsed
        eta = (p.total - p.done) / rate if rate > 0 else 0.0
        name = os.path.basename(p.path)
        status = "ok" if p.ok else "FAILED"
        if not self.tty:
            print(
                f"[{p.done}/{p.total}] {status} {p.path} ({rate:.2f} tracks/s, ETA {_clock(eta)})",
                file=self.stream,
                flush=True,
            )
            return
        width = shutil.get_terminal_size((80, 20)).columns
        bar_width = 24
        filled = int(bar_width * p.done / max(p.total, 1))
        bar = "#" * filled + "-" * (bar_width - filled)
        line = f"[{bar}] {p.done}/{p.total} {rate:.1f}/s ETA {_clock(eta)} {name}"
        self.stream.write("\r" + line[: width - 1].ljust(width - 1))
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        if self._drawn:
            self.stream.write("\n")
            self.stream.flush()
