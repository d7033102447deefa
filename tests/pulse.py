"""A private PulseAudio server for tests: a null sink as the speaker, another as the mic feed.

What is played into ``micfeed`` comes out of the default source ``mic`` (a remap of its monitor),
so sounddevice captures it as from a real microphone; ``speaker.monitor`` records what a
listener would hear. Started as in ../shared/TESTBED.md, in a temporary folder, no D-Bus.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def pulse_server(folder: Path) -> Iterator[dict[str, str]]:
    if shutil.which("pulseaudio") is None:
        raise RuntimeError("pulseaudio is not installed; `make test` installs it")
    runtime = folder / "pulse"
    runtime.mkdir(parents=True, exist_ok=True)
    socket = runtime / "native"
    env = {
        **os.environ,
        "HOME": str(folder), "XDG_RUNTIME_DIR": str(runtime), "PULSE_RUNTIME_PATH": str(runtime),
        "PULSE_SERVER": f"unix:{socket}",
    }  # fmt: skip
    modules = [
        f"module-native-protocol-unix auth-anonymous=1 socket={socket}",
        "module-null-sink sink_name=speaker rate=48000 channels=2 norewinds=1",
        "module-null-sink sink_name=micfeed rate=16000 channels=1 norewinds=1",
        "module-remap-source source_name=mic master=micfeed.monitor",
    ]
    cmd = ["pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
           "--disallow-exit", *[f"--load={m}" for m in modules]]  # fmt: skip
    server = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        _wait_ready(env, server)
        for args in (["set-default-sink", "speaker"], ["set-default-source", "mic"]):
            subprocess.run(["pactl", *args], env=env, check=True, capture_output=True)
        yield {k: env[k] for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR", "PULSE_RUNTIME_PATH")}
    finally:
        server.terminate()
        server.wait(timeout=10)


def _wait_ready(env: dict[str, str], server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if server.poll() is not None:
            err = server.stderr.read().decode() if server.stderr else ""
            raise RuntimeError(f"pulseaudio exited: {err}")
        probe = subprocess.run(["pactl", "info"], env=env, capture_output=True, check=False)
        if probe.returncode == 0:
            return
        time.sleep(0.05)
    raise RuntimeError("pulseaudio did not answer within 10 s")


def play_into_mic(wav: Path, env: dict[str, str]) -> None:
    subprocess.run(["paplay", "--device=micfeed", str(wav)], env={**os.environ, **env}, check=True)
