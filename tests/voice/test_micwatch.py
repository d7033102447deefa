"""The microphone watch over a hand-written microphone and clock: reopen attempts back off from
1 s to 60 s, each change is logged and reported once, a monitor source is named as a problem."""

from __future__ import annotations

import logging

import pytest

from voice._micwatch import MAX_RETRY_S, MicWatch
from voice._source import CaptureSource


class Mic:
    name = "default"

    def __init__(self) -> None:
        self.opens = False
        self.tries: list[float] = []
        self.clock = 0.0

    def reopen(self) -> bool:
        self.tries.append(self.clock)
        return self.opens


def test_reopen_backs_off_to_a_minute_and_logs_once_per_change(
    caplog: pytest.LogCaptureFixture,
) -> None:
    mic, reports = Mic(), list[str]()
    source = CaptureSource("mic")
    watch = MicWatch(mic, reports.append, clock=lambda: mic.clock, find_source=lambda: source)
    with caplog.at_level(logging.INFO, logger="voice._micwatch"):
        watch.tick()
        assert reports == [""] and watch.source == source  # checked once at start: fine
        for _ in range(10 * 60 * 2):  # ten minutes of silence, ticked every 0.5 s
            mic.clock += 0.5
            watch.tick()
        gaps = [b - a for a, b in zip(mic.tries, mic.tries[1:], strict=False)]
        assert mic.tries[0] == 3.5  # silent for over 2 s (at 2.5 s), then 1 s
        assert gaps[:7] == [2.0, 4.0, 8.0, 16.0, 32.0, MAX_RETRY_S, MAX_RETRY_S]
        assert set(gaps[5:]) == {MAX_RETRY_S} and len(mic.tries) == 14
        mic.opens = True
        mic.clock += MAX_RETRY_S
        watch.tick()
    assert not watch.lost and watch.attempts == 15
    assert [r.levelname for r in caplog.records] == ["INFO", "WARNING", "WARNING"]
    assert "no audio" in caplog.records[1].message and "back" in caplog.records[2].message
    assert reports == ["", "microphone 'default' delivers no audio (reopening with backoff)", ""]


def test_a_monitor_source_is_reported_and_cleared_when_the_microphone_returns() -> None:
    mic, reports = Mic(), list[str]()
    sources = [CaptureSource("speaker.monitor", "speaker", own_output=True)]
    watch = MicWatch(mic, reports.append, clock=lambda: mic.clock,
                     find_source=lambda: sources[-1])  # fmt: skip
    for _ in range(3):
        watch.heard()
        watch.tick()
        mic.clock += 11.0
    assert reports == ["capture source 'speaker.monitor' is a monitor of the music moodplay "
                       "plays, not a microphone (the microphone went away?)"]  # fmt: skip
    sources.append(CaptureSource("mic"))
    watch.heard()
    watch.tick()
    assert reports[-1] == "" and len(reports) == 2
