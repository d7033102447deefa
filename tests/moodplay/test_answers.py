"""What the listener hears back in each ``[voice] answers`` mode, through a real AnswerOutput.

Most tests give the output a device that does not exist: every sound is still rendered (espeak-ng
for real) and recorded in ``history`` as "dropped", which shows exactly what each mode queued.
One test plays a spoken confirmation into the private PulseAudio server.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from moodplay._answers import SENTENCES, Answers, as_sentence, spoken_error
from tests.pulse import pulse_server
from tests.voice.test_speak import Recording, portaudio_on
from voice import AnswerOutput, render_speech

NOWHERE = "no such output device"


@pytest.fixture
def output() -> Iterator[AnswerOutput]:
    out = AnswerOutput(device=NOWHERE)
    yield out
    out.close()


def _everything(answers: Answers, output: AnswerOutput) -> list[tuple[str, str]]:
    """Every kind of answer once, each waited for: (kind, text) of what was queued."""
    steps = [
        answers.wake,
        lambda: answers.not_understood("play the blue one"),
        lambda: answers.confirm("whats_playing", "Coherence by Maxstack"),
        lambda: answers.confirm("why_this", "it is calm like you asked"),
        lambda: answers.confirm("ban", None),
        lambda: answers.confirm("dislike", None),
        lambda: answers.confirm("volume_set", 40),
        lambda: answers.confirm("next", None),
        lambda: answers.error("volume_set: 140 is outside 0..100 percent"),
        lambda: answers.say("Good night."),
    ]
    for step in steps:
        step()
        assert output.wait_idle(10)
    assert {p.outcome for p in output.history} <= {"dropped"}  # rendered; no device to play on
    return [(p.kind, p.text) for p in output.history]


def test_off_plays_nothing(output: AnswerOutput) -> None:
    assert _everything(Answers("off", "en-us", output), output) == []


def test_no_output_is_silent_in_any_mode() -> None:
    for mode in ("speech", "earcon", "off"):
        answers = Answers(mode, "en-us", None)
        answers.wake()
        answers.confirm("ban", None)
        answers.error("boom")


def test_earcon_mode_plays_cues_and_no_speech(output: AnswerOutput) -> None:
    kinds = [kind for kind, _ in _everything(Answers("earcon", "en-us", output), output)]
    assert kinds == ["wake", "not_understood"] + ["done"] * 6 + ["error"]


def test_speech_mode_speaks_answers_and_confirms_the_rest_with_a_cue(
    output: AnswerOutput,
) -> None:
    assert _everything(Answers("speech", "en-us", output), output) == [
        ("wake", ""),
        ("not_understood", ""),
        ("speech", "Coherence by Maxstack."),
        ("speech", "It is calm like you asked."),
        ("speech", "Banned. Say undo to take it back."),
        ("speech", "OK, not this one. Say undo to take it back."),
        ("speech", "Volume 40."),
        ("done", ""),
        ("speech", "Sorry, volume set: 140 is outside 0 to 100 percent."),
        ("speech", "Good night."),
    ]


def test_speech_mode_without_a_usable_result_gives_the_cue(output: AnswerOutput) -> None:
    answers = Answers("speech", "en-us", output)
    for name, result in (("whats_playing", None), ("whats_playing", "  "), ("volume_set", None)):
        answers.confirm(name, result)
        assert output.wait_idle(10)
    assert [p.kind for p in output.history] == ["done", "done", "done"]


def test_an_unknown_tts_voice_fails_quietly(output: AnswerOutput) -> None:
    Answers("speech", "zz-nope", output).confirm("ban", None)
    assert output.wait_idle(10)
    assert [(p.kind, p.outcome) for p in output.history] == [("speech", "failed")]


def test_the_confirmations_are_short_speakable_sentences() -> None:
    for name, template in SENTENCES.items():
        pcm, rate = render_speech(template.format(result=40))
        assert pcm.shape[0] / rate < 3.5, name


def test_unknown_mode() -> None:
    with pytest.raises(ValueError, match="speech, earcon, off"):
        Answers("loud", "en-us", None)


@pytest.mark.parametrize(
    ("message", "spoken"),
    [
        ("volume_set: 140 is outside 0..100 percent",
         "volume set: 140 is outside 0 to 100 percent"),
        ("not a command: next_song ('next song please')", "not a command: next song"),
        ("'x' is not a whole number of percent; say a number",
         "'x' is not a whole number of percent"),
        ("nothing is playing.", "nothing is playing"),
        ("one two three four five six seven eight nine ten eleven twelve thirteen",
         "one two three four five six seven eight nine ten eleven twelve"),
        ("(detail only)", ""),
    ],
)  # fmt: skip
def test_spoken_error(message: str, spoken: str) -> None:
    assert spoken_error(message) == spoken


def test_empty_error_message_gives_the_cue(output: AnswerOutput) -> None:
    Answers("speech", "en-us", output).error("(detail only)")
    assert output.wait_idle(10)
    assert [p.kind for p in output.history] == ["error"]


def test_as_sentence() -> None:
    assert as_sentence("nothing is playing") == "Nothing is playing."
    assert as_sentence("  Why?  ") == "Why?"
    assert as_sentence("") == ""


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with pulse_server(tmp_path_factory.mktemp("pulse")) as env, portaudio_on(env):
        yield env


def test_a_ban_is_confirmed_out_loud_with_the_music_ducked(
    pulse: dict[str, str], tmp_path: Path
) -> None:
    told: list[tuple[bool, float]] = []
    out = AnswerOutput(lambda on: told.append((on, time.monotonic())))
    try:
        with Recording(pulse, tmp_path / "out.wav") as rec:
            Answers("speech", "en-us", out).confirm("ban", None)
            assert out.wait_idle(10)
    finally:
        out.close()
    assert [on for on, _ in told] == [True, False]
    sounds = rec.sounds(gap_s=0.5)  # "Banned." and "Say undo ..." with a pause between
    start, end = sounds[0][0], sounds[-1][1]
    pcm, rate = render_speech(SENTENCES["ban"])
    loud = np.flatnonzero(np.abs(pcm) > 0.01 * 32768)  # espeak-ng pads with silence
    # An underrun on a busy machine stretches playback a little; a cut would shorten it.
    assert end - start == pytest.approx((loud[-1] - loud[0]) / rate, abs=0.08), sounds
    assert told[0][1] < start and end < told[1][1], (told, sounds)
    assert np.abs(rec.audio).max() > 0.3  # speech at espeak-ng's own level
