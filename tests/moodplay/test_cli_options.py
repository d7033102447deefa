"""The CLI's options and edges (issue 15): global options before or after the command,
--version, 0 refused, a closed pipe, XDG folders; and a handler's bug answered with a 500."""

from __future__ import annotations

import asyncio
import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from moodplay import Config
from moodplay._cli import _log_level, build_parser
from moodplay._config import data_dir, user_config_path
from moodplay._paths import library_roots
from moodplay.web import HttpServer
from tests.conftest import run_moodplay


@pytest.mark.parametrize(("argv", "db", "config"), [
    (["--db", "a.db", "library", "stats"], "a.db", None),
    (["library", "stats", "--db", "b.db"], "b.db", None),
    (["--db", "a.db", "say", "--db", "b.db", "hi"], "b.db", None),  # after the command wins
    (["--config", "c.toml", "daemon"], None, Path("c.toml")),
    (["--config", "c.toml", "daemon", "--config", "d.toml"], None, Path("d.toml")),
    (["queue"], None, None),
])  # fmt: skip
def test_global_options_before_or_after_the_command(argv: list[str], db: str | None,
                                                    config: Path | None) -> None:  # fmt: skip
    args = build_parser().parse_args(argv)
    assert (args.db, args.config, args.verbose) == (db, config, False)
    assert build_parser().parse_args(["-v", *argv]).verbose


def test_config_before_the_command_is_read(tmp_path: Path) -> None:
    result = run_moodplay("--config", str(tmp_path / "missing.toml"), "queue")
    assert result.returncode == 1 and "missing.toml" in result.stderr


def test_version_and_zero_tracks() -> None:
    version = run_moodplay("--version")
    assert version.returncode == 0 and version.stdout.startswith("moodplay 0.")
    zero = run_moodplay("queue", "--n", "0")
    assert zero.returncode == 2 and "--n: 0: use 1 or more" in zero.stderr


def test_log_levels() -> None:
    parse = build_parser().parse_args
    assert _log_level(parse(["daemon"])) == logging.INFO
    assert _log_level(parse(["daemon", "-q"])) == logging.WARNING
    assert _log_level(parse(["queue"])) == logging.WARNING
    assert _log_level(parse(["-v", "queue"])) == logging.DEBUG


def test_a_closed_pipe_ends_quietly() -> None:
    """``moodplay models list | head -1``: no BrokenPipeError traceback, 141 as SIGPIPE."""
    proc = subprocess.Popen([sys.executable, "-m", "moodplay", "models", "list"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it writes: it starts in ~0.3 s
    err = proc.stderr.read().decode()
    assert (proc.wait(timeout=30), err) == (141, "")


def test_xdg_folders(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setenv("XDG_CONFIG_HOME", "relative/config")
    monkeypatch.setenv("XDG_DATA_HOME", "relative/data")
    assert user_config_path() == tmp_path / ".config/moodplay/config.toml"
    assert data_dir() == tmp_path / ".local/share/moodplay"
    (tmp_path / ".config").mkdir()
    (tmp_path / ".config/user-dirs.dirs").write_text(
        '# written by xdg-user-dirs-update\nXDG_DESKTOP_DIR="$HOME/Schreibtisch"\n'
        'XDG_MUSIC_DIR="$HOME/Musik"\n'
    )
    (tmp_path / "Music").mkdir()
    assert library_roots(Config()) == [str(tmp_path / "Music")]  # Musik not there yet
    (tmp_path / "Musik").mkdir()
    assert library_roots(Config()) == [str(tmp_path / "Musik")]
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "elsewhere"))
    assert library_roots(Config()) == [str(tmp_path / "Music")]  # no user-dirs.dirs there


class BrokenSession:
    """A session whose text parser has a bug: the server must answer 500, not hang up."""

    def __init__(self, db: Path) -> None:
        self.db = db

    def parse_text(self, text: str) -> object:
        raise IndexError("list index out of range")


def test_a_handler_bug_is_a_500_with_the_traceback_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def scenario() -> tuple[int, dict[str, str], str]:
        server = HttpServer(BrokenSession(tmp_path / "x.db"), port=0)  # type: ignore[arg-type]
        port = await server.start()
        noted = json.loads((tmp_path / "x.db.web").read_text())["url"]
        req = urllib.request.Request(f"http://127.0.0.1:{port}/api/say", method="POST",
                                     data=b'{"text": "volume 150"}',
                                     headers={"Content-Type": "application/json"})  # fmt: skip

        def post() -> tuple[int, dict[str, str]]:
            try:
                urllib.request.urlopen(req, timeout=10)
            except urllib.error.HTTPError as e:
                return e.code, json.loads(e.read())
            raise AssertionError("no error status")

        try:
            status, body = await asyncio.get_running_loop().run_in_executor(None, post)
        finally:
            await server.close()
        assert not (tmp_path / "x.db.web").exists()
        return status, body, noted

    with caplog.at_level(logging.ERROR, "moodplay.web"):
        status, body, noted = asyncio.run(scenario())
    assert noted.startswith("http://127.0.0.1:")
    assert status == 500 and body == {
        "error": "internal error: IndexError (the daemon's log has the details)"}  # fmt: skip
    failed = [r for r in caplog.records if "POST /api/say failed" in r.getMessage()]
    assert failed and failed[0].exc_info and failed[0].exc_info[0] is IndexError
