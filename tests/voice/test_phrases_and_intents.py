from __future__ import annotations

import pytest

from voice import (
    INTENTS,
    NOT_UNDERSTOOD,
    IntentParser,
    PhraseError,
    english_number,
    load_phrase_table,
    normalise,
    split_wake,
)
from voice._intent import lcs

NAMES = {"artist": ["Maxstack"], "album": ["Endgame: Singularity"], "title": ["Nebula"]}


@pytest.fixture(scope="module")
def parser() -> IntentParser:
    return IntentParser(load_phrase_table("en").with_names(NAMES))


@pytest.mark.parametrize(
    ("text", "name", "slots"),
    [
        ("skip", "next", {}),
        ("Next one", "next", {}),
        ("skip this song", "next", {}),
        ("pause the music", "pause", {}),
        ("set the volume to seventy five percent", "volume_set", {"percent": 75}),
        ("volume one hundred percent", "volume_set", {"percent": 100}),
        ("play something calm", "mood_request", {"mood": "calm"}),
        ("I want something upbeat", "mood_request", {"mood": "upbeat"}),
        ("I'm tired", "mood_statement", {"feeling": "tired"}),
        (
            "I had a rough day",
            "mood_statement",
            {"feeling": "stressed", "statement": "i had a rough day"},
        ),
        ("more like this", "more_like_this", {}),
        ("I love this", "like", {}),
        ("not this one", "dislike", {}),
        ("never play this again", "ban", {}),
        ("What's playing?", "whats_playing", {}),
        ("why this song", "why_this", {}),
        ("good night", "wind_down", {}),
        ("unmute", "unmute", {}),
        ("play Maxstack", "play_artist", {"artist": "maxstack"}),
        ("play the album Endgame: Singularity", "play_album", {"album": "endgame singularity"}),
        ("play Nebula", "play_title", {"title": "nebula"}),
    ],
)
def test_phrasings_map_to_intents_and_slots(
    parser: IntentParser, text: str, name: str, slots: dict[str, object]
) -> None:
    intent = parser.parse(text)
    assert (intent.name, dict(intent.slots)) == (name, slots)
    assert intent.confidence == 1.0


def test_every_intent_has_several_phrasings_and_is_documented() -> None:
    table = load_phrase_table("en")
    for name, phrasings in table.intents.items():
        assert name in INTENTS
        if not name.startswith("play_"):
            assert len(phrasings) >= 2, name


def test_unknown_text_is_not_understood_never_a_guess(parser: IntentParser) -> None:
    for text in ("banana telephone", "the weather in paris", "", "play jazz from the fifties"):
        intent = parser.parse(text)
        assert intent.name == NOT_UNDERSTOOD, text
        assert intent.text == normalise(text)


def test_near_misses_match_with_lower_confidence(parser: IntentParser) -> None:
    intent = parser.parse("skip this stupid song", asr_confidence=0.8)
    assert intent.name == "next" and intent.confidence == pytest.approx(0.8 * 3 / 4)


def test_polite_edges_are_ignored(parser: IntentParser) -> None:
    for text in ("please skip this song", "could you skip this song please", "skip it now"):
        assert parser.parse(text).name == "next", text
        assert parser.parse(text).confidence == 1.0


def test_commands_are_not_mood_statements(parser: IntentParser) -> None:
    assert parser.parse("play something dark").name == "mood_request"
    assert parser.parse("never play this again").name == "ban"


def test_wake_phrase_split() -> None:
    assert split_wake("Hey music, skip this!", "hey music") == (True, "skip this")
    assert split_wake("hey music", "hey music") == (True, "")
    assert split_wake("skip this", "hey music") == (False, "skip this")
    assert split_wake("music hey skip", "hey music") == (False, "music hey skip")


def test_korean_table_and_fuzzy_word_match() -> None:
    ko = IntentParser(load_phrase_table("ko"))
    assert ko.parse("노래 틀어 줘").name == "play"
    assert ko.parse("음악 멈춰").name == "pause"
    assert ko.parse("노래 줘").name == "play"  # one word dropped of three
    assert ko.parse("줘 줘 줘").name == NOT_UNDERSTOOD


def test_numbers_and_helpers() -> None:
    assert [english_number(n) for n in (0, 7, 15, 20, 42, 99, 100)] == [
        "zero", "seven", "fifteen", "twenty", "forty two", "ninety nine", "one hundred",
    ]  # fmt: skip
    assert lcs(["a", "b", "c", "d"], ["a", "c", "d", "e"]) == 3
    with pytest.raises(PhraseError, match="no phrase table for language 'xx'"):
        load_phrase_table("xx")
