"""Real clients that idle all the time, against moodplay and the real MPD 0.23 side by side:
``mpc idleloop`` while hundreds of changes happen, and python-mpd2's sync and asyncio clients
(Home Assistant's MPD integration uses the asyncio one) looping idle -> command 1,000 times.

Each change must be reported once, with MPD's subsystem for it: mixer for a volume, options for
repeat, player for pause/play/next, playlist for a queue edit. ``next`` also tells playlist
exactly when the queue's version moved (moodplay drops the played track from its queue; MPD
keeps it), which is what MPD's own rule says.
"""

from __future__ import annotations

import asyncio
import os
import select
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, pairs

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_clients_idle"), NAMES, seconds=20)


def _playing(status: dict[str, str]) -> tuple[str, str | None]:
    """The state and the song playing or paused (stopped, "songid" is only where play starts)."""
    return status["state"], status.get("songid") if status["state"] != "stop" else None


@dataclass
class Changer:
    """Makes the i-th change of a fixed cycle on its own connection; what idle must say."""

    port: int
    raw: Raw = field(init=False)
    added: str | None = None
    """The id of the entry the last queue change added (the next one deletes it)."""

    def __post_init__(self) -> None:
        self.raw = Raw(self.port)
        self.raw.ask("play")
        time.sleep(0.3)  # MPD tells "player" for a play a moment later: let it pass

    def status(self) -> dict[str, str]:
        return dict(pairs(self.raw.ask("status")))

    def change(self, i: int, nexts: int = 6) -> set[str]:
        """The i-th change; the subsystems it must be reported under. MPD's rule: playlist
        exactly when the queue's version (status "playlist") moved, player when the state or
        the song moved (in moodplay an added song is next, so deleting it may stop it)."""
        before = self.status()
        want = self._make(i % nexts, i, before)
        after = self.status()
        if after["playlist"] != before["playlist"]:
            want.add("playlist")
        if _playing(after) != _playing(before):  # e.g. the entry deleted was playing
            want.add("player")
        return want

    def _make(self, kind: int, i: int, status: dict[str, str]) -> set[str]:
        if kind in (1, 4):
            self._ok(f"setvol {20 + i % 60}")
            return {"mixer"}
        if kind == 2:  # a toggle: setting what is already set changes nothing
            self._ok(f"repeat {1 - int(status['repeat'])}")
            return {"options"}
        if kind == 3:
            return self._queue()
        if status["state"] == "stop":  # (next at the end of the queue stops, repeat off)
            if self.raw.ask("play")[-1].startswith("ACK [50@0]"):
                # moodplay with every track of this small library just played: this turn adds
                # one (a playlist change), the next turn plays it
                self._ok(f'add "{NAMES[i % len(NAMES)]}.ogg"')
                return set()
        elif kind == 0:
            self._ok("next")
        else:
            self._ok(f"pause {int(status['state'] == 'play')}")
        return {"player"}

    def _queue(self) -> set[str]:
        """Add a song that is not playing, or delete the entry added last time."""
        if self.added is None:
            playing = dict(pairs(self.raw.ask("currentsong"))).get("file")
            song = next(f"{n}.ogg" for n in NAMES if f"{n}.ogg" != playing)
            answer = self.raw.ask(f'addid "{song}"')
            self.added = dict(pairs(answer))["Id"]
        else:
            self._ok(f"deleteid {self.added}")
            self.added = None
        return {"playlist"}

    def _ok(self, line: str) -> None:
        answer = self.raw.ask(line)
        assert answer[-1] == "OK", (line, answer)

    def close(self) -> None:
        self.raw.close()


@pytest.fixture
def changer(server: int) -> Iterator[Changer]:
    c = Changer(server)
    yield c
    c.close()


class Lines:
    """A pipe's lines read with a deadline. select() on the pipe and a buffered readline do
    not mix: one read may take two of mpc's lines, and select then sees none left."""

    def __init__(self, fd: int) -> None:
        self.fd, self.buffer = fd, b""

    def next(self, timeout_s: float) -> str | None:
        """The next line (without its newline), or None when none came within ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self.buffer:
            left = deadline - time.monotonic()
            if left <= 0 or not select.select([self.fd], [], [], left)[0]:
                return None
            chunk = os.read(self.fd, 4096)
            if not chunk:
                return None
            self.buffer += chunk
        line, self.buffer = self.buffer.split(b"\n", 1)
        return line.decode().strip()


SETTLE_S = 0.3
"""After a change is told, what else comes within this long belongs to it (MPD tells "player"
again when the decoder has started the song, ~0.1 s after play/next)."""


def idleloop(changer: Changer, changes: int, pace_s: float) -> list[tuple[set[str], list[str]]]:
    """``mpc idleloop`` while ``changes`` changes happen ``pace_s`` apart; per change, what it
    wanted and what mpc printed. The loop must stay connected throughout."""
    port = changer.port
    loop = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(port), "idleloop"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    assert loop.stdout is not None
    out = Lines(loop.stdout.fileno())
    seen: list[tuple[set[str], list[str]]] = []
    try:
        time.sleep(0.5)  # mpc connects and starts idling
        for i in range(1, changes + 1):
            want = changer.change(i)
            lines: list[str] = []
            while not want <= set(lines):
                line = out.next(10)
                assert line is not None, (i, want, lines, seen[-3:])
                lines.append(line)
            while (line := out.next(SETTLE_S)) is not None:  # anything told late
                lines.append(line)
            seen.append((want, lines))
            time.sleep(pace_s)
        assert loop.poll() is None, loop.stderr.read() if loop.stderr else ""
    finally:
        loop.terminate()
        loop.wait(timeout=5)
    return seen


def _wrong(seen: list[tuple[set[str], list[str]]]) -> list[tuple[int, set[str], list[str]]]:
    """Changes told otherwise than once each; a second "player" after a player change is MPD's
    own (the decoder starting) and allowed."""
    return [(i, want, got) for i, (want, got) in enumerate(seen, 1) if not _once(want, got)]


def _once(want: set[str], got: list[str]) -> bool:
    late_player = "player" in want and got.count("player") == 2
    return set(got) == want and len(got) == len(want) + late_player


def test_mpc_idleloop_reports_each_change_once(changer: Changer) -> None:
    seen = idleloop(changer, changes=30, pace_s=0.0)
    assert not _wrong(seen), _wrong(seen)
    assert {s for want, _ in seen for s in want} == {"mixer", "options", "player", "playlist"}


@pytest.mark.slow
def test_mpc_idleloop_for_a_minute(daemon: Daemon) -> None:
    """100 changes over 30 s on moodplay, 200 over a minute with `MOODPLAY_IDLELOOP_CHANGES=200`
    (the suite's time: it took 121 s on a loaded CI-like machine); the 30-change test above runs
    the same cycle against MPD as well."""
    changes = int(os.environ.get("MOODPLAY_IDLELOOP_CHANGES", "100"))
    changer = Changer(daemon.mpd_port)
    seen = idleloop(changer, changes=changes, pace_s=0.3)
    changer.close()
    assert len(seen) == changes and not _wrong(seen), _wrong(seen)


ITERATIONS = {"moodplay": 100, "mpd": 50}
"""Turns per client (the issue asks for 1,000 on moodplay: `MOODPLAY_IDLE_TURNS=1000` runs
them; 100 keep the suite's time). MPD checks the same cycle in fewer: its play/next take
~0.1 s each."""

COMMANDS = ("status", "currentsong", "setvol")
"""What the idling client sends itself after each idle (as Home Assistant's does)."""


def _turns(request: pytest.FixtureRequest) -> int:
    server = request.node.callspec.params["server"]
    return int(os.environ.get("MOODPLAY_IDLE_TURNS", ITERATIONS[server]))


def _only_mixer(got: list[str] | set[str]) -> bool:
    """The client's own setvol: mixer; MPD may add a late "player" from the decoder starting
    after a play/next (it tells player again when the song really starts)."""
    return "mixer" in got and set(got) <= {"mixer", "player"}


@pytest.mark.slow
def test_python_mpd2_idle_then_a_command_1000_times(
    changer: Changer, request: pytest.FixtureRequest
) -> None:
    import mpd

    watcher = mpd.MPDClient()
    watcher.timeout = 10
    watcher.connect("127.0.0.1", changer.port)
    wrong: list[tuple[int, set[str], set[str]]] = []
    with ThreadPoolExecutor(1) as pool:
        for i in range(1, _turns(request) + 1):
            waiting = pool.submit(watcher.idle)
            want = changer.change(i, nexts=50)
            try:
                got = set(waiting.result(timeout=10))
            except TimeoutError:
                raise AssertionError(f"change {i}: idle never told {want}") from None
            while got < want:  # two subsystems may come in two answers
                got |= set(watcher.idle())
            if got != want:
                wrong.append((i, want, got))
            name = COMMANDS[i % len(COMMANDS)]
            if name == "setvol":  # its own change is reported to its own next idle
                watcher.setvol(10 + i % 7)
                own = watcher.idle()
                assert _only_mixer(own), (i, own)
            else:
                assert isinstance(getattr(watcher, name)(), dict)
    watcher.close()
    assert not wrong, wrong[:10]


@pytest.mark.slow
def test_python_mpd2_asyncio_idle_then_a_command_1000_times(
    changer: Changer, request: pytest.FixtureRequest
) -> None:
    """The asyncio client idles all the time and sends noidle before each command."""
    from mpd.asyncio import MPDClient

    async def scenario() -> list[tuple[int, set[str], set[str]]]:
        watcher = MPDClient()
        await watcher.connect("127.0.0.1", changer.port)
        changed: asyncio.Queue[list[str]] = asyncio.Queue()

        async def watch() -> None:
            async for subsystems in watcher.idle():
                await changed.put(subsystems)

        async def collect(want: set[str], i: int) -> set[str]:
            got: set[str] = set()
            while not want <= got:
                try:
                    got |= set(await asyncio.wait_for(changed.get(), 10))
                except TimeoutError:
                    raise AssertionError(f"change {i}: idle told {got}, not {want}") from None
            return got

        watching = asyncio.create_task(watch())
        wrong = []
        for i in range(1, _turns(request) + 1):
            want = changer.change(i, nexts=50)  # blocking, on its own connection
            got = await collect(want, i)
            if got != want:
                wrong.append((i, want, got))
            name = COMMANDS[i % len(COMMANDS)]
            if name == "setvol":
                await watcher.setvol(10 + i % 7)
                own = await collect({"mixer"}, i)
                assert _only_mixer(own), (i, own)
            else:
                assert isinstance(await getattr(watcher, name)(), dict)
        await asyncio.sleep(0.3)
        assert changed.empty(), f"more than was changed: {changed.get_nowait()}"
        watching.cancel()
        watcher.disconnect()
        return wrong

    wrong = asyncio.run(scenario())
    assert not wrong, wrong[:10]
