from __future__ import annotations

import io
import time

from library import ScanProgress
from moodplay._progress import ProgressReporter


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_terminal_gets_one_redrawn_bar_with_count_rate_and_eta() -> None:
    out = _Terminal()
    reporter = ProgressReporter(out)
    started = time.monotonic() - 2.0  # two tracks in two seconds: 1.0/s, 8 left -> ETA 8 s
    reporter(ScanProgress(1, 10, "/m/a.ogg", True, started))
    reporter(ScanProgress(2, 10, "/m/b.ogg", True, started))
    reporter.close()
    text = out.getvalue()
    assert text.count("\r") == 2 and text.endswith("\n")
    last = text.split("\r")[-1]
    assert "[####" in last and "2/10" in last and "1.0/s" in last and "ETA 0:00:08" in last
    assert "b.ogg" in last


def test_pipes_and_logs_get_plain_lines() -> None:
    out = io.StringIO()
    reporter = ProgressReporter(out)
    reporter(ScanProgress(3, 4, "/m/bad.mp3", False, time.monotonic() - 1.0))
    reporter.close()
    assert out.getvalue().startswith("[3/4] FAILED /m/bad.mp3 (")
    assert "\r" not in out.getvalue()
