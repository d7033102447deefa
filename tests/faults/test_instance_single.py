"""One daemon per database (issue 11, finding 8), and clear errors for its own bad files
(finding 7: a config file that is not UTF-8)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from tests.conftest import run_moodplay
from tests.faults.conftest import status, until
from tests.moodplay.daemon import running, start
from tests.pulse import pulse_server


def _second(db: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "moodplay", "daemon", "--db", str(db), "--mpd-port", "0",
         "--http-port", "0", "--no-voice"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env}, check=False,
    )  # fmt: skip


def test_a_second_daemon_on_the_same_database_exits_naming_the_first(
    db: Path, tmp_path: Path
) -> None:
    with running(db, tmp_path, "--no-voice") as first:
        second = _second(db, first.env)
        assert second.returncode == 1, second.stderr
        assert (
            f"another moodplay process (pid {first.proc.pid}, `moodplay daemon`)" in second.stderr
        )
        assert "Traceback" not in second.stderr and "ready" not in second.stderr
        assert status(first.web)["state"] in ("pause", "stop")  # the first one is untouched
        first.proc.send_signal(signal.SIGKILL)  # the kernel drops the lock with the process
        first.proc.wait(timeout=10)
        third = start(db, first.env, "--no-voice")
        try:
            assert status(third.web)["state"] in ("pause", "stop")
        finally:
            assert third.stop() == 0


def test_other_databases_are_not_locked_out(db: Path, tmp_path: Path) -> None:
    other = tmp_path / "other" / "library.db"
    other.parent.mkdir()
    other.write_bytes(db.read_bytes())
    with pulse_server(tmp_path / "pulse") as env:
        a, b = start(db, env, "--no-voice"), start(other, env, "--no-voice")
        try:
            until(lambda: status(a.web) and status(b.web), what="both answer")
        finally:
            assert a.stop() == 0 and b.stop() == 0


def test_a_config_file_that_is_not_utf8_is_named_with_the_byte_offset(
    db: Path, tmp_path: Path
) -> None:
    raw = "[player]\ncrossfade_s = 2.0\n# café au lait\n".encode("latin-1")
    config = tmp_path / "config.toml"
    config.write_bytes(raw)
    result = run_moodplay("library", "stats", "--config", str(config), "--db", str(db))
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    offset = raw.index(b"\xe9")
    assert f"config {config}" in result.stderr
    assert f"not UTF-8 text: byte 0xe9 at offset {offset}" in result.stderr, result.stderr
