"""Spoken answers and earcons: espeak-ng for real, played into a private PulseAudio server."""

from __future__ import annotations

import logging
import os
import struct
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.pulse import PulseServer, level_db, pulse_server
from voice import EARCONS, AnswerOutput, SpeechError, earcon, render_speech
from voice._speak import EARCON_RATE_HZ, parse_wav, trim_silence

EARCON_S = {"wake": 0.150, "not_understood": 0.200, "done": 0.060, "error": 0.240}
PEAK_12_DBFS = 10 ** (-12 / 20) * 32767


# --- espeak-ng --------------------------------------------------------------------------------


def test_speech_renders_in_memory_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in ("cwd", "home", "tmp"):
        (tmp_path / name).mkdir()
    monkeypatch.chdir(tmp_path / "cwd")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    pcm, rate = render_speech("what's playing")
    assert pcm.dtype == np.int16 and pcm.ndim == 1 and rate == 22050
    assert 0.5 <= pcm.shape[0] / rate <= 3.0
    assert level_db(pcm / 32768) > -35  # speech, not silence
    assert [list(p.iterdir()) for p in sorted(tmp_path.iterdir())] == [[], [], []]


def test_speech_is_what_espeak_ng_writes_to_a_file(tmp_path: Path) -> None:
    """Bit-exact against espeak-ng's own WAV file (-w), read by libsndfile."""
    wav = tmp_path / "ref.wav"
    text = "Coherence by Maxstack."
    subprocess.run(["espeak-ng", "-v", "en-us", "-s", "175", "-w", str(wav), text], check=True)
    ref, ref_rate = sf.read(wav, dtype="int16")
    pcm, rate = render_speech(text, "en-us", 175)
    assert rate == ref_rate
    np.testing.assert_array_equal(pcm, ref)


def test_text_is_never_an_option() -> None:
    """A title like '--help' or '-w out.wav' is spoken, not obeyed."""
    for text in ("--help", "-w out.wav"):
        pcm, rate = render_speech(text)
        assert pcm.shape[0] / rate > 0.3
    assert not Path("out.wav").exists()


def test_piped_wav_of_unknown_length(tmp_path: Path) -> None:
    """RIFF and data sizes 0xFFFFFFFF (what a pipe gets from many writers) and an odd tail."""
    pcm, rate = render_speech("volume forty")
    header = b"RIFF" + struct.pack("<I", 0xFFFFFFFF) + b"WAVE"
    header += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 1, rate, rate * 2, 2, 16)
    header += b"data" + struct.pack("<I", 0xFFFFFFFF)
    parsed, parsed_rate = parse_wav(header + pcm.astype("<i2").tobytes() + b"\x01")
    assert parsed_rate == rate
    np.testing.assert_array_equal(parsed, pcm)


def test_trailing_silence_is_trimmed_before_playing() -> None:
    pcm, rate = render_speech("Volume 40.")
    trimmed = trim_silence(pcm, rate)
    assert (pcm.shape[0] - trimmed.shape[0]) / rate > 0.2  # espeak-ng pads 0.3 s
    assert np.abs(trimmed[-int(0.05 * rate) :]).max() <= 104  # 50 ms kept after the sound
    tick = earcon("done")
    audible = np.flatnonzero(np.abs(tick) > 104)
    padded = np.concatenate([np.zeros(rate, np.int16), tick, np.zeros(rate, np.int16)])
    cut = trim_silence(padded, EARCON_RATE_HZ, keep_s=0.05)
    assert cut.shape[0] == audible[-1] - audible[0] + 1 + 2 * int(0.05 * EARCON_RATE_HZ)
    assert trim_silence(np.zeros(100, np.int16), rate).shape == (0,)


def test_stereo_wav_is_averaged() -> None:
    frames = np.array([[100, 300], [-200, -400]], dtype="<i2")
    data = frames.tobytes()
    wav = b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVE"
    wav += b"fmt " + struct.pack("<IHHIIHH", 16, 1, 2, 16000, 64000, 4, 16)
    wav += b"LIST" + struct.pack("<I", 3) + b"abc\x00"  # an odd-sized chunk is padded
    wav += b"data" + struct.pack("<I", len(data)) + data
    pcm, rate = parse_wav(wav)
    assert rate == 16000 and pcm.tolist() == [200, -300]


def test_missing_espeak_ng_names_the_debian_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(SpeechError, match="apt-get install espeak-ng"):
        render_speech("hello")


def test_unknown_voice_is_a_speech_error() -> None:
    with pytest.raises(SpeechError, match=r"zz-nope failed: .*voice does not exist"):
        render_speech("hello", voice="zz-nope")


@pytest.mark.parametrize(
    ("text", "voice", "rate", "error"),
    [("  \n ", "en-us", 175, "empty"), ("hi", "-w", 175, "not an espeak-ng voice"),
     ("hi", "en-us", 20, "outside 80..450"), ("x" * 601, "en-us", 175, "at most 600")],
)  # fmt: skip
def test_bad_arguments(text: str, voice: str, rate: int, error: str) -> None:
    with pytest.raises(ValueError, match=error):
        render_speech(text, voice, rate)


# --- earcons ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", EARCONS)
def test_earcon_length_level_and_no_clicks(kind: str) -> None:
    pcm = earcon(kind)
    assert pcm.dtype == np.int16 and pcm.ndim == 1
    assert pcm.shape[0] / EARCON_RATE_HZ == pytest.approx(EARCON_S[kind], abs=0.001)
    assert np.abs(pcm).max() == pytest.approx(PEAK_12_DBFS, rel=0.01)
    edge = int(EARCON_RATE_HZ * 0.001)  # the first and last millisecond are near silence
    assert pcm[0] == 0 and pcm[-1] == 0
    assert np.abs(pcm[:edge]).max() < 0.05 * PEAK_12_DBFS
    assert np.abs(pcm[-edge:]).max() < 0.05 * PEAK_12_DBFS


def _pitch_hz(pcm: np.ndarray) -> float:
    spectrum = np.abs(np.fft.rfft(pcm.astype(np.float64), n=1 << 14))
    return float(np.argmax(spectrum) * EARCON_RATE_HZ / (1 << 14))


@pytest.mark.parametrize(("kind", "rising"), [("wake", True), ("not_understood", False)])
def test_two_note_earcons_rise_or_fall(kind: str, rising: bool) -> None:
    pcm = earcon(kind)
    first, second = _pitch_hz(pcm[: pcm.shape[0] // 2]), _pitch_hz(pcm[pcm.shape[0] // 2 :])
    assert (second > first * 1.2) if rising else (second < first / 1.2)


def test_unknown_earcon() -> None:
    with pytest.raises(ValueError, match="wake, not_understood, done, error"):
        earcon("fanfare")


# --- AnswerOutput without a device --------------------------------------------------------------


def test_no_output_device_drops_sounds_and_logs_once(caplog: pytest.LogCaptureFixture) -> None:
    told: list[bool] = []
    out = AnswerOutput(told.append, device="no such output device")
    try:
        with caplog.at_level(logging.WARNING, logger="voice._answer_output"):
            for kind in ("wake", "done"):
                out.play_earcon(kind)
                assert out.wait_idle(10)
        assert [(p.kind, p.outcome) for p in out.history] == [
            ("wake", "dropped"),
            ("done", "dropped"),
        ]
        assert told == [] and not out.is_playing
        assert len([r for r in caplog.records if "no output device" in r.message]) == 1
    finally:
        out.close()


def test_a_failed_rendering_does_not_stop_answers() -> None:
    out = AnswerOutput(device="no such output device")
    try:
        for text in ("one", "  ", "three"):  # "  " fails on the worker, not in the caller
            out.speak(text)
            assert out.wait_idle(10)
        outcomes = {p.text: p.outcome for p in out.history}
        assert outcomes["  "] == "failed" and outcomes["three"] == "dropped"
    finally:
        out.close()


def test_speech_renders_on_the_worker_not_the_caller() -> None:
    text = "Coherence by Maxstack, from the album Singularity. " * 11
    t0 = time.perf_counter()
    render_speech(text)
    render_s = time.perf_counter() - t0  # tens of milliseconds
    out = AnswerOutput(device="no such output device")
    try:
        t0 = time.perf_counter()
        out.speak(text)
        queued_s = time.perf_counter() - t0
        assert out.wait_idle(10)
    finally:
        out.close()
    assert queued_s < render_s / 5
    assert [(p.kind, p.outcome) for p in out.history] == [("speech", "dropped")]


# --- AnswerOutput into PulseAudio ---------------------------------------------------------------


@contextmanager
def portaudio_on(env: dict[str, str]) -> Iterator[None]:
    """This process's PortAudio listing the private server's devices, then listing again
    without it (PortAudio enumerates devices once, at initialisation)."""
    from voice._capture import _sounddevice

    sd = _sounddevice()
    with pytest.MonkeyPatch.context() as mp:
        for key, value in env.items():
            mp.setenv(key, value)
        sd._terminate()
        sd._initialize()
        try:
            yield
        finally:
            sd._terminate()
    sd._initialize()


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with pulse_server(tmp_path_factory.mktemp("pulse")) as env, portaudio_on(env):
        yield env


class Recording:
    """parecord of speaker.monitor, mono 48 kHz float32, placed on time.monotonic().

    Its last sample is placed at the moment parecord was told to stop: it loses at most the
    fragment in flight (--latency-msec=20), while the delay before its first sample (process
    start, connection) varies by tens of milliseconds on a busy machine.
    """

    RATE = 48_000

    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.path, self.env = path, env
        self.audio = np.zeros(0, np.float32)
        self.stopped = 0.0

    def __enter__(self) -> Recording:
        self._proc = subprocess.Popen(
            ["parecord", "--device=speaker.monitor", "--file-format=wav", "--rate=48000",
             "--channels=1", "--latency-msec=20", str(self.path)],
            env={**os.environ, **self.env},
        )  # fmt: skip
        time.sleep(0.5)  # connected and recording
        return self

    def __exit__(self, *exc: object) -> None:
        time.sleep(0.3)
        self.stopped = time.monotonic()
        self._proc.terminate()
        self._proc.wait(timeout=10)
        audio, _ = sf.read(self.path, dtype="float32")
        self.audio = np.asarray(audio)

    def sounds(self, threshold: float = 0.01, gap_s: float = 0.01) -> list[tuple[float, float]]:
        """(start, end) of each stretch above ``threshold``, on time.monotonic()."""
        loud = np.flatnonzero(np.abs(self.audio) > threshold)
        if loud.size == 0:
            return []
        breaks = np.flatnonzero(np.diff(loud) > gap_s * self.RATE)
        starts = [loud[0], *loud[breaks + 1]]
        ends = [*loud[breaks], loud[-1]]
        began = self.stopped - self.audio.shape[0] / self.RATE
        return [(began + s / self.RATE, began + e / self.RATE)
                for s, e in zip(starts, ends, strict=True)]  # fmt: skip


def test_espeak_ng_stays_off_the_sound_server(pulse: dict[str, str]) -> None:
    """espeak-ng would open a playback stream on the user's server for every sentence."""
    events = subprocess.Popen(["pactl", "subscribe"], env={**os.environ, **pulse},
                              stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        time.sleep(0.3)
        render_speech("Coherence by Maxstack.")
        time.sleep(0.3)
    finally:
        events.terminate()
    out, _ = events.communicate(timeout=10)
    assert "client" not in out and "sink-input" not in out, out


def test_earcon_reaches_the_speaker_between_true_and_false(
    pulse: dict[str, str], tmp_path: Path
) -> None:
    told: list[tuple[bool, float]] = []
    out = AnswerOutput(lambda on: told.append((on, time.monotonic())))
    try:
        with Recording(pulse, tmp_path / "out.wav") as rec:
            out.play_earcon("wake")
            assert out.wait_idle(10)
    finally:
        out.close()
    assert [on for on, _ in told] == [True, False]
    (start, end), *more = rec.sounds()
    assert more == []
    assert end - start == pytest.approx(EARCON_S["wake"], abs=0.02)
    assert told[0][1] < start < told[0][1] + 0.4  # the duck's lead, the stream's latency
    assert end < told[1][1]  # the microphone is given back only after the cue has ended
    assert np.abs(rec.audio).max() == pytest.approx(10 ** (-12 / 20), abs=0.03)
    assert [(p.kind, p.outcome) for p in out.history] == [("wake", "played")]


def test_wake_cuts_a_sentence_in_one_true_false_span(pulse: dict[str, str], tmp_path: Path) -> None:
    told: list[bool] = []
    out = AnswerOutput(told.append)
    sentence = "Banned. Say undo to take it back."
    try:
        with Recording(pulse, tmp_path / "out.wav") as rec:
            out.speak(sentence)
            time.sleep(0.6)
            assert out.playing_kind == "speech"
            out.play_earcon("wake", interrupt=True)
            assert out.wait_idle(10)
    finally:
        out.close()
    assert told == [True, False]
    assert [(p.kind, p.outcome) for p in out.history] == [
        ("speech", "cut"),
        ("wake", "played"),
    ]
    sounds = rec.sounds(gap_s=0.05)
    heard_s = sum(end - start for start, end in sounds)
    full_s = render_speech(sentence)[0].shape[0] / 22050
    assert 0.3 < heard_s < full_s - 1.0  # cut short: the full sentence is ~2.4 s


def test_newest_answer_replaces_waiting_ones() -> None:
    out = AnswerOutput(device="no such output device")
    try:
        out.play_earcon("wake")
        for n in range(6):
            out.speak(f"answer {n}")
        assert out.wait_idle(10)
        spoken = [p for p in out.history if p.kind == "speech"]
        assert spoken[-1].text == "answer 5" and spoken[-1].outcome == "dropped"
        assert {p.outcome for p in spoken[:-1]} <= {"replaced", "dropped"}
        assert sum(p.outcome == "dropped" for p in spoken) <= 2  # at most one was under way
    finally:
        out.close()


def test_a_failing_listener_is_logged_and_the_sound_plays(
    pulse: dict[str, str], caplog: pytest.LogCaptureFixture
) -> None:
    def broken(on: bool) -> None:
        raise RuntimeError("listener bug")

    out = AnswerOutput(broken)
    try:
        out.play_earcon("done")
        assert out.wait_idle(10)
    finally:
        out.close()
    assert [(p.kind, p.outcome) for p in out.history] == [("done", "played")]
    assert sum("on_playing" in r.message for r in caplog.records) == 2


def test_sound_server_dies_mid_sentence_and_comes_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Dropped, told False, logged once, never raised; the next sound after a restart plays."""
    server = PulseServer(tmp_path)
    server.start()
    told: list[bool] = []
    try:
        with portaudio_on(server.env):
            out = AnswerOutput(told.append)
            try:
                out.speak("This sentence is cut short when the sound server goes away.")
                time.sleep(1.0)
                server.kill()
                assert out.wait_idle(10)
                out.play_earcon("done")
                assert out.wait_idle(10)
                server.start()
                out.play_earcon("wake")
                assert out.wait_idle(10)
            finally:
                out.close()
    finally:
        server.stop()
    assert [(p.kind, p.outcome) for p in out.history] == [
        ("speech", "dropped"),
        ("done", "dropped"),
        ("wake", "played"),
    ]
    assert told == [True, False, True, False]
    assert sum("no output device" in r.message for r in caplog.records) == 1
