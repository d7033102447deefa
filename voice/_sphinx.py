"""PocketSphinx adapter: the embedded English engine (its PyPI wheel ships the US model).

Commands are decoded with a JSGF grammar built from the phrase table; the wake phrase is then
verified over the same audio with PocketSphinx's keyword spotter, which — unlike a closed
grammar, that always returns *some* phrase — can say "not there".
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
from pocketsphinx import Decoder, get_model_path

from voice._asr import EngineError, Int16Array, Transcript
from voice._phrases import PhraseTable

log = logging.getLogger(__name__)

_COMMANDS = "commands"
_WAKE = "wake"


def model_files() -> list[Path]:
    """The US-English acoustic model folder and dictionary the pocketsphinx wheel ships."""
    folder = Path(get_model_path()) / "en-us"
    return [folder / "en-us", folder / "cmudict-en-us.dict"]


def jsgf(table: PhraseTable, wake_phrase: str) -> tuple[str, set[str]]:
    """A compact JSGF grammar (slots as rules, not expanded) and every word it uses.

    A template whose slot has no values (no albums in the library yet) is left out.
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
    # The wake phrase alone is a sentence too: it opens the follow-up window.
    rule = f"( {wake_phrase} ) | [ {wake_phrase} ] ( {body} )" if wake_phrase else f"( {body} )"
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
        self.min_confidence = 0.0  # see Transcript: PocketSphinx gives no usable confidence
        # bestpath=False: no lattice search after the utterance. The lattice posterior it would
        # give cost ~100 ms per utterance here and did not separate commands from chatter
        # (both 0.01-0.5), so confidence is not taken from it; the wake check guards instead.
        self._decoder = Decoder(
            lm=None, loglevel="FATAL", kws_threshold=kws_threshold, bestpath=False
        )
        self._pronunciations = dict(pronunciations or {})
        self._audio: list[Int16Array] = []
        self._wake_phrase = ""

    def set_grammar(self, table: PhraseTable, wake_phrase: str) -> None:
        table = self._sayable(table)
        grammar, words = jsgf(table, wake_phrase)
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

    def _sayable(self, table: PhraseTable) -> PhraseTable:
        """The table without library names that have words outside the dictionary."""
        kept: dict[str, list[str]] = {}
        for slot, names in table.names.items():
            kept[slot] = [n for n in names if all(self._known(w) for w in n.split())]
            for name in sorted(set(names) - set(kept[slot]))[:20]:
                log.info("PocketSphinx cannot say %r (not in its dictionary); skipped", name)
        return table.with_names(kept)

    def _known(self, word: str) -> bool:
        return self._decoder.lookup_word(word) is not None or word in self._pronunciations

    def _add_words(self, words: set[str]) -> set[str]:
        missing = set()
        for word in sorted(words):
            if self._decoder.lookup_word(word) is not None:
                continue
            phones = self._pronunciations.get(word)
            if phones:
                self._decoder.add_word(word, phones, False)
            else:
                missing.add(word)
        return missing

    def start(self) -> None:
        self._audio = []

    def feed(self, pcm: Int16Array) -> None:
        # Buffered, decoded whole at the end: with the whole utterance in one call PocketSphinx
        # normalises the cepstral mean over it, which under music is worth far more accuracy
        # (bench/voice.py: 16 % -> 70 % of commands right at 10 dB) than streaming saves time.
        self._audio.append(pcm)

    def finish(self) -> Transcript:
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        self._decoder.activate_search(_COMMANDS)
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), False, True)
        self._decoder.end_utt()
        hyp = self._decoder.hyp()
        if hyp is None or not hyp.hypstr:
            return Transcript("", 0.0, False)
        wake = self._spot_wake(audio) if self._wake_phrase else None
        return Transcript(hyp.hypstr, 1.0, wake)

    def _spot_wake(self, audio: Int16Array) -> bool:
        self._decoder.activate_search(_WAKE)
        self._decoder.start_utt()
        self._decoder.process_raw(audio.tobytes(), False, True)
        self._decoder.end_utt()
        found = self._decoder.hyp() is not None
        self._decoder.activate_search(_COMMANDS)
        return found
