"""Grapheme-to-phoneme with the real espeak-ng, against CMUdict and the real PocketSphinx."""

# ruff: noqa: RUF001  # IPA look-alike letters are what these tests feed in

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from pocketsphinx import Decoder

from tests.pulse import pulse_server
from tests.voice.speech import say
from voice._g2p import (
    ARPABET,
    Pronouncer,
    dictionary_words,
    espeak_phonemes,
    ipa_to_arpabet,
    parse_phones,
)
from voice._sphinx import model_files

CMUDICT = model_files()[1]

# espeak-ng 1.51's en-us guess, mapped, for words whose CMUdict entries are well known. All but
# two equal a CMUdict pronunciation exactly; those two differ in one unstressed vowel.
COMMON = {
    "music": "M Y UW Z IH K",
    "cherry": "CH EH R IY",
    "question": "K W EH S CH AH N",
    "orange": "AO R IH N JH",  # CMUdict's second entry
    "thought": "TH AO T",
    "pleasure": "P L EH ZH ER",
    "judge": "JH AH JH",
    "boy": "B OY",
    "house": "HH AW S",
    "little": "L IH T AH L",  # flap ɾ -> T, əl -> AH L
    "button": "B AH T AH N",  # glottal stop -> T, syllabic n̩ -> AH N
    "fire": "F AY ER",
    "hour": "AW ER",
    "more": "M AO R",
    "hair": "HH EH R",
    "bird": "B ER D",
    "roses": "R OW Z IH Z",  # espeak's reduced ᵻ -> IH
    "aberrations": "AE B ER EY SH AH N Z",  # ɚ ɹ -> ER, as CMUdict spells it
}
NEAR_MISSES = {"mountain": "M AW N T IH N", "poor": "P UH R"}  # CMUdict: T AH N; P UW R

PER_SAMPLE, PER_SEED = 500, 2024
PER_MEASURED = 0.1048
"""Phone error rate of this sample when written (espeak-ng 1.51, pocketsphinx 5's CMUdict);
over all 117,493 plain-letter CMUdict words it is 9.96 % (60.3 % of words exactly right).
Most errors are vowels in surnames, which CMUdict holds many of."""
PER_MARGIN = 0.02


def cmudict() -> dict[str, list[list[str]]]:
    """Every pronunciation of every headword ("word(2)" folds into "word")."""
    prons: dict[str, list[list[str]]] = defaultdict(list)
    with CMUDICT.open(encoding="utf-8") as f:
        for line in f:
            word, phones = line.split(maxsplit=1)
            prons[word.split("(")[0]].append(phones.split("#")[0].split())
    return prons


def edit_distance(a: list[str], b: list[str]) -> int:
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        prev, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (x != y))
    return row[-1]


def g2p(words: list[str]) -> dict[str, str | None]:
    ipa = espeak_phonemes(words)
    return {w: ipa_to_arpabet(ipa[w]) if w in ipa else None for w in words}


# --- the mapping ---------------------------------------------------------------------------------


def test_common_words_match_cmudict() -> None:
    prons = cmudict()
    got = g2p([*COMMON, *NEAR_MISSES])
    assert got == {**COMMON, **NEAR_MISSES}
    for word, phones in COMMON.items():
        assert phones.split() in prons[word], word
    for word, phones in NEAR_MISSES.items():
        assert min(edit_distance(phones.split(), p) for p in prons[word]) == 1, word


def test_phone_error_rate_against_cmudict_stays_where_it_was() -> None:
    prons = cmudict()
    plain = sorted(w for w in prons if w.isascii() and w.isalpha())
    sample = random.Random(PER_SEED).sample(plain, PER_SAMPLE)
    got = g2p(sample)
    unmapped = [w for w, phones in got.items() if phones is None]
    errors = reference = 0
    for word, phones in got.items():
        if phones is not None:
            best = min(prons[word], key=lambda p: edit_distance(phones.split(), p) / len(p))
            errors += edit_distance(phones.split(), best)
            reference += len(best)
    per = errors / reference
    print(f"phone error rate {per:.2%} over {PER_SAMPLE} CMUdict words, unmapped: {unmapped}")
    assert per < PER_MEASURED + PER_MARGIN
    assert len(unmapped) <= 2


def test_ipa_mapping_rules() -> None:
    assert ipa_to_arpabet("m_ˈæ_k_s_s_t_æ_k") == "M AE K S T AE K"  # geminate S once
    assert ipa_to_arpabet("mˈæksstæk") == "M AE K S T AE K"  # unseparated works too
    assert ipa_to_arpabet("n_ˈʌ_t_ʃ_ɛ_l") == "N AH T SH EH L"  # separated t_ʃ is not CH
    assert ipa_to_arpabet("nˈʌtʃɛl") == "N AH CH EH L"  # ... unseparated, longest match wins
    assert ipa_to_arpabet("k_ˈɑːɹ") == "K AA R"
    assert ipa_to_arpabet("h_ˈɑː_l_z_w_ɔːɹ_θ") == "HH AA L Z W AO R TH"
    assert ipa_to_arpabet("f_ˈaɪɚ") == "F AY ER"
    assert ipa_to_arpabet("j_ˈuː t_ˈuː") == "Y UW T UW"  # "u2": words joined
    assert ipa_to_arpabet("ˈeɪ_k_n_b_ɑː_x") == "EY K N B AA K"  # German ch -> K
    assert ipa_to_arpabet("h_ˌɑː_l_ə_p_ˈeɪ_nʲ_oʊ") == "HH AA L AH P EY N Y OW"
    assert ipa_to_arpabet("ɬ_æ_n_ˈoʊ") == "L AE N OW"


def test_unmappable_ipa_is_none_not_a_guess() -> None:
    assert ipa_to_arpabet("ˈeɪ_k_s_ˈɛ_n_p_ɹ_ɑː_v_ˈɑ̃_s") is None  # French nasal vowel
    assert ipa_to_arpabet("(fr)b_ɔ̃(en)") is None  # language-switch marks
    assert ipa_to_arpabet("q_ˈa") is None
    assert ipa_to_arpabet("") is None
    assert ipa_to_arpabet("ˈ_ː") is None


def test_every_symbol_espeak_prints_for_a_name_maps_into_arpabet() -> None:
    names = ["maxstack", "coherence", "simulacra", "björk", "beyoncé", "mötley", "blink182"]
    got = g2p(names)
    assert got["maxstack"] == "M AE K S T AE K"
    assert got["blink182"] == "B L IH NG K W AH N HH AH N D R IH D EY T IY T UW"
    assert all(p is not None and set(p.split()) <= ARPABET for p in got.values()), got


# --- espeak-ng -----------------------------------------------------------------------------------


def test_a_batch_gives_what_one_word_at_a_time_gives() -> None:
    words = ["the", "apple", "read", "live", "maxstack", "u2", "'", "coherence", "2001"]
    batch = espeak_phonemes(words)
    alone = {w: ipa for w in words for ipa in espeak_phonemes([w]).values()}
    assert batch == alone
    assert set(batch) == set(words) - {"'"}  # an apostrophe alone has no sound
    assert batch["the"] == "ð_ˈə"  # not "ði" before "apple": lines are read apart


def test_words_espeak_would_only_name_or_cannot_take_are_not_sent() -> None:
    assert espeak_phonemes(["漢字", "привет", "two\nlines", "", "x" * 101]) == {}
    assert set(espeak_phonemes(["straße", "mañana", "déjà"])) == {"straße", "mañana", "déjà"}


def test_an_unknown_espeak_voice_is_an_error() -> None:
    from voice._g2p import EspeakError

    with pytest.raises(EspeakError, match=r"-v nosuch failed \(exit 1\)"):
        espeak_phonemes(["hello"], voice="nosuch")


def test_espeak_ng_stays_off_the_sound_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """espeak-ng 1.51 opens a client and a playback stream on the user's server even with -q."""
    with pulse_server(tmp_path) as pulse:
        for key, value in pulse.items():
            monkeypatch.setenv(key, value)  # the user's session: espeak-ng would find the server
        events = subprocess.Popen(["pactl", "subscribe"], stdout=subprocess.PIPE, text=True)
        try:
            time.sleep(0.3)
            ipa = espeak_phonemes(["maxstack", "coherence"])
            time.sleep(0.3)
        finally:
            events.terminate()
        out, _ = events.communicate(timeout=10)
    assert ipa == {"maxstack": "m_ˈæ_k_s_s_t_æ_k", "coherence": "k_oʊ_h_ˈɪ_ɹ_ə_n_s"}
    assert "client" not in out and "sink-input" not in out, out


def test_without_espeak_names_get_nothing_and_one_warning(tmp_path: Path) -> None:
    script = (
        "import logging; logging.basicConfig(format='%(levelname)s %(message)s')\n"
        "from voice._g2p import Pronouncer\n"
        "p = Pronouncer(lambda w: w == 'play', {'nebula': 'N EH B Y AH L AH'})\n"
        "print(p.pronounce_many(['play', 'maxstack', 'nebula']), p.pronounce('coherence'))\n"
        "print(p.unsayable(['play', 'maxstack', 'nebula', 'play coherence']))\n"
    )
    env = {"PATH": str(tmp_path), "PYTHONPATH": str(Path(__file__).parents[2])}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, env=env, check=True
    )
    assert result.stdout.splitlines() == [
        "{'nebula': 'N EH B Y AH L AH'} None",
        "['maxstack', 'play coherence']",
    ]
    warnings = result.stderr.splitlines()
    assert len(warnings) == 1 and warnings[0].startswith("WARNING espeak-ng is not installed")
    assert "apt-get install espeak-ng" in warnings[0]


# --- Pronouncer ----------------------------------------------------------------------------------


def test_pronouncer_order_override_then_dictionary_then_guess() -> None:
    known = {"play", "something", "by", "nebula"}.__contains__
    overrides = {"Nebula": "n eh1 b y uw0 l ah0", "coherence": "K OW HH IH R AH N S"}
    p = Pronouncer(known, overrides)
    assert p.pronounce("play") is None  # the dictionary has it: nothing to add
    assert p.pronounce("nebula") == "N EH B Y UW L AH"  # an override beats the dictionary
    assert p.pronounce("coherence") == "K OW HH IH R AH N S"
    assert p.pronounce("maxstack") == "M AE K S T AE K"  # the espeak-ng guess
    assert p.pronounce_many(["play", "maxstack", "nebula", "maxstack"]) == {
        "maxstack": "M AE K S T AE K",
        "nebula": "N EH B Y UW L AH",
    }


def test_unsayable_names_and_the_override_that_fixes_one() -> None:
    known = (dictionary_words(CMUDICT) - {"denouement"}).__contains__
    names = ["maxstack", "denouement", "through space", "denouement", "漢字"]
    assert Pronouncer(known, {}).unsayable(names) == ["denouement", "漢字"]
    fixed = Pronouncer(known, {"denouement": "D EY N UW M AA N"})
    assert fixed.unsayable(names) == ["漢字"]


def test_guesses_are_cached() -> None:
    p = Pronouncer(lambda w: False, {})
    first = p.pronounce_many(["maxstack", "coherence"])
    assert p.pronounce_many(["maxstack", "coherence"]) == first


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"maxstack": "M AE K S T AE Q"}, r"pronunciation for 'maxstack': 'Q' is not an ARPAbet"),
        ({"maxstack": "M AE4 K"}, r"'AE4' is not an ARPAbet phone"),
        ({"maxstack": "  "}, r"pronunciation for 'maxstack' is empty"),
        ({"max stack": "M AE K S"}, r"pronunciation key 'max stack': give one word"),
    ],
)
def test_bad_overrides_name_the_word_and_the_phone(overrides: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Pronouncer(lambda w: False, overrides)


def test_parse_phones_normalises_case_and_stress() -> None:
    assert parse_phones("maxstack", "m ae1 k s t ae2 k") == "M AE K S T AE K"
    assert len(ARPABET) == 39


# --- the real engine -----------------------------------------------------------------------------

GRAMMAR = (
    "#JSGF V1.0;\ngrammar names;\n"
    "public <command> = play something by ( maxstack | coherence | nebula );\n"
)


WORDS = ["play", "something", "by", "maxstack", "coherence", "nebula"]


def sphinx_with(pronounce: Callable[[Decoder], dict[str, str]]) -> Decoder:
    decoder = Decoder(lm=None, loglevel="FATAL", bestpath=False)
    for word, phones in pronounce(decoder).items():
        decoder.add_word(word, phones, False)
    decoder.add_jsgf_string("names", GRAMMAR)
    decoder.activate_search("names")
    return decoder


def decode(decoder: Decoder, pcm: bytes) -> str | None:
    decoder.start_utt()
    decoder.process_raw(pcm, False, True)
    decoder.end_utt()
    hyp = decoder.hyp()
    return None if hyp is None else str(hyp.hypstr)


@pytest.fixture(scope="module")
def spoken(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("g2p-speech")


def test_pocketsphinx_cannot_take_maxstack_without_a_pronunciation() -> None:
    with pytest.raises(ValueError, match="Failed to parse JSGF"):
        sphinx_with(lambda d: {})


@pytest.mark.parametrize("voice", ["slt", "rms"])
def test_a_guessed_name_is_recognised_by_pocketsphinx(voice: str, spoken: Path) -> None:
    def guessed(decoder: Decoder) -> dict[str, str]:
        def known(word: str) -> bool:
            return decoder.lookup_word(word) is not None

        return Pronouncer(known, {}).pronounce_many(WORDS)

    decoder = sphinx_with(guessed)
    for name in ("maxstack", "coherence", "nebula"):
        pcm = say(f"play something by {name}", spoken, voice).tobytes()
        assert decode(decoder, pcm) == f"play something by {name}", (voice, name)
