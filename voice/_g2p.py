"""Grapheme-to-phoneme: pronunciations for library names the speech engine's dictionary lacks.

PocketSphinx can only listen for words it can pronounce; its US-English model ships CMUdict,
which has no entry for most artist names ("maxstack"). Such words get phones from Debian's
``espeak-ng`` (its en-us rules and exception lists, ``espeak-ng -q --ipa --sep=_``: one line of
IPA per input line, phonemes separated by ``_``), mapped to the engine's phone set.

The mapping (``ipa_to_arpabet``) goes from espeak-ng's en-us phoneme inventory, as its ``--ipa``
output spells it (espeak-ng ``phsource/ph_english_us`` and ``ph_english``; every symbol it
printed for the 126k CMUdict headwords is covered), to CMUdict's 39 ARPAbet phones
(``cmudict.phones`` in the CMU Pronouncing Dictionary; the IPA equivalents are the ones its
documentation and Wikipedia's "ARPABET" table give). The choices that are not one-to-one:

- stress (ˈ ˌ), length (ː ˑ) and syllable (. and the empty phoneme between ``__``) marks are
  dropped: the engine's dictionary has no stress;
- diphthongs and affricates are one phone: aɪ AY, aʊ AW, eɪ EY, oʊ OW, ɔɪ OY, tʃ CH, dʒ JH;
- r-coloured vowels as CMUdict writes them: ɚ and ɜː ER; ɑːɹ AA R, ɔːɹ and oːɹ AO R, ɪɹ IH R,
  ɛɹ EH R, ʊɹ UH R (the ɹ is its own phoneme in espeak's output, so these compose);
- reduced vowels: ə, ɐ and ʌ AH; ᵻ (espeak's reduced "I#", as in "roses") IH; i (unstressed
  final "happy" vowel) IY; syllabic n̩ l̩ m̩ are AH + the consonant (CMUdict "button" B AH T AH N);
- the flap ɾ is T (CMUdict writes the American flap by spelling — T in "butter", D in "ladder" —
  and T is the more frequent), the glottal stop ʔ (in "button") T;
- the rare foreign sounds CMUdict approximates: x K ("bach" B AA K), ɬ L (Welsh "ll"),
  a palatal ʲ a following Y ("jalapeno" N Y OW);
- identical neighbouring consonants collapse into one (espeak's "maxstack" has S S; CMUdict
  writes a geminate once: "bookkeeper" B UH K IY P ER), and an R right after ER is dropped
  (espeak's "mackerel" is ɚ ɹ əl; CMUdict's M AE K ER AH L).

Anything else — nasal vowels (French "ɑ̃"), language-switch marks like "(fr)" — has no honest
ARPAbet spelling: ``ipa_to_arpabet`` returns None and the word stays unsayable, unless the user
gives its phones under ``[voice.pronunciations]``.
"""

# ruff: noqa: RUF001, RUF002  # IPA look-alike letters are this module's subject

from __future__ import annotations

import functools
import logging
import os
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from voice._speak import NO_SOUND_SERVER

log = logging.getLogger(__name__)

ESPEAK = "espeak-ng"
ARPABET = frozenset({
    "AA", "AE", "AH", "AO", "AW", "AY", "B", "CH", "D", "DH", "EH", "ER", "EY", "F", "G", "HH",
    "IH", "IY", "JH", "K", "L", "M", "N", "NG", "OW", "OY", "P", "R", "S", "SH", "T", "TH",
    "UH", "UW", "V", "W", "Y", "Z", "ZH",
})  # fmt: skip
"""The 39 phones of CMUdict, which PocketSphinx's en-us model uses (no stress digits)."""

_SEPARATORS = re.compile(r"[_ \u200c]+")  # --sep=_ between phonemes, a space between words
_MARKS = str.maketrans("", "", "ˈˌːˑ.\u0361\u200d")  # stress, length, syllable, ties
_PHONES: dict[str, tuple[str, ...]] = {
    # consonants
    "p": ("P",), "b": ("B",), "t": ("T",), "d": ("D",), "k": ("K",), "ɡ": ("G",), "g": ("G",),
    "f": ("F",), "v": ("V",), "θ": ("TH",), "ð": ("DH",), "s": ("S",), "z": ("Z",),
    "ʃ": ("SH",), "ʒ": ("ZH",), "tʃ": ("CH",), "dʒ": ("JH",), "h": ("HH",), "m": ("M",),
    "n": ("N",), "ŋ": ("NG",), "l": ("L",), "ɹ": ("R",), "r": ("R",), "w": ("W",), "j": ("Y",),
    "ɾ": ("T",), "ʔ": ("T",), "x": ("K",), "ɬ": ("L",), "ʲ": ("Y",),
    # syllabic consonants
    "n\u0329": ("AH", "N"), "l\u0329": ("AH", "L"), "m\u0329": ("AH", "M"), "ɹ\u0329": ("ER",),
    # vowels
    "i": ("IY",), "ɪ": ("IH",), "ᵻ": ("IH",), "ɛ": ("EH",), "æ": ("AE",), "ɑ": ("AA",),
    "ɒ": ("AA",), "ɔ": ("AO",), "o": ("AO",), "ʊ": ("UH",), "u": ("UW",), "ʌ": ("AH",),
    "ə": ("AH",), "ɐ": ("AH",), "ɚ": ("ER",), "ɜ": ("ER",),
    # diphthongs
    "aɪ": ("AY",), "aʊ": ("AW",), "eɪ": ("EY",), "oʊ": ("OW",), "ɔɪ": ("OY",),
}  # fmt: skip
_LONGEST = max(len(k) for k in _PHONES)
_VOWELS = frozenset({"AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY",
                     "UH", "UW"})  # fmt: skip
_MAX_WORD_CHARS = 100  # longer "words" are not names anyone says; espeak would spell them out


class EspeakError(RuntimeError):
    """espeak-ng ran but failed; the message has its exit status and first error line."""


def ipa_to_arpabet(ipa: str) -> str | None:
    """ARPAbet phones ("M AE K S T AE K") for espeak-ng's en-us IPA of one word.

    ``ipa`` is espeak-ng's ``--ipa`` output, phonemes optionally separated by ``_`` (its
    ``--sep=_``; without separators the longest known symbol wins, so "tʃ" is CH). Spaces
    (several words, e.g. a number read out) are allowed: the phones are joined.

    Returns None when ``ipa`` has a symbol with no ARPAbet counterpart (see the module
    docstring) or no phones at all.
    """
    phones: list[str] = []
    for chunk in _SEPARATORS.split(ipa.translate(_MARKS)):
        mapped = _chunk_phones(chunk)
        if mapped is None:
            return None
        phones.extend(mapped)
    return " ".join(_tidy(phones)) or None


def _tidy(phones: list[str]) -> list[str]:
    """CMUdict's spelling of sequences espeak writes longer: a geminate consonant once, and
    ER with no R after it ("mackerel" M AE K ER AH L; CMUdict has "ER R" in 157 of ~4,500)."""
    out: list[str] = []
    for phone in phones:
        if out and phone not in _VOWELS and (phone == out[-1] or (phone, out[-1]) == ("R", "ER")):
            continue
        out.append(phone)
    return out


def _chunk_phones(chunk: str) -> list[str] | None:
    """Greedy longest match of espeak symbols; None at the first unknown symbol."""
    out: list[str] = []
    i = 0
    while i < len(chunk):
        for n in range(min(_LONGEST, len(chunk) - i), 0, -1):
            phones = _PHONES.get(chunk[i : i + n])
            if phones is not None:
                out.extend(phones)
                i += n
                break
        else:
            return None
    return out


def parse_phones(word: str, phones: str) -> str:
    """A configured pronunciation checked and normalised to the engine's spelling.

    Case and CMUdict stress digits are accepted ("m ae1 k s" -> "M AE K S").
    Raises ValueError naming ``word`` and the first phone outside :data:`ARPABET`, or when
    ``word`` is not one word or ``phones`` is empty.
    """
    if not word or len(word.split()) != 1:
        raise ValueError(f"pronunciation key {word!r}: give one word (no spaces), lower case")
    normal = [p.upper().rstrip("012") for p in phones.split()]
    if not normal:
        raise ValueError(f"pronunciation for {word!r} is empty; give ARPAbet phones")
    for given, phone in zip(phones.split(), normal, strict=True):
        if phone not in ARPABET:
            raise ValueError(
                f"pronunciation for {word!r}: {given!r} is not an ARPAbet phone "
                f"(use CMUdict's: {' '.join(sorted(ARPABET))})"
            )
    return " ".join(normal)


def espeak_phonemes(words: list[str], voice: str = "en-us") -> dict[str, str]:
    """espeak-ng's IPA for each word (``_`` between phonemes), all in one process call.

    Returns {word: ipa} for the words espeak-ng gave phonemes for. Only words of Latin
    letters, digits and apostrophes, up to 100 characters, are sent (so no line breaks);
    others are left out. Without ``espeak-ng`` on PATH this returns {} and logs one warning
    per process. Raises :class:`EspeakError` when it runs but fails (an unknown ``voice``).
    """
    todo = list(dict.fromkeys(w for w in words if _sendable(w)))
    if not todo:
        return {}
    exe = shutil.which(ESPEAK)
    if exe is None:
        _warn_once(
            f"{ESPEAK} is not installed: names outside the speech engine's dictionary get no "
            "pronunciation (apt-get install espeak-ng, or give them under [voice.pronunciations])"
        )
        return {}
    return {w: ipa for w, ipa in _aligned(exe, todo, voice).items() if ipa.strip("_ ")}


def _sendable(word: str) -> bool:
    """One word in Latin letters, digits and apostrophes: en-us rules can read it. (Other
    scripts it would name instead — "漢字" comes back as "Chinese letter" — a wrong guess.)"""
    return 0 < len(word) <= _MAX_WORD_CHARS and all(_latin(c) for c in word)


def _latin(char: str) -> bool:
    if char.isascii():
        return char.isalnum() or char == "'"
    return char.isalpha() and unicodedata.name(char, "").startswith("LATIN ")


@functools.cache
def _warn_once(message: str) -> None:
    log.warning(message)


def _aligned(exe: str, words: list[str], voice: str) -> dict[str, str]:
    """One output line per input line, checked; halves are retried if espeak-ng ever merges
    or splits lines (none did for the 126k CMUdict words), down to single words."""
    lines = _run_espeak(exe, words, voice)
    if len(lines) == len(words):
        return dict(zip(words, lines, strict=True))
    if len(words) == 1:
        return {words[0]: " ".join(lines)}
    log.debug("espeak-ng gave %d lines for %d words; splitting", len(lines), len(words))
    half = len(words) // 2
    return {**_aligned(exe, words[:half], voice), **_aligned(exe, words[half:], voice)}


def _run_espeak(exe: str, words: list[str], voice: str) -> list[str]:
    timeout_s = 30.0 + 0.01 * len(words)  # ~0.45 ms a word measured here; 20x headroom
    # espeak-ng 1.51 opens an audio device even with -q: keep it off the sound server as
    # render_speech does ("-d null" and a server address that cannot exist; see NO_SOUND_SERVER).
    result = subprocess.run(
        [exe, "-q", "-d", "null", "--ipa", "--sep=_", "-v", voice],
        input="\n".join(words) + "\n",
        capture_output=True,
        env={**os.environ, "PULSE_SERVER": NO_SOUND_SERVER},
        text=True,
        encoding="utf-8",
        errors="replace",
        timeout=timeout_s,
        check=False,
    )
    if result.returncode != 0:
        first = (result.stderr.strip() or result.stdout.strip() or "no output").splitlines()[0]
        raise EspeakError(f"{ESPEAK} -v {voice} failed (exit {result.returncode}): {first}")
    # Only "\n" ends a line: str.splitlines would also split at form feeds, U+2028 and the like.
    return result.stdout.removesuffix("\n").split("\n")


def dictionary_words(path: Path) -> frozenset[str]:
    """The headwords of a CMUdict-format file ("word(2) PH ONES" lines count as "word")."""
    with path.open(encoding="utf-8", errors="replace") as f:
        return frozenset(line.split(maxsplit=1)[0].split("(")[0] for line in f if line.strip())


class Pronouncer:
    """Pronunciations for the words a speech engine's dictionary lacks, for its grammar.

    ``known(word)`` says whether the engine's dictionary has a word (PocketSphinx:
    ``decoder.lookup_word(word) is not None``). ``overrides`` is word -> ARPAbet phones (the
    config's ``[voice.pronunciations]``); keys are lower-cased, phones checked by
    :func:`parse_phones` (ValueError naming the word and the bad phone). Guesses from
    espeak-ng are cached per word for the Pronouncer's life. Not thread-safe: one owner.
    """

    def __init__(
        self, known: Callable[[str], bool], overrides: Mapping[str, str], voice: str = "en-us"
    ) -> None:
        self._known = known
        self._voice = voice
        self._overrides = {w.lower(): parse_phones(w, p) for w, p in overrides.items()}
        self._guesses: dict[str, str | None] = {}

    def pronounce(self, word: str) -> str | None:
        """Phones the engine must be given for ``word``: its override, else — when ``known``
        rejects it — the espeak-ng guess. None: the dictionary has it (no override), or
        nothing can say it."""
        return self.pronounce_many([word]).get(word)

    def pronounce_many(self, words: Iterable[str]) -> dict[str, str]:
        """{word: phones} for every word that needs phones and has some (see pronounce);
        the words still to guess go to espeak-ng in one call."""
        wanted = list(dict.fromkeys(words))
        out = {w: self._overrides[w] for w in wanted if w in self._overrides}
        self._guess([w for w in wanted if w not in out and not self._known(w)])
        out.update({w: g for w in wanted if w not in out and (g := self._guesses.get(w))})
        return out

    def unsayable(self, names: Iterable[str]) -> list[str]:
        """The names (normalised, space-separated words), in order and once each, with a word
        that neither the dictionary, the overrides nor espeak-ng can give phones for."""
        wanted = list(dict.fromkeys(names))
        given = self.pronounce_many(w for name in wanted for w in name.split())
        return [n for n in wanted if not all(w in given or self._known(w) for w in n.split())]

    def _guess(self, words: list[str]) -> None:
        todo = [w for w in dict.fromkeys(words) if w not in self._guesses]
        if not todo:
            return
        try:
            ipa = espeak_phonemes(todo, self._voice)
        except (EspeakError, OSError, subprocess.TimeoutExpired) as e:
            log.warning("no pronunciations for %d word(s): %s", len(todo), e)
            ipa = {}
        for word in todo:
            self._guesses[word] = ipa_to_arpabet(ipa[word]) if word in ipa else None
