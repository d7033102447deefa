"""The MPD line protocol without I/O: tokenising, command lists, responses, errors.

A request is one line: a command name and arguments, each either a bare word or a double-quoted
string with backslash escapes. ``command_list_begin`` / ``command_list_ok_begin`` ...
``command_list_end`` batch commands; the first failing one answers ``ACK [code@index] {cmd} msg``
and the rest are skipped. A list growing past ``MAX_COMMAND_LIST_BYTES`` closes the connection
with no answer, as MPD does: nothing of it runs and the client cannot lose sync with a half-run
list. Malformed input is an ACK, never an exception out of this module.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import IntEnum

MAX_LINE_BYTES = 64 * 1024
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
    def __init__(self, code: Ack, message: str, command: str = "") -> None:
        super().__init__(message)
        self.code, self.message, self.command = code, message, command

    def ack(self, index: int = 0) -> str:
        return f"ACK [{int(self.code)}@{index}] {{{self.command}}} {self.message}\n"


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
                raise ProtocolError(Ack.ARG, "space expected after closing '\"'")
            return "".join(out), i + 1
        else:
            out.append(ch)
            i += 1
    raise ProtocolError(Ack.ARG, "missing closing '\"'")


def format_pairs(pairs: Pairs) -> str:
    return "".join(f"{key}: {_value(value)}\n" for key, value in pairs)


def _value(value: object) -> str:
    if isinstance(value, bytes):  # a binary chunk: its length, then the bytes as surrogate
        return f"{len(value)}\n{value.decode('utf-8', 'surrogateescape')}"  # escapes (see _mpd)
    text = str(value)
    return text.replace("\n", " ")  # a value may never break the line protocol


@dataclass
class Conversation:
    """One client's protocol state: command lists in progress."""

    dispatch: Dispatch
    _list: list[list[str]] | None = None
    _list_ok: bool = False
    _list_bytes: int = 0
    closing: bool = False
    """Set when the client must be disconnected (a command list over the limit)."""
    _errors: list[ProtocolError] = field(default_factory=list)

    def handle(self, raw: bytes) -> str | None:
        """The response to one request line (bytes without the newline); None while a command
        list is being collected."""
        if len(raw) > MAX_LINE_BYTES:
            self._list = None
            return ProtocolError(Ack.ARG, f"line longer than {MAX_LINE_BYTES} bytes").ack()
        try:
            line = raw.decode("utf-8").rstrip("\r")
            words = tokenize(line)
        except UnicodeDecodeError:
            return self._fail(ProtocolError(Ack.ARG, "request is not UTF-8"))
        except ProtocolError as e:
            return self._fail(e)
        if not words:
            return self._fail(ProtocolError(Ack.UNKNOWN, "No command given"))
        if self._list is not None and not words[0].lower().startswith("command_list_"):
            self._list_bytes += len(raw) + 1
            if self._list_bytes > MAX_COMMAND_LIST_BYTES:
                self._list, self.closing = None, True
                return None
        return self._command(words)

    def _fail(self, error: ProtocolError) -> str:
        if self._list is not None:  # a broken line inside a list breaks the list
            self._list = None
        return error.ack()

    def _command(self, words: list[str]) -> str | None:
        name = words[0].lower()
        if name.startswith("command_list_"):
            return self._list_control(name)
        if self._list is None:
            return self._run_one(words, 0)
        self._list.append(words)
        return None

    def _list_control(self, name: str) -> str | None:
        if name in ("command_list_begin", "command_list_ok_begin"):
            if self._list is not None:
                self._list = None
                return ProtocolError(Ack.NOT_LIST, "nested command list", name).ack()
            self._list, self._list_ok = [], name == "command_list_ok_begin"
            self._list_bytes = 0
            return None
        if name == "command_list_end":
            if self._list is None:
                return ProtocolError(Ack.NOT_LIST, "not in command list", name).ack()
            batch, self._list = self._list, None
            return self._run_list(batch)
        return self._fail(ProtocolError(Ack.UNKNOWN, f'unknown command "{name}"', name))

    def _run_list(self, batch: list[list[str]]) -> str:
        out: list[str] = []
        for index, words in enumerate(batch):
            response = self._run_one(words, index, final=False)
            if response.startswith("ACK"):
                return "".join(out) + response
            out.append(response + ("list_OK\n" if self._list_ok else ""))
        return "".join(out) + "OK\n"

    def _run_one(self, words: list[str], index: int, final: bool = True) -> str:
        name, args = words[0].lower(), words[1:]
        try:
            pairs = self.dispatch(name, args)
        except ProtocolError as e:
            e.command = e.command or name
            return e.ack(index)
        except Exception as e:  # a bug in a handler must not kill the connection
            return ProtocolError(Ack.SYSTEM, f"internal error: {type(e).__name__}", name).ack(index)
        return format_pairs(pairs) + ("OK\n" if final else "")
