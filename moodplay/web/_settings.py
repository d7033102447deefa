"""The page's settings: the few config keys a listener changes, saved to their config file.

The rules are the config checker's own (``moodplay._config``: ``describe_key`` for what each
key accepts, ``parse_config`` for the verdict, with its key paths and "did you mean"). A change
is written into the file the daemon was started with (``--config FILE``, else the user's
``~/.config/moodplay/config.toml``), editing only the changed keys' lines so the rest of the
file (comments, other keys) stays as it was; the file is replaced atomically (a temporary file
beside it, then ``os.replace``). What the session can take now it takes now, on its own thread;
the rest is in force from the next start.

    GET  /api/settings   {"file": PATH, "settings": {KEY: SETTING, ...}, "problem": ""}
                         SETTING = {"label": "crossfade", "value": 3.0 (the file's, else the
                         default), "running": 0.0 (what the daemon runs with), "applies": "now" |
                         "on the next start", "type": "number", "default": 0.0, "min": 0,
                         "max": 12, "unit": "seconds"} (``choices``/``pattern`` where declared)
    POST /api/settings   {"player.crossfade_s": 3, "voice.enabled": false, ...}
                         -> {"ok": true, "file": PATH, "saved": [KEY, ...], "now": [KEY, ...],
                             "next_start": [KEY, ...]}
                         400 {"error": ..., "problems": ["player.crossfade_s: 20 is out of
                         range 0..12 seconds", ...]} (nothing is written)
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
import re
import tempfile
import threading
import tomllib
from collections.abc import Callable
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

from aiohttp import web

from moodplay._config import Config, ConfigError, describe_key, load_config, parse_config
from moodplay._live import LiveSession
from moodplay.web._api import TIMEOUT_S, ApiError, json_body

NOW, NEXT_START = "now", "on the next start"
SETTINGS: dict[str, tuple[str, str]] = {
    "voice.wake_phrase": ("wake phrase", NEXT_START),
    "player.crossfade_s": ("crossfade", NOW),
    "context.quiet_start": ("quiet hours start", NOW),
    "context.quiet_end": ("quiet hours end", NOW),
    "player.quiet_volume_pct": ("volume cap in quiet hours", NOW),
    "voice.enabled": ("voice", NEXT_START),
}
"""Key path -> (the page's label, when a change takes effect). The voice thread is built once
at start-up (its wake word model, its microphone), so its keys wait for the next start."""


class Settings:
    def __init__(self, session: LiveSession, pool: Executor, path: Path) -> None:
        self.session, self.pool, self.path = session, pool, path
        self._lock = threading.Lock()  # one read-edit-replace of the file at a time

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/api/settings", self.read)
        app.router.add_post("/api/settings", self.change)

    async def _run(self, work: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    async def read(self, request: web.Request) -> web.Response:
        return web.json_response(await self._run(self._read))

    def _read(self) -> dict[str, Any]:
        problem = ""
        try:
            saved = load_config(self.path) if self.path.exists() else Config()
        except ConfigError as e:
            saved, problem = self.session.config, str(e)
        running = self.session.config
        settings = {}
        for key, (label, applies) in SETTINGS.items():
            settings[key] = {"label": label, "value": value_of(saved, key),
                             "running": value_of(running, key), "applies": applies,
                             **_rules(key)}  # fmt: skip
        return {"file": str(self.path), "settings": settings, "problem": problem}

    async def change(self, request: web.Request) -> web.Response:
        changes = await json_body(request)
        if not changes:
            raise ApiError(400, 'send {"player.crossfade_s": 3, ...}: the keys to change')
        try:
            return web.json_response(await self._run(lambda: self._change(changes)))
        except ConfigError as e:
            return web.json_response({"error": str(e), "problems": e.problems}, status=400)

    def _change(self, changes: dict[str, Any]) -> dict[str, Any]:
        source = str(self.path)
        refused = [f"{key}: not a setting the page changes (edit {source} for it)"
                   for key in changes if key not in SETTINGS and _declared(key)]  # fmt: skip
        unknown = {k: v for k, v in changes.items() if k not in SETTINGS and not _declared(k)}
        try:
            parse_config(nested(unknown), source)  # its "unknown key; did you mean ..."
        except ConfigError as e:
            refused += e.problems
        if refused:
            raise ConfigError(source, refused)
        parse_config(nested(changes), source)  # each value by the checker's rules
        with self._lock:
            text, raw = self._file()
            merged = _merge(raw, nested(changes))
            config = parse_config(merged, source)  # the whole file loads as the daemon would
            try:
                before: Config | None = parse_config(raw, source)
            except ConfigError:
                before = None  # this change mends the file: every key counts as changed
            saved = {k: v for k, v in changes.items()
                     if before is None or value_of(before, k) != value_of(config, k)}  # fmt: skip
            if saved:
                self._save(text, _merge(raw, nested(saved)), saved)
        running = self.session.config
        moved = [k for k in changes if value_of(running, k) != value_of(config, k)]
        now = [k for k in moved if SETTINGS[k][1] == NOW]
        self._apply(config, now)
        return {"ok": True, "file": source, "saved": list(saved), "now": now,
                "next_start": [k for k in moved if k not in now]}  # fmt: skip

    def _save(self, text: str, wanted: dict[str, Any], saved: dict[str, Any]) -> None:
        edited = set_keys(text, saved)
        if _parse(edited) != wanted:
            raise ApiError(409, f"{self.path} is laid out in a way this page cannot edit "
                           f"safely: change {', '.join(saved)} there by hand")  # fmt: skip
        try:
            data = edited.encode("utf-8")
        except UnicodeEncodeError:
            raise ApiError(400, "a value is not valid text (a lone surrogate)") from None
        write_atomically(self.path, data)

    def _file(self) -> tuple[str, dict[str, Any]]:
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return "", {}
        except UnicodeDecodeError:
            raise ConfigError(str(self.path), ["not UTF-8 text; save the file as UTF-8"]) from None
        try:
            return text, tomllib.loads(text)
        except tomllib.TOMLDecodeError as e:
            raise ConfigError(str(self.path), [f"not valid TOML: {e}"]) from None

    def _apply(self, config: Config, keys: list[str]) -> None:
        """The keys the session takes now, set on its thread."""
        if not keys:
            return

        def work() -> None:
            live_config(self.session, config, keys)

        try:
            self.session.submit(work).result(TIMEOUT_S)
        except TimeoutError:
            raise ApiError(503, "saved, but the session is not answering: the change is in "
                           "force on the next start") from None  # fmt: skip


def live_config(session: LiveSession, config: Config, keys: list[str]) -> None:
    """Put ``keys`` of ``config`` in force in ``session`` (its thread): the player's crossfade,
    the quiet hours and their volume cap. Other keys keep what the session started with."""
    current = session.config
    for key in keys:
        section, name = key.split(".")
        table = dataclasses.replace(getattr(current, section), **{name: value_of(config, key)})
        current = dataclasses.replace(current, **{section: table})
    session.config = current
    if "player.crossfade_s" in keys and hasattr(session.player, "crossfade_s"):
        session.player.crossfade_s = current.player.crossfade_s  # read at the next fade
    quiet = current.context
    session.context = dataclasses.replace(session.context, quiet_start=quiet.quiet_start,
                                          quiet_end=quiet.quiet_end)  # fmt: skip
    session.clock.source = session.context  # the loop sees a new period on its next tick
    session.apply_volume()
    session.changes += 1


def _rules(key: str) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in describe_key(key).items()}


def value_of(config: Config, key: str) -> Any:
    section, name = key.split(".")
    return getattr(getattr(config, section), name)


def _declared(key: str) -> bool:
    try:
        describe_key(key)
    except KeyError:
        return False
    return True


def nested(flat: dict[str, Any]) -> dict[str, Any]:
    """{"player.crossfade_s": 3} -> {"player": {"crossfade_s": 3}} (a key without a dot stays
    at the top, where the checker names it)."""
    out: dict[str, Any] = {}
    for key, value in flat.items():
        section, dot, name = key.partition(".")
        if dot:
            out.setdefault(section, {})[name] = value
        else:
            out[key] = value
    return out


def _merge(raw: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for section, keys in changes.items():
        table = out.get(section)
        out[section] = {**(table if isinstance(table, dict) else {}), **keys}
    return out


def _parse(text: str) -> dict[str, Any] | None:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None


_HEADER = re.compile(r"^\s*\[\s*([A-Za-z0-9_.-]+)\s*\]\s*(#.*)?$")


def set_keys(text: str, changes: dict[str, Any]) -> str:
    """``text`` with each ``section.key = value`` of ``changes`` set: its line in that table
    replaced, else added at the table's end, else the table added at the end of the file.
    The caller checks the result reads back as intended (a layout this does not know, say an
    inline table or a dotted key, would not)."""
    lines = text.splitlines()
    for key, value in changes.items():
        section, name = key.split(".")
        lines = _set_line(lines, section, name, f"{name} = {toml_value(value)}")
    return "\n".join(lines) + "\n"


def _set_line(lines: list[str], section: str, name: str, line: str) -> list[str]:
    start = next((i for i, text in enumerate(lines)
                  if (m := _HEADER.match(text)) and m.group(1) == section), None)  # fmt: skip
    if start is None:
        tail = [""] if lines and lines[-1].strip() else []
        return [*lines, *tail, f"[{section}]", line]
    end = next((i for i in range(start + 1, len(lines)) if _HEADER.match(lines[i])
                or lines[i].lstrip().startswith("[[")), len(lines))  # fmt: skip
    own = re.compile(rf"^\s*{re.escape(name)}\s*=")
    for i in range(start + 1, end):
        if own.match(lines[i]):
            return [*lines[:i], line, *lines[i + 1 :]]
    last = max((i for i in range(start, end) if lines[i].strip()), default=start)
    return [*lines[: last + 1], line, *lines[last + 1 :]]


def toml_value(value: Any) -> str:
    """A TOML literal for a boolean, a number or a text (JSON's escapes are TOML's)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    return json.dumps(str(value), ensure_ascii=False).replace("\x7f", "\\u007f")


def write_atomically(path: Path, data: bytes) -> None:
    """``data`` into ``path``: written and synced to a temporary file beside it, which then
    replaces it, so a reader (or a crash) sees the old file or the new one, never half of one.
    The file keeps its permission bits."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode: int | None = path.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
