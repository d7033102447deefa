from __future__ import annotations

import datetime as dt
from pathlib import Path

from context import ContextSource, detect_device, in_quiet_hours, part_of_day


def test_parts_of_day() -> None:
    assert [part_of_day(h) for h in (0, 5, 6, 11, 12, 17, 18, 21, 22, 23)] == [
        "night", "night", "morning", "morning", "afternoon", "afternoon", "evening", "evening",
        "night", "night",
    ]  # fmt: skip


def test_quiet_hours_wrap_past_midnight() -> None:
    assert in_quiet_hours(23 * 60, "22:00", "07:00")
    assert in_quiet_hours(6 * 60 + 59, "22:00", "07:00")
    assert not in_quiet_hours(7 * 60, "22:00", "07:00")
    assert in_quiet_hours(13 * 60, "13:00", "14:00")
    assert not in_quiet_hours(13 * 60, "13:00", "13:00")


def test_device_detection_from_fake_proc_and_sys(tmp_path: Path) -> None:
    proc, sys = tmp_path / "proc", tmp_path / "sys"
    assert detect_device(proc, sys) == "desktop"
    (sys / "class/power_supply/BAT0").mkdir(parents=True)
    (sys / "class/power_supply/BAT0/type").write_text("Battery\n")
    assert detect_device(proc, sys) == "laptop"
    (proc / "device-tree").mkdir(parents=True)
    (proc / "device-tree/model").write_bytes(b"Raspberry Pi 4 Model B Rev 1.4\0")
    assert detect_device(proc, sys) == "raspberry-pi (Raspberry Pi 4 Model B Rev 1.4)"


def test_snapshot_with_a_fake_clock() -> None:
    saturday_late = dt.datetime(2026, 11, 28, 23, 30).timestamp()
    ctx = ContextSource("desktop", clock=lambda: saturday_late).snapshot(ambient_db=-48.0)
    assert (ctx.part_of_day, ctx.weekday, ctx.weekend, ctx.quiet_hours) == (
        "night", "Saturday", True, True,
    )  # fmt: skip
    assert ctx.ambient_db == -48.0 and ctx.timestamp == saturday_late
