"""MPD idle as MPD 0.23 does it (issue 10, items 1 and 2), over loopback, with python-mpd2, the
real ``mpc`` and, where Debian's ``mpd`` is installed, the real MPD side by side."""

from __future__ import annotations

import select
import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, mpc
from tests.moodplay.mpd_reference import Raw, real_mpd

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph")


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("mpd_idle"), NAMES, seconds=20)


@pytest.fixture
def moodplay_port(daemon: Daemon) -> int:
    return daemon.mpd_port


@pytest.fixture
def reference(library_db: Path, tmp_path: Path) -> Iterator[int]:
    with real_mpd(library_db.parent / "music", tmp_path / "mpd") as port:
        yield port


def idle_transcript(port: int) -> list[object]:
    """The same lines sent to moodplay and to MPD; what each idle answered."""
    watcher, actor = Raw(port), Raw(port)
    out: list[object] = []
    actor.ask("play")
    time.sleep(0.5)
    watcher.send("noidle")  # outside idle: no answer at all
    out.append(watcher.ask("ping"))
    out.append(watcher.ask("idle foo"))
    watcher.ask("idle")  # the play above was pending: answered at once
    for command, idle in (("setvol 40", "idle"), ("repeat 1", "idle"), ("single 1", "idle"),
                          ("repeat 0", "idle options"), ("pause 1", "idle player"),
                          ("setvol 50", "idle mixer")):  # fmt: skip
        watcher.send(idle)
        assert watcher.quiet(0.3)  # nothing changed yet: still waiting
        actor.ask(command)
        out.append((command, idle, watcher.answer()))
    watcher.send("idle options")  # a change it did not ask for does not end it
    actor.ask("setvol 60")
    out.append(("setvol 60", "idle options", watcher.quiet()))
    out.append(watcher.ask("noidle"))
    actor.ask("setvol 70")  # pending across commands: the next idle answers at once
    out.append(watcher.ask("status")[-1])
    out.append(watcher.ask("idle"))
    watcher.send("idle")
    watcher.send("status")  # anything but noidle during idle: MPD closes the connection
    out.append(watcher.stream.readline())
    watcher.close()
    actor.close()
    return out


EXPECTED = [
    ["OK"],
    ["ACK [2@0] {idle} Unrecognized idle event: foo"],
    ("setvol 40", "idle", ["changed: mixer", "OK"]),
    ("repeat 1", "idle", ["changed: options", "OK"]),
    ("single 1", "idle", ["changed: options", "OK"]),
    ("repeat 0", "idle options", ["changed: options", "OK"]),
    ("pause 1", "idle player", ["changed: player", "OK"]),
    ("setvol 50", "idle mixer", ["changed: mixer", "OK"]),
    ("setvol 60", "idle options", True),
    ["OK"],
    "OK",
    ["changed: mixer", "OK"],
    b"",
]
"""What the real MPD 0.23 answered (checked side by side in ``test_same_idle_as_mpd``)."""


def test_idle_answers_as_mpd_does(moodplay_port: int) -> None:
    assert idle_transcript(moodplay_port) == EXPECTED


def test_same_idle_as_mpd(reference: int) -> None:
    assert idle_transcript(reference) == EXPECTED


def test_python_mpd2_idle_then_commands_in_a_loop(moodplay_port: int) -> None:
    """The connection survives every idle that a change ends (it used to die each time)."""
    import mpd

    watcher, actor = mpd.MPDClient(), mpd.MPDClient()
    watcher.timeout = actor.timeout = 10
    watcher.connect("127.0.0.1", moodplay_port)
    actor.connect("127.0.0.1", moodplay_port)
    pool = ThreadPoolExecutor(1)
    for i in range(50):
        waiting = pool.submit(watcher.idle)
        time.sleep(0.02 * (i % 3))  # the change comes before, while or after idle starts
        volume = 10 + i % 30  # under the quiet-hours cap (40 %), whatever the hour
        actor.setvol(volume)
        assert waiting.result(timeout=10) == ["mixer"]
        assert watcher.status()["volume"] == str(volume)
        assert watcher.currentsong() is not None
        if i % 10 == 0:
            actor.repeat(1 - i % 20 // 10)
            assert watcher.idle() == ["options"]
    watcher.setvol(5)  # its own change is pending for its next idle
    assert watcher.idle() == ["mixer"]
    watcher.close()
    actor.close()
    pool.shutdown()


def test_mpc_idleloop_reports_every_change_without_disconnecting(moodplay_port: int) -> None:
    loop = subprocess.Popen(["mpc", "-h", "127.0.0.1", "-p", str(moodplay_port), "idleloop"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(0.5)
        seen = []
        assert loop.stdout is not None
        for i in range(10):
            if i % 2:
                mpc(moodplay_port, "volume", str(30 + i))
                want = "mixer"
            else:
                mpc(moodplay_port, "repeat")
                want = "options"
            ready = select.select([loop.stdout], [], [], 5)[0]
            assert ready, f"no idle event after change {i}"
            seen.append(loop.stdout.readline().strip())
            assert seen[-1] == want, seen
        assert loop.poll() is None, loop.stderr.read() if loop.stderr else ""
    finally:
        loop.terminate()
        loop.wait(timeout=5)


def test_python_mpd2_asyncio_client_idles_and_commands(moodplay_port: int) -> None:
    """python-mpd2's asyncio client (Home Assistant's MPD integration) idles all the time and
    sends noidle before each command; every change arrives, the connection stays."""
    import asyncio

    from mpd.asyncio import MPDClient

    async def scenario() -> list[list[str]]:
        client, actor = MPDClient(), MPDClient()
        await client.connect("127.0.0.1", moodplay_port)
        await actor.connect("127.0.0.1", moodplay_port)
        seen: list[list[str]] = []

        async def watch() -> None:
            async for changed in client.idle(["mixer"]):
                seen.append(changed)

        watching = asyncio.create_task(watch())
        for i in range(20):
            await actor.setvol(30 + i)
            status = await client.status()  # a command while its idle is running
            assert status["volume"] in {str(30 + i - 1), str(30 + i)}
            for _ in range(100):
                if len(seen) > i:
                    break
                await asyncio.sleep(0.02)
        watching.cancel()
        assert (await client.status())["volume"] == "49"
        client.disconnect()
        actor.disconnect()
        return seen

    seen = asyncio.run(scenario())
    assert seen and all(changed == ["mixer"] for changed in seen), seen
    assert len(seen) >= 20 - 1  # changes close together may arrive in one answer


def test_mpc_waits_for_changes(moodplay_port: int) -> None:
    """``mpc current --wait`` and ``mpc update --wait`` (they idle, then ask again)."""
    mpc(moodplay_port, "play")
    waiting = subprocess.Popen(
        ["mpc", "-h", "127.0.0.1", "-p", str(moodplay_port), "current", "--wait"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    time.sleep(0.5)
    assert waiting.poll() is None  # nothing changed yet
    mpc(moodplay_port, "next")
    out, err = waiting.communicate(timeout=10)
    assert waiting.returncode == 0 and out.startswith("Maxstack - "), err
    mpc(moodplay_port, "update", "--wait")
