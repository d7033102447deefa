"""PortAudio initialised again frees every stream of the process: the microphone must not do it
while the mixer's output stream is open, nor the output keeper while a microphone's is (a
stream used after that is a dangling pointer: the daemon would crash, not just go quiet).
Both sides over a stand-in for sounddevice that counts what is asked of it."""

from __future__ import annotations

from typing import Any

import pytest


class FakeSd:
    class PortAudioError(Exception):
        pass

    def __init__(self) -> None:
        self.terminated = self.initialised = 0
        self.cards = "0 [PCH]: HDA-Intel\n"
        self.streams: list[Any] = []

    def query_devices(self, device: Any, kind: str) -> dict[str, str]:
        return {"name": "fake mic"}

    def RawInputStream(self, **kwargs: Any) -> Any:  # noqa: N802 (sounddevice's name)
        stream = type("Stream", (), {"start": lambda s: None, "stop": lambda s: None,
                                     "close": lambda s: None})()  # fmt: skip
        self.streams.append(stream)
        return stream

    def _terminate(self) -> None:
        self.terminated += 1

    def _initialize(self) -> None:
        self.initialised += 1


@pytest.fixture
def sd(monkeypatch: pytest.MonkeyPatch) -> FakeSd:
    from voice import _capture

    fake = FakeSd()
    monkeypatch.setattr(_capture, "_sounddevice", lambda: fake)
    monkeypatch.setattr(_capture, "_sound_cards", lambda: fake.cards)
    return fake


def test_the_microphone_lists_new_cards_only_when_allowed(sd: FakeSd) -> None:
    from voice import input_stream_open
    from voice._capture import Microphone

    allowed = [False]
    mic = Microphone(may_reinitialise=lambda: allowed[0])
    with mic:
        assert input_stream_open()
        sd.cards += "1 [Mic]: USB-Audio\n"  # a USB microphone plugged in
        assert mic.reopen()  # the cards changed, but the output stream is open: the old list
        assert (sd.terminated, sd.initialised) == (0, 0) and len(sd.streams) == 2
        allowed[0] = True
        assert mic.reopen()  # still changed against the list it has: now listed again
        assert (sd.terminated, sd.initialised) == (1, 1) and len(sd.streams) == 3
    assert not input_stream_open()


def test_the_output_keeper_does_not_reinitialise_under_an_open_microphone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from player import _device, output_stream_open

    fake = FakeSd()
    monkeypatch.setattr(_device, "sd", fake)
    assert not output_stream_open()
    assert not _device.reinitialise(lambda: False)  # a microphone stream is open
    assert (fake.terminated, fake.initialised) == (0, 0)
    assert _device.reinitialise(lambda: True)
    assert (fake.terminated, fake.initialised) == (1, 1)
