"""A private PulseAudio server for tests: a null sink as the speaker, another as the mic feed.

What is played into ``micfeed`` comes out of the default source ``mic`` (a remap of its monitor),
so sounddevice captures it as from a real microphone; ``speaker.monitor`` records what a
listener would hear. Started as in ../shared/TESTBED.md, in a temporary folder, no D-Bus.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import soundfile as sf


class PulseServer:
    """The server as a process the tests can kill and start again (same socket, same sinks)."""

    def __init__(self, folder: Path) -> None:
        if shutil.which("pulseaudio") is None:
            raise RuntimeError("pulseaudio is not installed; `make test` installs it")
        runtime = folder / "pulse"
        runtime.mkdir(parents=True, exist_ok=True)
        self.socket = runtime / "native"
        self._env = {
            **os.environ,
            "HOME": str(folder), "XDG_RUNTIME_DIR": str(runtime),
            "PULSE_RUNTIME_PATH": str(runtime), "PULSE_SERVER": f"unix:{self.socket}",
        }  # fmt: skip
        self.env = {k: self._env[k] for k in ("PULSE_SERVER", "XDG_RUNTIME_DIR",
                                               "PULSE_RUNTIME_PATH")}  # fmt: skip
        self._server: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        modules = [
            f"module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
            "module-null-sink sink_name=speaker rate=48000 channels=2 norewinds=1",
            "module-null-sink sink_name=micfeed rate=16000 channels=1 norewinds=1",
            "module-remap-source source_name=mic master=micfeed.monitor",
        ]
        cmd = ["pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1", "--use-pid-file=no",
               "--disallow-exit", *[f"--load={m}" for m in modules]]  # fmt: skip
        self._server = subprocess.Popen(cmd, env=self._env, stdout=subprocess.DEVNULL,
                                        stderr=subprocess.PIPE)  # fmt: skip
        _wait_ready(self._env, self._server)
        for args in (["set-default-sink", "speaker"], ["set-default-source", "mic"]):
            subprocess.run(["pactl", *args], env=self._env, check=True, capture_output=True)

    def kill(self) -> None:
        """As a crash would: no goodbye to the clients."""
        if self._server is not None:
            self._server.kill()
            self._server.wait(timeout=10)
            self._server = None

    def freeze(self, frozen: bool = True) -> None:
        """Stop the server (SIGSTOP) as a hung one would be: its socket still there, nothing
        answered; ``frozen=False`` lets it go on (SIGCONT)."""
        if self._server is not None:
            self._server.send_signal(signal.SIGSTOP if frozen else signal.SIGCONT)

    def stop(self) -> None:
        if self._server is not None:
            self._server.send_signal(signal.SIGCONT)  # a frozen server never takes SIGTERM
            self._server.terminate()
            self._server.wait(timeout=10)
            self._server = None


@contextmanager
def pulse_server(folder: Path) -> Iterator[dict[str, str]]:
    server = PulseServer(folder)
    server.start()
    try:
        yield server.env
    finally:
        server.stop()


@contextmanager
def pulse_environ(folder: Path) -> Iterator[dict[str, str]]:
    """``pulse_server`` with its variables (PULSE_SERVER, …) in ``os.environ`` meanwhile, for
    code that reads them once when it starts (libVLC's pulse output, PortAudio); put back
    after."""
    with pulse_server(folder) as env:
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            yield env
        finally:
            for k, v in old.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


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


def record(env: dict[str, str], seconds: float, path: Path) -> np.ndarray:
    """What a listener hears for ``seconds``: the speaker's monitor, mono float32 at 48 kHz."""
    proc = subprocess.Popen(["parecord", "--device=speaker.monitor", "--file-format=wav",
                             "--rate=48000", "--channels=1", str(path)],
                            env={**os.environ, **env})  # fmt: skip
    time.sleep(seconds)
    proc.terminate()
    proc.wait(timeout=10)
    audio, _ = sf.read(path, dtype="float32")
    return np.asarray(audio)


HEARD_DB = -70.0
"""Above this RMS level (dBFS) over a second, music is being heard: a paused or dead player
leaves digital zero (-inf), and the quietest second of the demo music measured -66 dBFS
(README, daemon benchmark); -50 failed once on a quiet passage (-50.6 dBFS)."""


def level_db(audio: np.ndarray) -> float:
    """RMS level in dBFS (-inf for digital silence)."""
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64)))) if audio.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else float("-inf")
