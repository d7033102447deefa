"""Answers through the player's mixer, offline: AnswerOutput with ``player.Sounds`` as its sink,
the mixer's ``render`` pulled by a thread standing in for the output device."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import numpy as np
import pytest

from player import Sounds
from player._mixer import Mixer, Voice
from player._pcm import PcmRing
from player._sounds import CUT_FADE_S, to_mixer_format
from voice import AnswerOutput, earcon, render_speech
from voice._speak import EARCON_RATE_HZ, trim_silence

BLOCK = 480
MUSIC_HZ = 220.0
MUSIC_AMP = 0.25
DUCK = 0.3


class Device:
    """Pulls 10 ms blocks from the mixer about twice as fast as a device would, keeping them."""

    def __init__(self, mixer: Mixer) -> None:
        self.mixer, self.blocks = mixer, list[np.ndarray]()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.blocks.append(self.mixer.render(BLOCK))
            time.sleep(0.005)

    def __enter__(self) -> Device:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(5)

    @property
    def out(self) -> np.ndarray:
        return np.concatenate(self.blocks)


def music(mixer: Mixer, seconds: float = 30.0) -> tuple[Voice, np.ndarray]:
    """A sine playing from the first frame rendered: output frame k carries ``wave[k]``."""
    t = np.arange(int(mixer.rate * seconds)) / mixer.rate
    wave = (MUSIC_AMP * np.sin(2 * np.pi * MUSIC_HZ * t)).astype(np.float32)
    ring = PcmRing(len(wave))
    ring.write(np.stack([wave, wave], axis=1))
    voice = mixer.add(ring)
    mixer.start(voice)
    return voice, wave


def find(out: np.ndarray, sound: np.ndarray) -> int:
    """Where ``sound`` (left channel) starts in ``out`` (left channel): the best correlation."""
    corr = np.correlate(out[:, 0], sound[:, 0], mode="valid")
    return int(np.argmax(corr))


@pytest.fixture
def mixer() -> Iterator[Mixer]:
    yield Mixer()


def test_an_earcon_is_mixed_in_sample_for_sample(mixer: Mixer) -> None:
    out = AnswerOutput(sink=Sounds(mixer, tail_s=0))
    with Device(mixer) as device:
        out.play_earcon("wake")
        assert out.wait_idle(10)
    out.close()
    expected = to_mixer_format(earcon("wake"), EARCON_RATE_HZ, mixer.rate, 2)
    got = device.out
    at = int(np.flatnonzero(got[:, 0])[0] - np.flatnonzero(expected[:, 0])[0])
    np.testing.assert_array_equal(got[at : at + len(expected)], expected)
    assert not got[at + len(expected) :].any()  # and nothing after it
    assert [(p.kind, p.outcome) for p in out.history] == [("wake", "played")]
    assert mixer.voices == 0  # the sound's voice is gone once it ended


def test_the_music_ducks_under_a_sentence_as_a_mixer_ramp(mixer: Mixer) -> None:
    song, wave = music(mixer)
    told: list[bool] = []

    def duck(on: bool) -> None:  # what the daemon's session does: Player.duck, a deck ramp
        told.append(on)
        mixer.ramp(song, DUCK if on else 1.0, 0.02)

    out = AnswerOutput(duck, sink=Sounds(mixer, tail_s=0))
    with Device(mixer) as device:
        time.sleep(0.1)
        out.speak("Volume forty.")
        assert out.wait_idle(10)
        time.sleep(0.1)
    out.close()
    pcm, rate = render_speech("Volume forty.")
    speech = to_mixer_format(trim_silence(pcm, rate), rate, mixer.rate, 2)
    got = device.out
    at = find(got, speech)
    music_part = got[:, 0].copy()
    music_part[at : at + len(speech)] -= speech[:, 0]
    loud = np.abs(wave[: len(got)]) > 0.1  # where the music's gain can be read
    gain = np.full(len(got), np.nan)
    gain[loud] = music_part[loud] / wave[: len(got)][loud]
    assert told == [True, False]
    assert np.nanmedian(gain[: at - mixer.rate // 10]) == pytest.approx(1.0, abs=1e-4)
    during = gain[at + mixer.rate // 50 : at + len(speech)]  # after the 20 ms ramp
    assert np.nanmin(during) == pytest.approx(DUCK, abs=1e-3)
    assert np.nanmax(during) == pytest.approx(DUCK, abs=1e-3)
    assert np.nanmedian(gain[-mixer.rate // 20 :]) == pytest.approx(1.0, abs=1e-4)


def test_a_wake_earcon_cuts_a_sentence_with_a_fade(mixer: Mixer) -> None:
    told: list[bool] = []
    sentence = "this sentence runs on without any pause at all for a good while"
    out = AnswerOutput(told.append, sink=Sounds(mixer, tail_s=0))
    with Device(mixer) as device:
        out.speak(sentence)
        while out.playing_kind != "speech":
            time.sleep(0.01)
        time.sleep(0.2)
        out.play_earcon("wake", interrupt=True)
        assert out.wait_idle(10)
    out.close()
    assert told == [True, False]
    assert [(p.kind, p.outcome) for p in out.history] == [("speech", "cut"), ("wake", "played")]
    pcm, rate = render_speech(sentence)
    full = to_mixer_format(trim_silence(pcm, rate), rate, mixer.rate, 2)
    got = device.out[:, 0]
    wake = to_mixer_format(earcon("wake"), EARCON_RATE_HZ, mixer.rate, 2)[:, 0]
    wake_at = int(np.flatnonzero(got)[-1] - np.flatnonzero(wake)[-1])  # the cue ends it all
    speech = got.copy()
    speech[wake_at : wake_at + len(wake)] -= wake
    at = int(np.flatnonzero(speech)[0] - np.flatnonzero(full[:, 0])[0])
    heard = speech[at : wake_at + len(wake)]
    cut = int(np.flatnonzero(np.abs(heard[: len(full)] - full[: len(heard), 0]) > 1e-6)[0])
    assert cut < len(full) // 2  # a short part of the sentence, then the cue
    fade = int(mixer.rate * CUT_FADE_S)
    ramp = 1 - np.arange(1, fade + 1) / fade
    np.testing.assert_allclose(heard[cut : cut + fade], full[cut : cut + fade, 0] * ramp,
                               atol=1e-6)  # fmt: skip
    assert np.abs(heard[cut + fade :]).max() < 1e-6  # the sentence is gone after the fade


def test_a_cut_sound_fades_out_within_a_few_ms(mixer: Mixer) -> None:
    t = np.arange(mixer.rate) / mixer.rate
    tone = (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)
    playing = Sounds(mixer, tail_s=0).play(tone, mixer.rate)
    before = np.concatenate([mixer.render(BLOCK) for _ in range(5)])
    playing.cut()
    after = np.concatenate([mixer.render(BLOCK) for _ in range(2)])
    fade = int(mixer.rate * CUT_FADE_S)
    np.testing.assert_array_equal(before[:, 0], tone[: len(before)])
    expected = tone[len(before) : len(before) + fade] * (1 - np.arange(1, fade + 1) / fade)
    np.testing.assert_allclose(after[:fade, 0], expected, atol=1e-6)
    assert not after[fade:].any()
    assert playing.rendered and playing.done and mixer.voices == 0


def test_close_cuts_what_plays(mixer: Mixer) -> None:
    told: list[bool] = []
    out = AnswerOutput(told.append, sink=Sounds(mixer, tail_s=0))
    with Device(mixer):
        out.speak("This is a long sentence that close will interrupt before its end.")
        while out.playing_kind != "speech":
            time.sleep(0.01)
        out.close()
    assert told == [True, False]
    assert [(p.kind, p.outcome) for p in out.history] == [("speech", "cut")]
    assert mixer.voices == 0


class Broken:
    def __init__(self, sounds: Sounds) -> None:
        self.sounds, self.broken = sounds, True

    def play(self, pcm: np.ndarray, rate_hz: int) -> object:
        if self.broken:
            raise RuntimeError("the output stream is gone")
        return self.sounds.play(pcm, rate_hz)


def test_a_failing_sink_drops_the_sound_and_the_next_plays(
    mixer: Mixer, caplog: pytest.LogCaptureFixture
) -> None:
    sink = Broken(Sounds(mixer, tail_s=0))
    out = AnswerOutput(sink=sink)  # type: ignore[arg-type]  # play's result is a PlayingSound
    with Device(mixer):
        out.play_earcon("error")
        assert out.wait_idle(10)
        sink.broken = False
        out.play_earcon("done")
        assert out.wait_idle(10)
    out.close()
    assert [(p.kind, p.outcome) for p in out.history] == [("error", "dropped"), ("done", "played")]
    assert "the output stream is gone" in caplog.text


def test_resampling_keeps_the_length_and_the_level() -> None:
    pcm = (16384 * np.sin(2 * np.pi * 440 * np.arange(22050) / 22050)).astype(np.int16)
    frames = to_mixer_format(pcm, 22050, 48000, 2)
    assert frames.shape == (48000, 2) and frames.dtype == np.float32
    assert np.abs(frames).max() == pytest.approx(0.5, abs=0.001)
    np.testing.assert_array_equal(frames[:, 0], frames[:, 1])
    with pytest.raises(ValueError, match="needs samples"):
        to_mixer_format(np.zeros(0, np.int16), 22050, 48000, 2)


def test_a_stalled_output_drops_the_sound_and_takes_it_back(
    mixer: Mixer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from voice import _answer_output

    monkeypatch.setattr(_answer_output, "STALL_S", 0.1)
    out = AnswerOutput(sink=Sounds(mixer, tail_s=0))  # nothing pulls the mixer: no server
    out.play_earcon("done")
    assert out.wait_idle(10)
    out.close()
    assert [(p.kind, p.outcome) for p in out.history] == [("done", "dropped")]
    assert mixer.voices == 0  # taken back at once, not left to play when the output returns
