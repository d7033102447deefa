"""The output keeper over hand-written streams and a hand-driven clock: a stream that stops,
hangs, or cannot open is "lost" with its reason; it is "back" once a stream plays again.
The fault tests (tests/faults/test_sound_*.py) do the same with PortAudio and a PulseAudio
server killed, frozen, or started after the daemon."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest

from player._keeper import STALL_S, OutputKeeper


class Stream:
    def __init__(self) -> None:
        self.active, self.callbacks, self.closed = True, 0, False

    def close(self) -> None:
        self.closed = True


class Rig:
    def __init__(self, can_open: bool = True) -> None:
        self.now = 0.0
        self.can_open = can_open
        self.streams: list[Stream] = []
        self.keeper = OutputKeeper(self.open, clock=lambda: self.now)

    def open(self) -> Stream:
        if not self.can_open:
            raise RuntimeError("Error querying device -1")
        self.streams.append(Stream())
        return self.streams[-1]

    def next_change(self, tick: Callable[[], None] = lambda: None) -> str:
        """The keeper's next "lost"/"back", the clock moving on 0.5 s between looks."""
        for _ in range(100):
            change = self.keeper.change()
            if change is not None:
                return change
            tick()
            self.now += 0.5
            time.sleep(0.15)  # the keeper's thread looks every 0.1 s
        raise AssertionError("the keeper said nothing")


def test_a_stream_whose_callback_stops_is_lost_and_back_when_it_goes_on() -> None:
    rig = Rig()
    stream = rig.streams[0]
    assert rig.keeper.change() is None and not rig.keeper.lost
    assert rig.next_change() == "lost"  # the count stood still for more than STALL_S
    assert "not responding" in rig.keeper.reason and rig.now > STALL_S
    stream.callbacks += 1
    assert rig.next_change() == "back"
    assert rig.streams == [stream] and not stream.closed  # the same stream plays on
    rig.keeper.close()


def test_a_stream_that_stops_is_closed_and_a_new_one_opened() -> None:
    rig = Rig()

    def playing() -> None:
        rig.streams[-1].callbacks += 1

    rig.streams[0].active = False
    assert rig.next_change(playing) == "lost" and "stopped" in rig.keeper.reason
    assert rig.next_change(playing) == "back"
    assert rig.streams[0].closed and len(rig.streams) == 2 and rig.keeper.stream is rig.streams[1]
    rig.keeper.close()


def test_a_device_that_cannot_open_is_lost_until_it_can() -> None:
    rig = Rig(can_open=False)
    assert rig.keeper.change() == "lost" and rig.keeper.stream is None
    assert rig.keeper.reason == (
        "no sound output: the output device cannot open (Error querying device -1; paused "
        "until it can)"
    )
    rig.can_open = True
    assert rig.next_change(lambda: None) == "back" and len(rig.streams) == 1
    rig.keeper.close()
    assert rig.streams[0].closed  # closing the keeper closes its stream


class CountingStream(Stream):
    def __init__(self) -> None:
        super().__init__()
        self.stats = type("Stats", (), {"underflows": 0})()


def test_dropouts_are_counted_across_streams_and_logged_once_a_minute(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Heard dropouts (the device ran dry, or the mixer had no sound for a block) are summed
    over every stream the keeper opened and logged at most every DROPOUT_LOG_S."""
    from player._keeper import DROPOUT_LOG_S

    starved = [0]
    now = [0.0]
    streams: list[CountingStream] = []

    def open_stream() -> CountingStream:
        streams.append(CountingStream())
        return streams[-1]

    keeper = OutputKeeper(open_stream, clock=lambda: now[0], starved=lambda: starved[0])
    try:
        with caplog.at_level("WARNING", logger="player._keeper"):
            streams[0].stats.underflows, starved[0] = 2, 3
            _until(lambda: keeper.dropouts == (2, 3))
            streams[0].stats.underflows = 5  # within the minute: counted, not logged
            _until(lambda: keeper.dropouts == (5, 3))
            now[0] += DROPOUT_LOG_S  # a minute on: the next dropouts are logged
            streams[0].active = False  # a new stream counts from 0 again
            _until(lambda: len(streams) == 2)
            streams[1].stats.underflows = 1
            _until(lambda: keeper.dropouts == (6, 3))
    finally:
        keeper.close()
    lines = [r.getMessage() for r in caplog.records if "dropouts" in r.getMessage()]
    assert len(lines) == 2, lines
    assert "2 PortAudio underflows and 3 mixer blocks" in lines[0]
    assert "4 PortAudio underflows and 0 mixer blocks" in lines[1] and "(6 and 3" in lines[1]


def _until(done: Callable[[], bool], timeout_s: float = 5.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not done():
        assert time.monotonic() < deadline, "the keeper did not get there"
        time.sleep(0.02)
