"""Scan workers run only when nothing else wants the CPU (SCHED_IDLE, as MPD's update): a scan
beside the daemon must not starve the music's callback or the listener."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

CHECK = """
import os, threading
from library._scan import _in_the_background
_in_the_background()
seen = []
t = threading.Thread(target=lambda: seen.append(os.sched_getscheduler(0)))  # ONNX's threads
t.start(); t.join()
print(os.sched_getscheduler(0) == os.SCHED_IDLE, seen[0] == os.SCHED_IDLE)
"""


@pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="Linux scheduling policy")
def test_a_scan_worker_and_its_threads_run_at_idle_priority() -> None:
    out = subprocess.run([sys.executable, "-c", CHECK], capture_output=True, text=True,
                         check=True)  # fmt: skip
    assert out.stdout.split() == ["True", "True"]


def test_the_workers_are_put_in_the_background_before_they_start_analysing() -> None:
    import inspect

    from library import _scan

    body = inspect.getsource(_scan._init_worker)
    assert body.index("_in_the_background()") < body.index("Analyser(settings)")
