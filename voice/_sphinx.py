"""PocketSphinx adapter: the embedded English engine (its PyPI wheel ships the US model).

Commands are decoded with a JSGF grammar built from the phrase table. A closed grammar always
returns *some* phrase, so each decode is checked against a free phone loop (PocketSphinx's
allphone search with the model's phone language model) over the same audio — the classic
likelihood-ratio test of utterance verification (Rose, Juang & Lee, "A training procedure for
verifying string hypotheses in continuous speech recognition", ICASSP 1995; Jiang, "Confidence
measures for speech recognition: a survey", Speech Communication 45, 2005). Two measures come
out of it (see :class:`Verification`): how much worse the grammar path scores than the best
free phone string, per frame, and how much of the speech the grammar could only explain as
silence or noise. A custom wake phrase is verified with PocketSphinx's keyword spotter.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from pocketsphinx import Decoder, get_model_path

from voice._asr import EngineError, Int16Array, Transcript
from voice._g2p import Pronouncer
from voice._phrases import PhraseTable, normalise

log = logging.getLogger(__name__)

_COMMANDS = "commands"
_WAKE = "wake"
_PHONES = "phones"
_LEAD_IN = "wakeleadin"

MARGIN_AT_HALF = 0.94
"""Length-corrected score margin per frame (see Verification) at which an utterance is as
likely a command as not. Chosen with the other limits below on the tune half of
tests/voice/heldout plus 50 phrase-table phrasings (flite slt and awb, clean, 313 utterances
after the wake word): the most commands right (186 of 233 the grammar decoded right) with at
most 1 % of all utterances acted on wrongly (3)."""
MARGIN_SCALE = 0.3
"""Spread of the logistic that turns the margin into a confidence."""
LENGTH_ALLOWANCE = 0.05
"""Choosing one phrase of a large grammar costs a fixed language score per utterance; spread
over a short command's few frames it made every short command look unlikely. This much of it
(per utterance, in the margin's units x 1000 frames) is given back. The margin is taken per
frame of speech (the phone loop's), so silence around a command does not dilute it."""
ACOUSTIC_FLOOR = -3.5
"""Lowest acoustic-only margin per frame (language weights left out) a command may have."""
MIN_AGREEMENT = 0.2
"""Least share of the phrase's phones the free phone loop must also have heard."""
MAX_UNEXPLAINED = 0.25
"""Share of the phone loop's speech frames the grammar path may leave to silence or noise."""


@dataclass(frozen=True)
class Verification:
    """How well a grammar decode explains an utterance, against a free phone loop.

    ``margin`` is (ln P(grammar path) - ln P(best phone string) + LENGTH_ALLOWANCE) * 1000 /
    speech frames, with both scores as PocketSphinx reports them (acoustic plus language weights);
    about 1 or above for a spoken command, lower for speech the grammar cannot say.
    ``unexplained`` in [0, 1] is the share of the phone loop's non-silence frames that the
    grammar path spent on silence or noise fillers (a command found inside a longer sentence).
    """

    margin: float
    unexplained: float
    acoustic: float = 0.0
    raw: float = 0.0
    """ln P(grammar path) - ln P(best phone string), unnormalised (for calibration)."""
    speech_frames: int = 0
    """Frames the phone loop spent on phones other than silence."""
    agreement: float = 1.0
    """1 - phone error rate of the free phone loop's string against the grammar words'
    dictionary phones: how much of what was said the chosen phrase accounts for."""
    """The margin from acoustic scores alone (the grammar's and the phone language model's
    weights left out); at most about 0, as a free phone loop fits sound at least as well."""

    @property
    def confidence(self) -> float:
        """Probability-like score in [0, 1]; 0 when too much speech was left unexplained or
        the sound fits the grammar's words too badly."""
        too_little = self.acoustic < ACOUSTIC_FLOOR or self.agreement < MIN_AGREEMENT
        if self.unexplained > MAX_UNEXPLAINED or too_little:
            return 0.0
        return 1.0 / (1.0 + math.exp(-(self.margin - MARGIN_AT_HALF) / MARGIN_SCALE))

    @property
    def verdict(self) -> str:
        """Why the confidence is what it is, for logs and the benchmark."""
        if self.unexplained > MAX_UNEXPLAINED:
            return "speech outside the phrase"
        if self.acoustic < ACOUSTIC_FLOOR or self.agreement < MIN_AGREEMENT:
            return "sounds unlike the phrase"
        return f"margin {self.margin:+.2f}"


def model_files() -> list[Path]:
    """The US-English acoustic model folder and dictionary the pocketsphinx wheel ships."""
    folder = Path(get_model_path()) / "en-us"
    return [folder / "en-us", folder / "cmudict-en-us.dict"]


def jsgf(table: PhraseTable, wake_phrase: str, lead_in: str = "") -> tuple[str, set[str]]:
    """A compact JSGF grammar (slots as rules, not expanded) and every word it uses.

    A template whose slot has no values (no albums in the library yet) is left out.
    ``lead_in``: a rule body (e.g. "tail_a | tail_b") that may precede a command.
    """
    words: set[str] = set(wake_phrase.split())
    rules: dict[str, list[str]] = {}
    alternatives = []
    for _, tokens in table.templates():
        slots = [t[1:-1] for t in tokens if t.startswith("{")]
        for name in slots:
            if name not in rules:
                rules[name] = sorted({spoken for spoken, _ in table.slot_values(name)})
        if any(not rules[name] for name in slots):
            continue
        words.update(t for t in tokens if not t.startswith("{"))
        alternatives.append(" ".join(f"<{t[1:-1]}>" if t.startswith("{") else t for t in tokens))
    used = {name: values for name, values in rules.items() if values}
    words.update(w for values in used.values() for v in values for w in v.split())
    body = " | ".join(f"( {a} )" for a in sorted(set(alternatives)))
    before = [normalise(e) for e in table.edges.get("before", [])]
    after = [normalise(e) for e in table.edges.get("after", [])]
    words.update(w for e in before + after for w in e.split())
    if before or after:
        pre = f"[ {' | '.join(before)} ] " if before else ""
        post = f" [ {' | '.join(after)} ]" if after else ""
        body = f"{pre}( {body} ){post}"
    # The wake phrase alone is a sentence too: it opens the follow-up window.
    rule = f"( {wake_phrase} ) | [ {wake_phrase} ] ( {body} )" if wake_phrase else f"( {body} )"
    if lead_in:
        rule = f"[ {lead_in} ] ( {body} )"
    lines = ["#JSGF V1.0;", "grammar moodplay;", f"public <command> = {rule};"]
    lines += [f"<{name}> = {' | '.join(values)};" for name, values in used.items()]
    return "\n".join(lines) + "\n", words


class SphinxRecognizer:
    name = "pocketsphinx"
    exact = True  # an FSG decoder returns whole phrases; a partial path means it lost track

    def __init__(
        self,
        pronunciations: dict[str, str] | None = None,
        kws_threshold: float = 1e-40,
    ) -> None:
        self.min_confidence = 0.5  # on Verification.confidence
        # bestpath=False: no lattice search after the utterance. The lattice posterior it would
        # give cost ~100 ms per utterance here and did not separate commands from chatter
        # (both 0.01-0.5); the phone-loop verification does.
        self._decoder = Decoder(
            lm=None, loglevel="FATAL", kws_threshold=kws_threshold, bestpath=False
        )
        self._decoder.add_allphone_file(
            _PHONES, str(model_files()[0].parent / "en-us-phone.lm.bin")
        )
        self.last: Verification | None = None
        try:
            self._pronouncer = Pronouncer(self._in_dictionary, dict(pronunciations or {}))
        except ValueError as e:
            raise EngineError(f"[voice.pronunciations]: {e}") from None
        self._audio: list[Int16Array] = []
        self._wake_phrase = ""

    def set_grammar(self, table: PhraseTable, wake_phrase: str, lead_in: str = "") -> None:
        """``lead_in``: ARPAbet phones of a wake word said just before the audio; any tail of
        it may precede a command (it is not part of the transcript)."""
        table = self._sayable(table)
        tails = self._lead_in_words(lead_in)
        grammar, words = jsgf(table, wake_phrase, " | ".join(tails))
        missing = self._add_words(words)
        if wake_phrase and set(wake_phrase.split()) & missing:
            bad = ", ".join(sorted(set(wake_phrase.split()) & missing))
            raise EngineError(
                f"the wake phrase {wake_phrase!r} has words PocketSphinx does not know: {bad}; "
                "choose another wake phrase or add a pronunciation for them in the phrase table"
            )
        if missing - set(wake_phrase.split()):
            raise EngineError(
                f"words in the phrase table that PocketSphinx does not know: "
                f"{', '.join(sorted(missing))}; add pronunciations for them in the phrase table"
            )
        self._decoder.add_jsgf_string(_COMMANDS, grammar)
        if wake_phrase:
            self._decoder.add_keyphrase(_WAKE, wake_phrase)
        self._wake_phrase = wake_phrase
        self._decoder.activate_search(_COMMANDS)

    def _lead_in_words(self, phones: str) -> list[str]:
        """Pseudo-words for each tail (two phones or more) of the wake word."""
        units = phones.split()
        tails = [" ".join(units[i:]) for i in range(len(units) - 1)]
        for i, tail in enumerate(tails):
            if self._decoder.lookup_word(f"{_LEAD_IN}{i}") is None:  # set again on a rescan
                self._decoder.add_word(f"{_LEAD_IN}{i}", tail, False)
        return [f"{_LEAD_IN}{i}" for i in range(len(tails))]

    def _sayable(self, table: PhraseTable) -> PhraseTable:
        """The table without library names that have a word nothing can pronounce (not in
        the dictionary, no configured pronunciation, no grapheme-to-phoneme guess)."""
        every = [n for names in table.names.values() for n in names]
        bad = set(self._pronouncer.unsayable(every))
        for name in sorted(bad)[:20]:
            log.info("PocketSphinx cannot say %r; add it under [voice.pronunciations]", name)
        return table.with_names({k: [n for n in v if n not in bad] for k, v in table.names.items()})

    def _in_dictionary(self, word: str) -> bool:
        return self._decoder.lookup_word(word) is not None

    def _add_words(self, words: set[str]) -> set[str]:
        """Give the decoder every word it lacks (or whose pronunciation is overridden);
        returns the words nothing can pronounce."""
        given = self._pronouncer.pronounce_many(sorted(words))
        for word, phones in given.items():
            self._add_word(word, phones)
        return {w for w in words if not self._in_dictionary(w) and w not in given}

    def _add_word(self, word: str, phones: str) -> None:
        if not self._in_dictionary(word):
            self._decoder.add_word(word, phones, False)
            return
        for n in range(2, 10):  # an override of a dictionary word: an alternate pronunciation
            variant = f"{word}({n})"
            if self._decoder.lookup_word(variant) == phones:
                return
            if self._decoder.lookup_word(variant) is None:
                self._decoder.add_word(variant, phones, False)
                return

    def start(self) -> None:
        self._audio = []

    def feed(self, pcm: Int16Array) -> None:
        # Buffered, decoded whole at the end: with the whole utterance in one call PocketSphinx
        # normalises the cepstral mean over it, which under music is worth far more accuracy
        # (bench/voice.py: 16 % -> 70 % of commands right at 10 dB) than streaming saves time.
        self._audio.append(pcm)

    def finish(self) -> Transcript:
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        self.last = None
        hyp = self._decode(_COMMANDS, audio)
        if hyp is None or not hyp.hypstr:
            return Transcript("", 0.0, False)
        words, acoustic = self._frames(filler=False), self._acoustic()
        phones = self._decode(_PHONES, audio)
        frames = self._decoder.n_frames()
        self.last = verify(hyp.score, phones.score if phones else None, frames, words,
                           self._frames(filler=False))  # fmt: skip
        acoustic = (acoustic - self._acoustic()) * 1000.0 / max(frames, 1)
        expected = self._phones_of(hyp.hypstr)
        agreement = phone_agreement(expected, [] if phones is None else phones.hypstr.split())
        self.last = dataclasses.replace(self.last, acoustic=acoustic, agreement=agreement)
        wake = self._spot_wake(audio) if self._wake_phrase else None
        text = " ".join(w for w in hyp.hypstr.split() if not w.startswith(_LEAD_IN))
        return Transcript(text, round(self.last.confidence, 3), wake)

    def _decode(self, search: str, audio: Int16Array) -> Any:
        self._decoder.activate_search(search)
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), False, True)
        self._decoder.end_utt()
        return self._decoder.hyp()

    def _phones_of(self, text: str) -> list[str]:
        """The dictionary phones of a decoded word string (fillers and lead-in left out)."""
        out: list[str] = []
        for word in text.split():
            if not word.startswith(_LEAD_IN):
                out += (self._decoder.lookup_word(word) or "").split()
        return out

    def _acoustic(self) -> float:
        """The last decode's acoustic log score (natural log, PocketSphinx's scaling)."""
        return sum(math.log(seg.ascore) for seg in self._decoder.seg() if seg.ascore > 0)

    def _frames(self, *, filler: bool) -> set[int]:
        """Frames of the last decode spent on words (or phones), fillers and silence left out."""
        out: set[int] = set()
        for seg in self._decoder.seg():
            word = seg.word
            silent = word.startswith(("<", "+", "(")) or word in ("SIL", "[NOISE]")
            if silent == filler and seg.start_frame >= 0:
                out.update(range(seg.start_frame, seg.end_frame + 1))
        return out

    def _spot_wake(self, audio: Int16Array) -> bool:
        found = self._decode(_WAKE, audio) is not None
        self._decoder.activate_search(_COMMANDS)
        return found


_SILENT_PHONES = frozenset({"SIL", "+NSN+", "+SPN+", "+BREATH+", "+COUGH+", "+SMACK+", "+UM+"})


def phone_agreement(expected: list[str], heard: list[str]) -> float:
    """1 - edit distance(expected, heard) / len(expected), at least 0 (silences left out)."""
    heard = [p for p in heard if p not in _SILENT_PHONES]
    if not expected:
        return 0.0
    row = list(range(len(heard) + 1))
    for i, e in enumerate(expected, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(heard, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (e != h))
    return max(0.0, 1.0 - row[-1] / len(expected))


def verify(
    grammar_score: float, phone_score: float | None, frames: int, words: set[int], phones: set[int]
) -> Verification:
    """Verification of a grammar decode from the two decodes' scores and speech frames.

    Scores are PocketSphinx's ``hyp().score`` (the path likelihood, exp of its log score);
    ``words``/``phones``: frame indices each decode spent on speech.
    """
    if phone_score is None or phone_score <= 0 or grammar_score <= 0 or frames <= 0:
        return Verification(margin=-math.inf, unexplained=1.0)
    raw = math.log(grammar_score) - math.log(phone_score)
    margin = (raw + LENGTH_ALLOWANCE) * 1000.0 / max(len(phones), 1)
    unexplained = len(phones - words) / len(phones) if phones else 0.0
    return Verification(margin, unexplained, raw=raw, speech_frames=len(phones))
