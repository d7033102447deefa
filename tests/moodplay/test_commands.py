from __future__ import annotations

import pytest

from moodplay import Config
from moodplay._commands import PERCENT, CommandError, Registry, voice_commands
from voice import INTENTS, NOT_UNDERSTOOD, Intent, IntentParser, load_phrase_table


@pytest.fixture
def registry() -> Registry:
    moods = Config().moods
    return voice_commands(moods.targets, moods.feelings)


def test_every_intent_the_voice_can_produce_is_a_command(registry: Registry) -> None:
    assert set(registry.names()) == set(INTENTS) - {NOT_UNDERSTOOD}
    parser = IntentParser(load_phrase_table("en").with_names({"artist": ["Maxstack"]}))
    for phrase in parser.phrases:
        intent = parser.parse(phrase.text)
        call = registry.from_intent(intent)  # typed arguments convert without error
        assert call.name == intent.name


def test_typed_arguments_are_converted_and_checked(registry: Registry) -> None:
    assert registry.resolve("volume_set", {"percent": "40"}).args == {"percent": 40}
    with pytest.raises(CommandError, match=r"outside 0\.\.100"):
        registry.resolve("volume_set", {"percent": 140})
    with pytest.raises(CommandError, match="not a whole number"):
        registry.resolve("volume_set", {"percent": "loud"})
    with pytest.raises(CommandError, match="unknown mood 'cheesy'; known: calm"):
        registry.resolve("mood_request", {"mood": "cheesy"})
    with pytest.raises(CommandError, match="missing argument 'percent'"):
        registry.resolve("volume_set", {})
    with pytest.raises(CommandError, match="unexpected argument"):
        registry.resolve("pause", {"x": 1})
    with pytest.raises(CommandError, match="unknown command 'dance'"):
        registry.resolve("dance", {})
    with pytest.raises(CommandError, match="not a command"):
        registry.from_intent(Intent(NOT_UNDERSTOOD, {}, "banana"))


def test_handlers_register_once_and_run_with_converted_arguments() -> None:
    registry = Registry()
    seen: list[int] = []

    @registry.command("setvol", percent=PERCENT)
    def setvol(percent: int) -> None:
        seen.append(percent)

    registry.run(registry.resolve("setvol", {"percent": "55"}))
    assert seen == [55]
    with pytest.raises(ValueError, match="registered twice"):
        registry.declare("setvol")
    registry.declare("later")
    with pytest.raises(CommandError, match="nothing handles it yet"):
        registry.run(registry.resolve("later", {}))
