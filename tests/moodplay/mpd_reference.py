"""The real MPD (Debian's ``mpd`` 0.23) as the reference, and a raw line-by-line client."""

from __future__ import annotations

import select
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.moodplay.daemon import mpc


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def real_mpd(music: Path, folder: Path) -> Iterator[int]:
    """Debian's MPD 0.23 on ``music`` with the whole of it queued: null output with a software
    mixer (so setvol works), its own config, database and port in ``folder``; its port.
    Skips the test when ``mpd`` is not installed."""
    if shutil.which("mpd") is None:
        pytest.skip("the real MPD is not installed (apt-get install mpd) to compare against")
    port = _free_port()
    folder.mkdir()
    conf = folder / "mpd.conf"
    conf.write_text(
        f'music_directory "{music}"\ndb_file "{folder / "db"}"\n'
        f'playlist_directory "{folder}"\nbind_to_address "127.0.0.1"\nport "{port}"\n'
        'audio_output {\n type "null"\n name "null"\n mixer_type "software"\n}\n'
    )
    proc = subprocess.Popen(["mpd", "--no-daemon", "--stderr", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
    try:
        for _ in range(100):
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        mpc(port, "update", "--wait")
        mpc(port, "add", "/")
        yield port
    finally:
        proc.terminate()
        proc.wait(timeout=10)


class Raw:
    """One MPD connection spoken line by line, as a client would."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.stream = self.sock.makefile("rwb")
        assert self.stream.readline().startswith(b"OK MPD ")

    def send(self, line: str) -> None:
        self.stream.write(line.encode() + b"\n")
        self.stream.flush()

    def answer(self) -> list[str]:
        """Lines up to and including OK or ACK."""
        lines: list[str] = []
        while True:
            line = self.stream.readline().decode()
            assert line, f"connection closed after {lines}"
            lines.append(line.rstrip("\n"))
            if line == "OK\n" or line.startswith("ACK "):
                return lines

    def ask(self, line: str) -> list[str]:
        self.send(line)
        return self.answer()

    def quiet(self, seconds: float = 0.4) -> bool:
        """True when nothing arrives for that long."""
        return not select.select([self.sock], [], [], seconds)[0]

    def close(self) -> None:
        self.stream.close()
        self.sock.close()


def pairs(lines: list[str]) -> list[tuple[str, str]]:
    """An answer's "key: value" lines (the final OK left out) as pairs."""
    return [(k, v) for k, _, v in (line.partition(": ") for line in lines[:-1])]
