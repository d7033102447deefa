"""The MPD line protocol without I/O: tokenising, command lists, responses, errors.

A request is one line: a command name (lower-case letters, digits, "_") and arguments, each
either a bare word or a double-quoted string with backslash escapes. ``command_list_begin`` /
``command_list_ok_begin`` ... ``command_list_end`` batch commands: the lines are kept as they
came and run at the end, as MPD 0.23 does, so a malformed or nested line inside a list is an
ACK with its index when the list runs; the first failing command answers
``ACK [code@index] {cmd} msg`` and the rest are skipped. What MPD answers by closing the
connection closes it here too (``closing``): a list growing past ``max_list_bytes``, a line
longer than ``MAX_LINE_BYTES``, an empty line, a command name not starting with a lower-case
letter, or one with a character MPD does not allow (after the ACK). A handler's bug is
``ACK [5@i] {cmd} internal error``, logged with its traceback. Nothing escapes this module.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from enum import IntEnum

log = logging.getLogger(__name__)

MAX_LINE_BYTES = 8191
"""MPD 0.23 reads a request line of up to 8,191 bytes plus its newline and closes the
connection on a longer one (measured against MPD 0.23.12)."""
MAX_COMMAND_LIST_BYTES = 2048 * 1024
"""MPD's default ``max_command_list_size`` (2048 KiB): the bytes of a list's command lines, each
counted with its newline. MPD 0.23 closes the connection on the line that passes it."""


class Ack(IntEnum):
    """MPD's error codes (src/protocol/Ack.hxx)."""

    NOT_LIST = 1
    ARG = 2
    PASSWORD = 3
    PERMISSION = 4
    UNKNOWN = 5
    NO_EXIST = 50
    PLAYER_SYNC = 55
    EXIST = 56
    SYSTEM = 52


class ProtocolError(Exception):
    """An ACK. ``command`` None: the failing command's name is filled in; "" keeps the braces
    empty, as MPD does for unknown commands and malformed lines."""

    def __init__(self, code: Ack, message: str, command: str | None = None) -> None:
        super().__init__(message)
        self.code, self.message, self.command = code, message, command

    def ack(self, index: int = 0) -> str:
        return f"ACK [{int(self.code)}@{index}] {{{self.command or ''}}} {self.message}\n"


Pairs = Sequence[tuple[str, object]]
Dispatch = Callable[[str, list[str]], Pairs]
"""Runs one command (name, arguments) and returns its response pairs, or raises ProtocolError."""


def tokenize(line: str) -> list[str]:
    """The words of a request line; raises ProtocolError(ARG) on a malformed one."""
    words: list[str] = []
    i, n = 0, len(line)
    while i < n:
        if line[i] in " \t":
            i += 1
        elif line[i] == '"':
            word, i = _quoted(line, i + 1)
            words.append(word)
        else:
            start = i
            while i < n and line[i] not in ' \t"':
                if line[i] == "'":  # MPD allows it only inside double quotes
                    raise ProtocolError(Ack.UNKNOWN, "Invalid unquoted character", "")
                i += 1
            words.append(line[start:i])
    return words


def _quoted(line: str, i: int) -> tuple[str, int]:
    out: list[str] = []
    while i < len(line):
        ch = line[i]
        if ch == "\\":
            if i + 1 >= len(line):
                break
            out.append(line[i + 1])
            i += 2
        elif ch == '"':
            if i + 1 < len(line) and line[i + 1] not in " \t":
                raise ProtocolError(Ack.UNKNOWN, "Space expected after closing '\"'", "")
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ProtocolError(Ack.UNKNOWN, "Missing closing '\"'", "")


def format_pairs(pairs: Pairs) -> str:
    return "".join(f"{key}: {_value(value)}\n" for key, value in pairs)


def _value(value: object) -> str:
    if isinstance(value, bytes):  # a binary chunk: its length, then the bytes as surrogate
        return f"{len(value)}\n{value.decode('utf-8', 'surrogateescape')}"  # escapes (see _mpd)
    text = str(value)
    return text.replace("\n", " ")  # a value may never break the line protocol


NAME = re.compile(r"[a-z][a-z0-9_]*")
BEGIN = ("command_list_begin", "command_list_ok_begin")


@dataclass
class Conversation:
    """One client's protocol state: the command list being collected, if any."""

    dispatch: Dispatch
    max_list_bytes: int = MAX_COMMAND_LIST_BYTES
    _list: list[str] | None = None
    _list_ok: bool = False
    _list_bytes: int = 0
    closing: bool = False
    """Set when the client must be disconnected, as MPD would (see the module's docstring)."""

    @property
    def in_list(self) -> bool:
        """A command list is being collected (its lines are not commands yet)."""
        return self._list is not None

    def handle(self, raw: bytes) -> str | None:
        """The response to one request line (bytes without the newline); None while a command
        list is being collected or when closing."""
        if len(raw) > MAX_LINE_BYTES:
            return self._close()
        line = raw.decode("utf-8", "replace").rstrip("\r")
        if self._list is not None:
            return self._collect(line, len(raw) + 1)
        if line in BEGIN:
            self._list, self._list_ok, self._list_bytes = [], line == BEGIN[1], 0
            return None
        return self._run_one(line, 0)

    def _close(self) -> str | None:
        """Mark the connection for closing; no answer."""
        self._list, self.closing = None, True
        return None

    def _collect(self, line: str, size: int) -> str | None:
        if line == "command_list_end":
            batch, self._list = self._list or [], None
            return self._run_list(batch)
        self._list_bytes += size
        if self._list_bytes > self.max_list_bytes:
            return self._close()
        assert self._list is not None
        self._list.append(line)
        return None

    def _run_list(self, batch: list[str]) -> str | None:
        out: list[str] = []
        for index, line in enumerate(batch):
            response = self._run_one(line, index, final=False)
            if response is None:
                return None
            if response.startswith("ACK"):
                return "".join(out) + response
            out.append(response + ("list_OK\n" if self._list_ok else ""))
        return "".join(out) + "OK\n"

    def _run_one(self, line: str, index: int, final: bool = True) -> str | None:
        try:
            words = self._words(line)
        except ProtocolError as e:
            return e.ack(index)
        if words is None:
            return None
        name, args = words[0], words[1:]
        try:
            pairs = self.dispatch(name, args)
        except ProtocolError as e:
            e.command = name if e.command is None else e.command
            return e.ack(index)
        except FutureTimeout:
            log.error("MPD %s: the session did not answer in time", name)
            return ProtocolError(Ack.SYSTEM, "moodplay's session is not answering", name).ack(index)
        except Exception:  # a bug in a handler must not kill the connection
            log.exception("MPD %s %r failed", name, args[:4])
            return ProtocolError(Ack.UNKNOWN, "internal error", name).ack(index)
        return format_pairs(pairs) + ("OK\n" if final else "")

    def _words(self, line: str) -> list[str] | None:
        """The line's words, None when MPD would close the connection over it."""
        start = line.lstrip(" \t")
        if not start or start != line or not start[0].islower() or not start[0].isascii():
            self._close()
            return None
        name = start.split(None, 1)[0].split('"', 1)[0]
        if not NAME.fullmatch(name):
            self._close()
            raise ProtocolError(Ack.UNKNOWN, "Invalid word character", "")
        return tokenize(line)
