"""The output keeper over hand-written streams and a hand-driven clock: a stream that stops,
hangs, or cannot open is "lost" with its reason; it is "back" once a stream plays again.
The fault tests (tests/faults/test_sound_*.py) do the same with PortAudio and a PulseAudio
server killed, frozen, or started after the daemon."""

from __future__ import annotations

import time
from collections.abc import Callable

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
