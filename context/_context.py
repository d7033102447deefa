"""The Context snapshot: when and where the listener is. Standard library only.

The clock and the /proc and /sys roots are parameters, so tests fake them, not the logic.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from context._ambient import AmbientNoise

PARTS_OF_DAY = (("night", 0, 6), ("morning", 6, 12), ("afternoon", 12, 18), ("evening", 18, 22),
                ("night", 22, 24))  # fmt: skip
"""(name, first hour, end hour): night 22-6, morning 6-12, afternoon 12-18, evening 18-22."""


@dataclass(frozen=True)
class Context:
    timestamp: float
    part_of_day: str
    weekday: str
    weekend: bool
    device: str
    """raspberry-pi (with its model), laptop (a battery), desktop, or as configured."""
    quiet_hours: bool
    ambient_db: float | None = None
    """The room's noise at the microphone without moodplay's own music, dBFS (AES17 RMS), as
    ``AmbientNoise`` estimates it from the microphone and the output's meter; None when not
    known (no microphone, no meter, not learned yet)."""


def part_of_day(hour: int) -> str:
    return next(name for name, lo, hi in PARTS_OF_DAY if lo <= hour < hi)


def in_quiet_hours(minute_of_day: int, start: str, end: str) -> bool:
    """Whether HH:MM ``start``..``end`` (may wrap past midnight) covers the minute."""
    lo, hi = _minutes(start), _minutes(end)
    if lo == hi:
        return False
    return lo <= minute_of_day < hi if lo < hi else minute_of_day >= lo or minute_of_day < hi


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def detect_device(proc: Path = Path("/proc"), sys: Path = Path("/sys")) -> str:
    model = proc / "device-tree" / "model"
    if model.is_file():
        text = model.read_bytes().rstrip(b"\0").decode("utf-8", "replace").strip()
        if "raspberry pi" in text.lower():
            return f"raspberry-pi ({text})"
    supplies = sys / "class" / "power_supply"
    if supplies.is_dir():
        for supply in supplies.iterdir():
            kind = supply / "type"
            if kind.is_file() and kind.read_text().strip() == "Battery":
                return "laptop"
    return "desktop"


@dataclass(frozen=True)
class ContextSource:
    """Makes snapshots; the app configures it once (device from config or detected)."""

    device: str
    quiet_start: str = "22:00"
    quiet_end: str = "07:00"
    clock: Callable[[], float] = time.time
    ambient: AmbientNoise = field(default_factory=AmbientNoise, compare=False, repr=False)
    """Fed by the microphone's thread (``hear``); each snapshot reads its figure."""

    def snapshot(self, ambient_db: float | None = None, at: float | None = None) -> Context:
        """The context at ``at`` (seconds since the epoch; None: now); ``ambient_db`` None
        takes ``ambient``'s estimate."""
        ts = self.clock() if at is None else at
        if ambient_db is None:
            ambient_db = self.ambient.db()
        local = dt.datetime.fromtimestamp(ts)
        minute = local.hour * 60 + local.minute
        return Context(
            timestamp=ts, part_of_day=part_of_day(local.hour), weekday=local.strftime("%A"),
            weekend=local.weekday() >= 5, device=self.device,
            quiet_hours=in_quiet_hours(minute, self.quiet_start, self.quiet_end),
            ambient_db=ambient_db,
        )  # fmt: skip
