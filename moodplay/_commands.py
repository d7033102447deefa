"""The one command registry every control surface uses: voice intents now, MPD/HTTP/CLI later.

A command is a name plus typed arguments. Handlers are registered with a declarative decorator,
``@registry.command("volume_set", percent=PERCENT)``; converters validate and convert raw
arguments (strings from a protocol line, slot values from an intent) and report what is wrong.
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from voice import INTENTS, NOT_UNDERSTOOD, Intent


class CommandError(ValueError):
    """An unknown command or a bad argument; the message says which and what is allowed."""


class CommandRefusedError(CommandError):
    """A well-formed command that cannot be done now (nothing to play, nothing playing); the
    message says why. HTTP answers it with 409, MPD with its "no such song" code (50)."""


log = logging.getLogger(__name__)

Converter = Callable[[object], object]

_SOURCE: contextvars.ContextVar[str] = contextvars.ContextVar("command_source", default="MPD")
"""Where the calls resolved in this thread come from. The MPD server names none: it resolves
on the event loop, where nothing else does; HTTP, voice and the CLI say so."""


@contextmanager
def command_source(name: str) -> Iterator[None]:
    """Calls resolved inside this block are logged as coming from ``name`` (voice, HTTP, CLI)."""
    token = _SOURCE.set(name)
    try:
        yield
    finally:
        _SOURCE.reset(token)


def _percent(value: object) -> int:
    try:
        number = int(str(value))
    except ValueError:
        raise CommandError(f"{value!r} is not a whole number of percent") from None
    if not 0 <= number <= 100:
        raise CommandError(f"{number} is outside 0..100 percent")
    return number


def _text(value: object) -> str:
    text = str(value).strip()
    if not text:
        raise CommandError("an empty name")
    return text


def _switch(value: object) -> bool:
    word = str(value).strip().lower()
    if word in ("1", "on", "true", "yes"):
        return True
    if word in ("0", "off", "false", "no"):
        return False
    raise CommandError(f"{value!r} is not on/off (1 or 0)")


def _minutes(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise CommandError(f"{value!r} is not a number of minutes") from None
    if not 0 <= number <= 720:
        raise CommandError(f"{number:g} minutes is outside 0..720 (0 cancels)")
    return number


def _unit(value: object) -> float:
    try:
        number = float(str(value))
    except ValueError:
        raise CommandError(f"{value!r} is not a number") from None
    if not 0.0 <= number <= 1.0:  # NaN too
        raise CommandError(f"{value!r} is outside 0..1 (the mood plane)")
    return number


def _track_id(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        raise CommandError(f"{value!r} is not a track id") from None


PERCENT: Converter = _percent
TRACK_ID: Converter = _track_id
TEXT: Converter = _text
SWITCH: Converter = _switch
MINUTES: Converter = _minutes
UNIT: Converter = _unit
"""A coordinate of the [0, 1] valence x energy plane."""


def word_of(words: Mapping[str, object], what: str) -> Converter:
    """A converter accepting only the keys of ``words`` (e.g. the [moods.targets] table)."""

    def convert(value: object) -> str:
        word = str(value).strip().lower()
        if word not in words:
            raise CommandError(f"unknown {what} {value!r}; known: {', '.join(sorted(words))}")
        return word

    return convert


@dataclass(frozen=True)
class Call:
    """A command ready to run: its name and converted arguments."""

    name: str
    args: Mapping[str, object] = field(default_factory=dict)
    source: str = field(default_factory=_SOURCE.get, compare=False)
    """Which control surface asked: MPD, HTTP, CLI or voice (for the log)."""


@dataclass
class _Entry:
    handler: Callable[..., Any] | None
    converters: dict[str, Converter]
    optional: frozenset[str]


class Registry:
    def __init__(self) -> None:
        self._commands: dict[str, _Entry] = {}

    def command(
        self, name: str, optional: tuple[str, ...] = (), **converters: Converter
    ) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
        """Register a handler under ``name``; a name registered twice is a programming error."""

        def register(handler: Callable[..., Any]) -> Callable[..., Any]:
            self.declare(name, optional, **converters)
            self._commands[name].handler = handler
            return handler

        return register

    def declare(self, name: str, optional: tuple[str, ...] = (), **converters: Converter) -> None:
        if name in self._commands:
            raise ValueError(f"command {name!r} is registered twice")
        self._commands[name] = _Entry(None, dict(converters), frozenset(optional))

    def bind(self, name: str, handler: Callable[..., Any]) -> None:
        """Attach the handler of a declared command (the app binds them at start-up)."""
        if name not in self._commands:
            raise ValueError(f"command {name!r} is not declared")
        self._commands[name].handler = handler

    def names(self) -> list[str]:
        return sorted(self._commands)

    def resolve(self, name: str, raw: Mapping[str, object]) -> Call:
        entry = self._commands.get(name)
        if entry is None:
            raise CommandError(f"unknown command {name!r}")
        unknown = set(raw) - set(entry.converters)
        if unknown:
            raise CommandError(f"{name}: unexpected argument(s) {', '.join(sorted(unknown))}")
        args = {}
        for arg, convert in entry.converters.items():
            if arg in raw:
                args[arg] = convert(raw[arg])
            elif arg not in entry.optional:
                raise CommandError(f"{name}: missing argument {arg!r}")
        return Call(name, args)

    def from_intent(self, intent: Intent) -> Call:
        if intent.name == NOT_UNDERSTOOD or intent.name not in self._commands:
            raise CommandError(f"not a command: {intent.name} ({intent.text!r})")
        return self.resolve(intent.name, intent.slots)

    def run(self, call: Call) -> object:
        entry = self._commands[call.name]
        if entry.handler is None:
            raise CommandError(f"{call.name}: nothing handles it yet")
        result = entry.handler(**call.args)
        # One line per command that ran (a refusal is logged by the session loop).
        args = " ".join(f"{k}={v!r}" for k, v in call.args.items())
        log.info("command %s%s from %s", call.name, f" {args}" if args else "", call.source)
        return result


def voice_commands(targets: Mapping[str, object], feelings: Mapping[str, object]) -> Registry:
    """The registry declaring every voice intent as a command with typed arguments."""
    registry = Registry()
    typed: dict[str, dict[str, Converter]] = {
        "volume_set": {"percent": PERCENT},
        "mood_request": {"mood": word_of(targets, "mood")},
        "mood_statement": {"feeling": word_of(feelings, "feeling"), "statement": TEXT},
        "play_artist": {"artist": TEXT},
        "play_album": {"album": TEXT},
        "play_title": {"title": TEXT},
    }
    for name in INTENTS:
        if name == NOT_UNDERSTOOD:
            continue
        optional = ("statement",) if name == "mood_statement" else ()
        registry.declare(name, optional, **typed.get(name, {}))
    return registry


APP_COMMANDS: dict[str, dict[str, Converter]] = {
    "add": {"uri": TEXT},
    "unqueue": {"track": TRACK_ID},
    "clear": {},
    "update": {},
    "sleep": {"minutes": MINUTES},
    "private": {"on": SWITCH},
    "mood_point": {"valence": UNIT, "energy": UNIT},
    "repeat": {"on": SWITCH},
    "single": {"on": SWITCH},
}
"""Commands with no voice phrase (yet): MPD, HTTP and the CLI reach them by name."""


def app_commands(registry: Registry) -> Registry:
    for name, converters in APP_COMMANDS.items():
        registry.declare(name, (), **converters)
    return registry
