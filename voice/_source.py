"""Which PulseAudio source the microphone stream records from, asked of the server with pactl.

PortAudio reaches PulseAudio (or PipeWire's pulse) through ALSA's "default" device, so its own
device name says nothing about the source. When the microphone goes away PulseAudio moves the
stream, silently, to the new default source — often the monitor of the speaker, so voice would
listen to its own music; it moves it back when the microphone returns. The stream is found by
this process's id; nothing here changes anything on the server.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Any

PACTL_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class CaptureSource:
    name: str
    """The PulseAudio source's name, e.g. "alsa_input.usb-…" or "speaker.monitor"."""
    monitor_of: str = ""
    """The sink this source is the monitor of ("" for a real input)."""
    own_output: bool = False
    """It monitors a sink this process plays to: voice would hear its own music."""

    def describe(self) -> str:
        """One line for the status: the source, and what is wrong with it if anything."""
        if not self.monitor_of:
            return f"capture source {self.name!r}"
        what = "the music moodplay plays" if self.own_output else f"output {self.monitor_of!r}"
        return (f"capture source {self.name!r} is a monitor of {what}, not a microphone "
                "(the microphone went away?)")  # fmt: skip


def capture_source(pid: int | None = None) -> CaptureSource | None:
    """The source process ``pid`` (default: this one) records from; None when it cannot be told
    (no pactl, no PulseAudio server, or no recording stream of that process)."""
    pid = os.getpid() if pid is None else pid
    outputs = _pactl("list", "source-outputs")
    index = next((o.get("source") for o in outputs if _owned(o, pid)), None)
    source = next((s for s in _pactl("list", "sources") if s.get("index") == index), None)
    if index is None or source is None:
        return None
    monitor_of = _monitored_sink(source)
    return CaptureSource(str(source.get("name", "")), monitor_of,
                         bool(monitor_of) and monitor_of in _sinks_played_to(pid))  # fmt: skip


def _monitored_sink(source: dict[str, Any]) -> str:
    if source.get("properties", {}).get("device.class") != "monitor":
        return ""
    return str(source.get("monitor_source") or str(source.get("name", "")).removesuffix(".monitor"))


def _sinks_played_to(pid: int) -> set[str]:
    indices = {i.get("sink") for i in _pactl("list", "sink-inputs") if _owned(i, pid)}
    return {str(s.get("name")) for s in _pactl("list", "sinks") if s.get("index") in indices}


def _owned(stream: dict[str, Any], pid: int) -> bool:
    return bool(stream.get("properties", {}).get("application.process.id") == str(pid))


def _pactl(*args: str) -> list[dict[str, Any]]:
    """pactl's JSON answer; [] when pactl is missing, fails or answers something else."""
    pactl = shutil.which("pactl")
    if pactl is None:
        return []
    try:
        done = subprocess.run([pactl, "--format=json", *args], capture_output=True, text=True,
                              timeout=PACTL_TIMEOUT_S, check=False)  # fmt: skip
        answer = json.loads(done.stdout) if done.returncode == 0 else []
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return []
    return [a for a in answer if isinstance(a, dict)] if isinstance(answer, list) else []
