"""TOML tables into frozen dataclasses, checked field by field (``moodplay._config``'s loader).

What each field accepts is declared in its ``dataclasses.field`` metadata; every problem is
reported with its key path, and unknown keys with the closest known one ("did you mean").
"""

from __future__ import annotations

import codecs
import dataclasses
import difflib
import re
import typing
from collections.abc import Mapping
from typing import Any


def build(cls: type, raw: Mapping[str, Any], prefix: str, problems: list[str]) -> object:
    """An instance of the dataclass ``cls`` from the TOML table ``raw`` over its defaults: each
    value checked against its field's type and metadata (``range``/``unit``, ``choices``,
    ``pattern``, ``codec``, ``strings``/``points`` tables), nested dataclasses as tables. Every
    problem is appended to ``problems`` with its key path (``prefix`` + key); a key with a
    problem keeps its default."""
    fields = {f.name: f for f in dataclasses.fields(cls)}
    hints = typing.get_type_hints(cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        where = f"{prefix}{key}"
        if key not in fields:
            problems.append(_unknown(where, key, list(fields)))
            continue
        hint = hints[key]
        if dataclasses.is_dataclass(hint):
            if not isinstance(value, dict):
                problems.append(f"{where}: expected a table [{where}], got {_kind(value)}")
                continue
            values[key] = build(typing.cast(type, hint), value, f"{where}.", problems)
        else:
            converted = _convert(where, value, hint, fields[key].metadata, problems)
            if isinstance(converted, dict):  # word tables: the user's words extend the defaults
                factory = typing.cast(Any, fields[key].default_factory)
                converted = {**factory(), **converted}
            if converted is not None:
                values[key] = converted
    return cls(**values)


def _unknown(where: str, key: str, known: list[str]) -> str:
    close = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
    hint = f'; did you mean "{close[0]}"?' if close else f"; known keys: {', '.join(known)}"
    return f"{where}: unknown key{hint}"


def _kind(value: object) -> str:
    return {dict: "a table", list: "a list", str: "a string", bool: "a boolean"}.get(
        type(value), type(value).__name__
    )


def _convert(
    where: str, value: object, hint: object, meta: Mapping[str, Any], problems: list[str]
) -> object:
    origin = typing.get_origin(hint)
    if meta.get("points"):
        return _points_table(where, value, problems)
    if meta.get("strings"):
        return _strings_table(where, value, problems)
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            problems.append(f"{where}: expected a list of strings, got {_kind(value)}")
            return None
        return tuple(value)
    if hint is bool or hint is str:
        return _plain(where, value, hint, meta, problems)
    return _number(where, value, hint, meta, problems)


def _plain(
    where: str, value: object, hint: type, meta: Mapping[str, Any], problems: list[str]
) -> object:
    if type(value) is not hint:
        problems.append(f"{where}: expected {_kind(hint())}, got {_kind(value)}")
        return None
    choices = meta.get("choices")
    if choices and value not in choices:
        problems.append(f"{where}: {value!r} is not one of {', '.join(choices)}")
        return None
    if meta.get("codec") and not _is_codec(str(value)):
        problems.append(f"{where}: {value!r} is not a character set Python knows (e.g. latin-1)")
        return None
    pattern = meta.get("pattern")
    if pattern and not re.fullmatch(pattern, str(value)):
        problems.append(f"{where}: {value!r} is not a time of day as HH:MM (e.g. 22:30)")
        return None
    return value


def _is_codec(name: str) -> bool:
    try:
        codecs.lookup(name)
    except LookupError:
        return False
    return True


def _strings_table(where: str, value: object, problems: list[str]) -> object:
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        problems.append(f'{where}: expected a table of word = "text", got {_kind(value)}')
        return None
    return {str(k).lower(): v.strip() for k, v in value.items()}


def _points_table(where: str, value: object, problems: list[str]) -> object:
    if not isinstance(value, dict):
        problems.append(
            f"{where}: expected a table of word = [valence, energy], got {_kind(value)}"
        )
        return None
    out: dict[str, tuple[float, float]] = {}
    for word, point in value.items():
        numbers = isinstance(point, list) and all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in point
        )
        ok = numbers and len(point) == 2
        if not ok or not all(0.0 <= v <= 1.0 for v in point):
            problems.append(f"{where}.{word}: expected [valence, energy], each 0..1, got {point!r}")
            continue
        out[word] = (float(point[0]), float(point[1]))
    return out


def _number(
    where: str, value: object, hint: object, meta: Mapping[str, Any], problems: list[str]
) -> object:
    ok_types: tuple[type, ...] = (int,) if hint is int else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_types):
        want = "an integer" if hint is int else "a number"
        problems.append(f"{where}: expected {want}, got {_kind(value)} {value!r}")
        return None
    lo, hi = meta.get("range", (float("-inf"), float("inf")))
    if not lo <= value <= hi:
        unit = f" {meta['unit']}" if meta.get("unit") else ""
        problems.append(f"{where}: {value!r} is out of range {lo}..{hi}{unit}")
        return None
    return float(typing.cast(float, value)) if hint is float else value
