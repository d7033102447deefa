"""The speech engine in a process of its own (voice._asr_process): the same transcripts as in
this process, a new grammar reaches it, and a child that dies is started again."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from tests.voice.speech import say, silence
from voice._asr_process import RecognizerProcess
from voice._engines import VoiceSettings, make_recognizer
from voice._phrases import load_phrase_table


def _say(recognizer: object, pcm: np.ndarray) -> str:
    recognizer.start()  # type: ignore[attr-defined]
    recognizer.feed(pcm)  # type: ignore[attr-defined]
    return str(recognizer.finish().text)  # type: ignore[attr-defined]


def _render(text: str, folder: Path) -> np.ndarray:
    return np.concatenate([silence(0.3), say(text, folder), silence(0.3)])


@pytest.fixture(scope="module")
def command(tmp_path_factory: pytest.TempPathFactory) -> np.ndarray:
    return _render("hey mycroft, skip this song", tmp_path_factory.mktemp("speech"))


def test_the_child_hears_what_this_process_hears(command: np.ndarray) -> None:
    settings = VoiceSettings(engine="pocketsphinx")
    table = load_phrase_table("en")
    here = make_recognizer(settings, table)
    there = RecognizerProcess(settings, table)
    try:
        assert there._proc is not None and there._proc.pid != os.getpid()
        assert (there.name, there.exact) == (here.name, here.exact)
        heard = _say(there, command)
        assert heard == _say(here, command)
        assert "skip" in heard
    finally:
        there.close()


def test_a_new_grammar_reaches_the_child_and_survives_its_death(
    command: np.ndarray, tmp_path: Path
) -> None:
    settings = VoiceSettings(engine="pocketsphinx")
    there = RecognizerProcess(settings, load_phrase_table("en"))
    try:
        names = load_phrase_table("en").with_names({"artist": ["maxstack"]})
        there.set_grammar(names, settings.wake_phrase)
        assert there._proc is not None
        there._proc.kill()
        there._proc.wait()
        assert _say(there, command) == ""  # the utterance in flight: nothing, never a guess
        played = _render("hey mycroft, play something by maxstack", tmp_path)
        assert "maxstack" in _say(there, played)  # started again, with the newer grammar
    finally:
        there.close()
