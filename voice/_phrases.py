"""The phrase table: every command phrasing, per language, as data (voice/phrases/*.toml).

Templates expand into concrete phrases, each tagged with its intent and slot values; grammars
for the recognisers and the intent parser are both built from the expansion, so they agree.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources

from voice._numbers import english_number, spell_digits

_SLOT = re.compile(r"\{(\w+)\}")
NAME_SLOTS = ("artist", "album", "title")
"""Slots filled from the library at run time (play by name)."""


class PhraseError(ValueError):
    """The phrase table or a configured phrase cannot be used; the message says how to fix it."""


@dataclass(frozen=True)
class Phrase:
    """One concrete phrasing: its words, its intent, and the slot values it carries."""

    text: str
    intent: str
    slots: tuple[tuple[str, str | int], ...] = ()

    @property
    def words(self) -> tuple[str, ...]:
        return tuple(self.text.split())


@dataclass
class PhraseTable:
    language: str
    intents: dict[str, list[str]]
    slots: dict[str, list[str] | str]
    pronunciations: dict[str, str] = field(default_factory=dict)
    names: dict[str, list[str]] = field(default_factory=dict)
    statements: dict[str, str] = field(default_factory=dict)
    """Fixed mood statements -> the feeling they state."""
    edges: dict[str, list[str]] = field(default_factory=dict)
    """Polite words allowed before ("before") and after ("after") any command."""

    def strip_edges(self, text: str) -> str:
        """``text`` (normalised) without one polite phrase at each end."""
        for where in ("before", "after"):
            for edge in sorted((normalise(e) for e in self.edges.get(where, [])), key=len,
                               reverse=True):  # fmt: skip
                if where == "before" and text.startswith(edge + " "):
                    text = text[len(edge) + 1 :]
                    break
                if where == "after" and text.endswith(" " + edge):
                    text = text[: -len(edge) - 1]
                    break
        return text

    def with_names(self, names: Mapping[str, Iterable[str]]) -> PhraseTable:
        """A copy whose artist/album/title slots hold these library names (normalised)."""
        cleaned = {k: sorted({normalise(n) for n in v if normalise(n)}) for k, v in names.items()}
        return PhraseTable(self.language, self.intents, self.slots, self.pronunciations, cleaned,
                           self.statements, self.edges)  # fmt: skip

    def expand(self) -> list[Phrase]:
        out: list[Phrase] = []
        for intent, templates in self.intents.items():
            for template in templates:
                out.extend(self._expand(intent, template))
        for text, feeling in self.statements.items():
            slots = (("feeling", feeling), ("statement", normalise(text)))
            out.append(Phrase(normalise(text), "mood_statement", slots))
        return out

    def _expand(self, intent: str, template: str) -> list[Phrase]:
        slots = _SLOT.findall(template)
        if not slots:
            return [Phrase(normalise(template), intent)]
        if len(slots) > 1:
            raise PhraseError(f"{intent}: {template!r} has more than one slot")
        name = slots[0]
        return [
            Phrase(normalise(template.replace("{" + name + "}", words)), intent, ((name, value),))
            for words, value in self.slot_values(name)
        ]

    def templates(self) -> list[tuple[str, list[str]]]:
        """(intent, tokens) per template: normalised words, and "{slot}" tokens for slots."""
        out = []
        for intent, templates in self.intents.items():
            for template in templates:
                parts = _SLOT.split(template)  # words, slot name, words, ...
                tokens: list[str] = []
                for i, part in enumerate(parts):
                    tokens += [f"{{{part}}}"] if i % 2 else normalise(part).split()
                out.append((intent, tokens))
        out += [("mood_statement", normalise(text).split()) for text in self.statements]
        return out

    def slot_values(self, name: str) -> list[tuple[str, str | int]]:
        """(spoken words, value) pairs of a slot."""
        if name in NAME_SLOTS:
            # Digits in a name as words: what a recogniser hears and a typed number becomes.
            return [(spell_digits(n), n) for n in self.names.get(name, [])]
        spec = self.slots.get(name)
        if spec is None:
            raise PhraseError(f"slot {{{name}}} is used but not defined under [slots]")
        if isinstance(spec, str):
            return self._numbers(name, spec)
        return [(normalise(v), v) for v in spec]

    def number_ranges(self) -> dict[str, tuple[int, int]]:
        """The numeric slots and their inclusive ranges: {"percent": (0, 100)}."""
        return {name: self._range(name, spec) for name, spec in self.slots.items()
                if isinstance(spec, str)}  # fmt: skip

    def _range(self, name: str, spec: str) -> tuple[int, int]:
        match = re.fullmatch(r"number (\d+)\.\.(\d+)", spec)
        if not match or self.language != "en":
            raise PhraseError(f"slot {name}: {spec!r} is not supported for {self.language}")
        return int(match.group(1)), int(match.group(2))

    def _numbers(self, name: str, spec: str) -> list[tuple[str, str | int]]:
        lo, hi = self._range(name, spec)
        return [(english_number(n), n) for n in range(lo, hi + 1)]


def normalise(text: str) -> str:
    """Lower case, words only (apostrophes kept: "what's"), single spaces."""
    text = text.lower().replace("\u2019", "'")  # typographic apostrophe
    return " ".join(re.sub(r"[^\w' ]+", " ", text).split())


def load_phrase_table(language: str) -> PhraseTable:
    try:
        raw = tomllib.loads(
            resources.files("voice").joinpath("phrases", f"{language}.toml").read_text("utf-8")
        )
    except FileNotFoundError:
        available = sorted(
            p.name.removesuffix(".toml")
            for p in resources.files("voice").joinpath("phrases").iterdir()
            if p.name.endswith(".toml")
        )
        raise PhraseError(f"no phrase table for language {language!r}; have {available}") from None
    return PhraseTable(
        language=raw["language"],
        intents={k: list(v) for k, v in raw["intents"].items()},
        slots=dict(raw.get("slots", {})),
        pronunciations=dict(raw.get("pronunciations", {})),
        statements=dict(raw.get("statements", {})),
        edges={k: list(v) for k, v in raw.get("edges", {}).items()},
    )
