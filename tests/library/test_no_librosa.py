"""A Raspberry Pi install needs neither librosa nor numba: the scan path never imports them.

The test environment has both installed (the parity tests use vibenet's own pipeline), so the
scan runs in a subprocess with stand-ins for them first on PYTHONPATH. Any import, in the main
process or in a worker process, leaves a mark.
"""

from __future__ import annotations

import os
from pathlib import Path

from tests.conftest import REPO, corpus_files, run_moodplay

POISON = """
import os, pathlib
pathlib.Path(os.environ["MOODPLAY_IMPORT_MARKS"], "{name}").write_text("imported")
raise ImportError("{name} must not be imported on the scan path")
"""


def test_scan_imports_neither_librosa_nor_numba(tmp_path: Path) -> None:
    poison = tmp_path / "poison"
    marks = tmp_path / "marks"
    marks.mkdir()
    for name in ("librosa", "numba", "scipy", "torch"):
        (poison / name).mkdir(parents=True)
        (poison / name / "__init__.py").write_text(POISON.format(name=name))
    music = tmp_path / "music"
    music.mkdir()
    for src in corpus_files()[:3]:
        (music / src.name).symlink_to(src)
    env = {
        "PYTHONPATH": os.pathsep.join([str(poison), str(REPO)]),
        "MOODPLAY_IMPORT_MARKS": str(marks),
    }
    result = run_moodplay(
        "scan", "--plain", "--jobs", "2", "--db", str(tmp_path / "lib.db"), str(music), env=env
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 analysed" in result.stdout and "0 failed" in result.stdout
    assert sorted(p.name for p in marks.iterdir()) == []
