"""Start ``moodplay daemon`` as a subprocess on a private PulseAudio server, any free ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tests.pulse import pulse_server


@dataclass
class Daemon:
    proc: subprocess.Popen[str]
    env: dict[str, str]
    mpd_port: int = 0
    web: str = ""
    """The web page's URL, e.g. http://127.0.0.1:41234/ (empty when the web part is off)."""
    lines: list[str] = field(default_factory=list)

    def stop(self) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=15)


def start(db: Path, env: dict[str, str], *extra: str) -> Daemon:
    proc = subprocess.Popen(
        [sys.executable, "-m", "moodplay", "daemon", "--db", str(db), "--mpd-port", "0",
         "--http-port", "0", *extra],
        stderr=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env={**os.environ, **env},
        errors="replace",  # libVLC's own lines may interleave with ours mid-character
    )  # fmt: skip
    daemon = Daemon(proc, env)
    _wait_ready(daemon)
    return daemon


def _wait_ready(daemon: Daemon) -> None:
    """Read status lines until "ready: MPD on 127.0.0.1:PORT" (the web line comes before)."""
    assert daemon.proc.stderr is not None
    for line in daemon.proc.stderr:
        daemon.lines.append(line)
        if line.startswith("web: http://"):
            daemon.web = line.split(" ", 1)[1].strip()
        if line.startswith("ready: MPD on 127.0.0.1:"):
            daemon.mpd_port = int(line.strip().rsplit(":", 1)[1])
            # Keep reading, so a chatty daemon never blocks on a full pipe.
            threading.Thread(target=daemon.lines.extend, args=(daemon.proc.stderr,),
                             daemon=True).start()  # fmt: skip
            return
    raise AssertionError("daemon never became ready:\n" + "".join(daemon.lines))


NO_QUIET_HOURS = '[context]\nquiet_start = "00:00"\nquiet_end = "00:00"\n'
"""The test daemon's config when a test gives none: no quiet hours (22:00-07:00 caps the
volume at 40 %, so a test of volumes would pass by day and fail by night)."""


@contextmanager
def running(db: Path, folder: Path, *extra: str) -> Iterator[Daemon]:
    """The daemon on ``db`` with a private PulseAudio server and data folder (stored playlists
    go there, not to the user's); without ``--config`` in ``extra``, no quiet hours."""
    folder.mkdir(parents=True, exist_ok=True)
    if "--config" not in extra:
        config = folder / "daemon-config.toml"
        config.write_text(NO_QUIET_HOURS)
        extra = (*extra, "--config", str(config))
    data = {} if "XDG_DATA_HOME" in os.environ else {"XDG_DATA_HOME": str(folder / "data")}
    with pulse_server(folder / "pulse") as env:
        daemon = start(db, {**data, **env}, *extra)
        try:
            yield daemon
        finally:
            daemon.stop()


def mpc(port: int, *args: str, ok: bool = True) -> str:
    """Run the real ``mpc`` against the daemon; stdout (stderr too when ``ok`` is False)."""
    result = subprocess.run(["mpc", "-h", "127.0.0.1", "-p", str(port), *args],
                            capture_output=True, text=True, timeout=20, check=False)  # fmt: skip
    if ok:
        assert result.returncode == 0, result.stderr
        return result.stdout
    assert result.returncode != 0, result.stdout
    return result.stdout + result.stderr


def wait_for(what: Callable[[], Any], timeout_s: float = 10.0) -> Any:
    """``what()`` once it is truthy, asked every 0.05 s; AssertionError after ``timeout_s``."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := what():
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")
