"""Numbers as words and back, and the intent parser with numbers no slot holds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from voice import IntentParser, load_phrase_table
from voice._numbers import english_number, number_runs, read_signs, spell_digits, word_number


def test_english_number_beyond_a_hundred() -> None:
    assert [english_number(n) for n in (101, 150, 666, 999, 1000, 2024, 1_000_005)] == [
        "one hundred one", "one hundred fifty", "six hundred sixty six",
        "nine hundred ninety nine", "one thousand", "two thousand twenty four",
        "one million five",
    ]  # fmt: skip
    assert english_number(-5) == "minus five"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.integers(min_value=0, max_value=10**15 - 1))
def test_words_read_back_as_the_number(n: int) -> None:
    assert word_number(english_number(n).split()) == n


NOT_ONE = ["one two", "five twenty", "twenty thirty", "hundred", "one thousand two thousand",
           "and one", "zero five"]  # fmt: skip


@pytest.mark.parametrize("words", NOT_ONE)
def test_two_numbers_are_not_one(words: str) -> None:
    assert word_number(words.split()) is None


def test_runs_signs_and_points() -> None:
    assert number_runs(["volume", "one", "hundred", "fifty", "percent"]) == [(1, 4, 150)]
    assert number_runs(spell_digits(read_signs("volume -5")).split()) == [(1, 3, -5)]
    assert number_runs(spell_digits(read_signs("volume 50.5")).split()) == [(1, 4, "50.5")]
    assert number_runs(["volume", "one", "zero"]) == [(1, 3, "one zero")]
    assert number_runs(["9" * 40]) == [(0, 1, "9" * 40)]  # no int() of 40 digits, no words
    assert read_signs("Blink-182 Mr.Brown") == "Blink-182 Mr.Brown"


@pytest.fixture(scope="module")
def parser() -> IntentParser:
    names = {"title": ["Route 666", "Nebula"], "artist": ["Blink 182"]}
    return IntentParser(load_phrase_table("en").with_names(names), 0.6)


@pytest.mark.parametrize(("text", "value"), [
    ("volume 150", 150), ("volume one hundred fifty", 150), ("set the volume to 150 percent", 150),
    ("volume to -5", -5), ("set the volume to 50.5", "50.5"), ("volume 1,000", "one zero"),
    ("set volume to " + "9" * 30, "9" * 30),
])  # fmt: skip
def test_a_volume_no_slot_holds_is_kept_for_the_command_to_refuse(
    parser: IntentParser, text: str, value: object
) -> None:
    """Never the nearest phrase ("volume one hundred" would set 100 % silently)."""
    intent = parser.parse(text)
    assert (intent.name, dict(intent.slots)) == ("volume_set", {"percent": value})


def test_numbers_in_names_and_in_range(parser: IntentParser) -> None:
    assert dict(parser.parse("play the song route 666").slots) == {"title": "route 666"}
    assert dict(parser.parse("play blink 182").slots) == {"artist": "blink 182"}
    assert dict(parser.parse("set the volume to 100").slots) == {"percent": 100}
    assert dict(parser.parse("volume 30").slots) == {"percent": 30}
