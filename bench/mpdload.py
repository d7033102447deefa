"""A raw-socket MPD client and a many-client load, for bench/daemon.py.

Each load client is a thread with its own connection, sending one command at a time (as mpc
and ncmpcpp do) drawn from a fixed mix; an ACK, a dropped connection or a time-out is an error.
"""

from __future__ import annotations

import random
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

TIMEOUT_S = 10.0
MIX = ("status", "currentsong", "playlistinfo", "setvol", "sendmessage", "ping")


class MpdError(Exception):
    """An ACK from the server, with the command that got it."""


class MpdClient:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.sock = socket.create_connection((host, port), timeout=TIMEOUT_S)
        self.reader = self.sock.makefile("rb")
        banner = self.reader.readline()
        if not banner.startswith(b"OK MPD "):
            raise MpdError(f"not an MPD server: {banner!r}")

    def __enter__(self) -> MpdClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self.reader.close()
        self.sock.close()

    def command(self, line: str) -> dict[str, str]:
        """Send one command; its answer as a dict (the last value of a repeated key wins)."""
        self.sock.sendall(line.encode() + b"\n")
        answer: dict[str, str] = {}
        while raw := self.reader.readline():
            text = raw.decode().rstrip("\n")
            if text == "OK":
                return answer
            if text.startswith("ACK "):
                raise MpdError(f"{line}: {text}")
            key, _, value = text.partition(": ")
            answer[key] = value
        raise ConnectionError(f"{line}: the server closed the connection")


def answers(port: int) -> bool:
    """The MPD port accepts a connection and answers ping."""
    try:
        with MpdClient(port) as client:
            client.command("ping")
    except (OSError, MpdError):
        return False
    return True


@dataclass
class LoadResult:
    seconds: float = 0.0
    done: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    latencies_ms: list[float] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @property
    def per_s(self) -> float:
        return sum(self.done.values()) / self.seconds if self.seconds else 0.0

    def add(self, name: str, ms: float | None, error: str | None) -> None:
        with self.lock:
            if error is None and ms is not None:
                self.done[name] += 1
                self.latencies_ms.append(ms)
            else:
                self.errors[f"{name}: {error}"] += 1


def _line(name: str, rng: random.Random) -> str:
    if name == "setvol":
        return f"setvol {rng.randint(40, 90)}"
    if name == "sendmessage":
        return 'sendmessage moodplay "why"'
    return name


def _client(port: int, seed: int, until: float, result: LoadResult,
            mix: tuple[str, ...] = MIX) -> None:  # fmt: skip
    rng = random.Random(seed)
    try:
        client = MpdClient(port)
    except (OSError, MpdError) as e:
        result.add("connect", None, type(e).__name__)
        return
    with client:
        while time.monotonic() < until:
            name = rng.choice(mix)
            start = time.perf_counter()
            try:
                client.command(_line(name, rng))
            except MpdError as e:
                result.add(name, None, str(e).split(": ", 1)[1])
            except OSError as e:  # a dropped connection ends this client
                result.add(name, None, type(e).__name__)
                return
            else:
                result.add(name, (time.perf_counter() - start) * 1000, None)


def run_load(port: int, clients: int, seconds: float, every_second: Callable[[float], None],
             mix: tuple[str, ...] = MIX) -> LoadResult:  # fmt: skip
    """``clients`` connections for ``seconds``, each sending commands drawn from ``mix``;
    ``every_second(elapsed)`` is called meanwhile."""
    result = LoadResult()
    start = time.monotonic()
    threads = [threading.Thread(target=_client, args=(port, i, start + seconds, result, mix),
                                name=f"mpd-client-{i}") for i in range(clients)]  # fmt: skip
    for thread in threads:
        thread.start()
    while (elapsed := time.monotonic() - start) < seconds:
        every_second(elapsed)
        time.sleep(min(1.0, max(seconds - elapsed, 0.0)))
    for thread in threads:
        thread.join(timeout=TIMEOUT_S + 5)
    result.seconds = time.monotonic() - start
    every_second(result.seconds)
    return result
