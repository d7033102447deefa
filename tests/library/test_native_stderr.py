"""C libraries' notes on stderr (mpg123's "Xing stream size off") stay out of the progress
output of a scan and go to the log at debug level; Python's own stderr still gets through."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

from tests.conftest import run_moodplay
from tests.library import oddfiles

XING_NOTE = "Xing stream size off"


def test_mpg123_notes_do_not_reach_the_scan_output(tmp_path: Path) -> None:
    music = tmp_path / "music"
    music.mkdir()
    oddfiles.truncated_old(music)  # mpg123 warns about its Xing size in every decoder open
    quiet = run_moodplay("scan", "--plain", "--db", str(tmp_path / "a.db"), str(music))
    assert quiet.returncode == 0, quiet.stderr
    assert "[1/1] FAILED" in quiet.stderr
    assert XING_NOTE not in quiet.stderr + quiet.stdout
    verbose = run_moodplay("-v", "scan", "--plain", "--db", str(tmp_path / "b.db"), str(music))
    notes = [line for line in verbose.stderr.splitlines() if XING_NOTE in line]
    assert notes and all(n.startswith("DEBUG library.native: Warning: Xing") for n in notes)


def test_python_stderr_and_tracebacks_still_get_through() -> None:
    code = textwrap.dedent("""
        import logging, os, sys, time
        from library._stderr import capture_native_stderr
        capture_native_stderr(logging.DEBUG)
        os.write(2, b"note from C\\n")
        print("python print", file=sys.stderr)
        logging.getLogger("x").warning("a warning")
        time.sleep(0.2)  # the reader thread forwards the C note
        raise RuntimeError("boom")
    """)
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=root, timeout=60, check=False)  # fmt: skip
    lines = done.stderr.splitlines()
    assert "DEBUG library.native: note from C" in lines
    assert "python print" in lines
    assert "WARNING x: a warning" in lines
    assert "RuntimeError: boom" in lines and "Traceback (most recent call last):" in lines
