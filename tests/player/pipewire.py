"""A private PipeWire server for tests: PipeWire, WirePlumber (its session manager, which links
streams to sinks) and pipewire-pulse, under a D-Bus session bus of their own
(``dbus-run-session``: WirePlumber needs one), in a temporary folder; a null sink "speaker" at
48 kHz stereo made through the pulse protocol, as tests/pulse.py does with PulseAudio. Needs
the Debian packages pipewire, pipewire-pulse, wireplumber, dbus (scripts/setup.sh)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

PROGRAMS = ("pipewire", "wireplumber", "pipewire-pulse", "dbus-run-session", "pactl")
_SCRIPT = "pipewire & sleep 0.5; wireplumber & sleep 0.5; pipewire-pulse & wait"


def missing() -> list[str]:
    """The programs this needs that are not installed."""
    return [p for p in PROGRAMS if shutil.which(p) is None]


@contextmanager
def pipewire_server(folder: Path) -> Iterator[dict[str, str]]:
    """The server's environment (PULSE_SERVER, XDG_RUNTIME_DIR) while it runs."""
    runtime = folder / "run"
    runtime.mkdir(parents=True, exist_ok=True)
    env = {"XDG_RUNTIME_DIR": str(runtime), "PULSE_SERVER": f"unix:{runtime}/pulse/native"}
    full = {**os.environ, "HOME": str(folder), **env}
    full.pop("DBUS_SESSION_BUS_ADDRESS", None)
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", _SCRIPT], env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)  # fmt: skip
    try:
        _wait_pulse(full)
        for args in (["load-module", "module-null-sink", "sink_name=speaker", "rate=48000",
                      "channels=2"], ["set-default-sink", "speaker"]):  # fmt: skip
            subprocess.run(["pactl", *args], env=full, check=True, capture_output=True, timeout=10)
        yield env
    finally:
        os.killpg(proc.pid, signal.SIGTERM)  # the group started here: bus, servers, shell
        proc.wait(timeout=10)


def _wait_pulse(env: dict[str, str], timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        done = subprocess.run(["pactl", "info"], env=env, capture_output=True, text=True,
                              timeout=10, check=False)  # fmt: skip
        if done.returncode == 0 and "PipeWire" in done.stdout:
            return
        time.sleep(0.2)
    raise RuntimeError("PipeWire's pulse server did not answer")
