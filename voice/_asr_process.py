"""A recogniser in a process of its own, so that its decoding never holds the daemon's GIL.

PocketSphinx's Python binding holds the GIL for a whole ``process_raw`` call (measured here:
a tick thread asking for the GIL every 1 ms waited 177 ms while the daemon's listener decoded
one 3 s command, and 1,025 ms while PocketSphinx decoded 4 s of free speech). moodplay's mixer
renders every output block in a Python callback (``player._device``): a decode longer than
the output device's buffer is heard as a dropout in the music, and it shifts the echo
canceller's reference. Streaming the decode in small pieces would release the GIL between them
but loses the whole-utterance cepstral mean normalisation that under music is worth far more
accuracy (``voice._sphinx``), so the decode moves to a child process instead: the daemon's voice
thread waits on a pipe (which releases the GIL) while the child decodes.

The child is a fresh interpreter (``python -c``: no copy of the daemon's threads, SQLite
connections or sound streams, and unlike multiprocessing's "spawn" it never imports the
daemon's main script again); messages are pickled both ways over its stdin and stdout. It
builds the recogniser from the same settings and phrase table, then answers requests in order,
and ends when its stdin closes (the daemon ended, even by ``kill -9``). A child that dies is
started again at the next utterance; the one it was decoding is heard as nothing (never as a
guess).
"""

from __future__ import annotations

import logging
import multiprocessing.connection
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np

from voice._asr import EngineError, Int16Array, Recognizer, Transcript
from voice._phrases import PhraseTable

log = logging.getLogger(__name__)

START_TIMEOUT_S = 120.0
"""How long the child may take to load its model and build the first grammar (PocketSphinx:
~1-2 s here; a busy Raspberry Pi several times that)."""
CALL_TIMEOUT_S = 60.0
"""How long one request may take before the child is taken for hung and ended."""


class RecognizerProcess:
    """The ``Recognizer`` protocol, served by a recogniser in a child process.

    ``settings`` and ``table`` are what ``voice._engines.make_recognizer`` takes (both are
    pickled to the child). Raises EngineError when the child cannot start or its engine cannot
    load (the message is the engine's)."""

    def __init__(self, settings: Any, table: PhraseTable) -> None:
        self._settings, self._table = settings, table
        self._grammar: tuple[PhraseTable, str, str] | None = None
        self._audio: list[Int16Array] = []
        self._conn: _Pipe | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self.name, self.min_confidence, self.exact = "", 0.0, False
        self._start()

    def _start(self) -> None:
        try:
            proc = subprocess.Popen(
                [sys.executable, "-c", "from voice._asr_process import main; main()"],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=_child_env(),
            )  # fmt: skip
        except OSError as e:  # out of processes or file descriptors
            raise EngineError(f"cannot start the speech engine's process: {e}") from e
        assert proc.stdin is not None and proc.stdout is not None
        self._proc = proc
        self._conn = _Pipe(proc.stdout.fileno(), proc.stdin.fileno())
        self._conn.send((self._settings, self._table))
        kind, *rest = self._receive(START_TIMEOUT_S)
        if kind != "ready":
            self.close()
            raise EngineError(str(rest[0]) if rest else "the speech engine's process failed")
        self.name, self.min_confidence, self.exact = rest
        if self._grammar is not None:
            self._call("grammar", *self._grammar)

    def _receive(self, timeout_s: float) -> tuple[Any, ...]:
        conn = self._conn
        if conn is None:
            return ("error", "the speech engine's process is gone")
        try:
            if not conn.poll(timeout_s):
                self.close()
                return ("error", f"the speech engine did not answer in {timeout_s:.0f} s")
            reply: tuple[Any, ...] = conn.recv()
            return reply
        except (EOFError, OSError) as e:
            self.close()
            return ("error", f"the speech engine's process ended ({e or 'no reason given'})")

    def _call(self, *request: Any) -> tuple[Any, ...]:
        if self._conn is None:
            try:
                self._start()
            except EngineError as e:
                return ("error", str(e))
        assert self._conn is not None
        try:
            self._conn.send(request)
        except (OSError, ValueError) as e:
            self.close()
            return ("error", f"the speech engine's process is gone ({e})")
        return self._receive(CALL_TIMEOUT_S)

    def set_grammar(self, table: PhraseTable, wake_phrase: str, lead_in: str = "") -> None:
        self._grammar = (table, wake_phrase, lead_in)
        kind, *rest = self._call("grammar", table, wake_phrase, lead_in)
        if kind != "ok":
            log.warning("speech engine: the new grammar waits for the engine's restart: %s", rest)

    def start(self) -> None:
        self._audio = []

    def feed(self, pcm: Int16Array) -> None:
        self._audio.append(pcm)

    def finish(self) -> Transcript:
        audio = np.concatenate(self._audio) if self._audio else np.zeros(0, np.int16)
        self._audio = []
        kind, *rest = self._call("finish", audio)
        if kind != "ok":
            log.warning("speech engine: %s; the utterance is heard as nothing", rest[0])
            return Transcript("", 0.0, False)
        transcript: Transcript = rest[0]
        return transcript

    def close(self) -> None:
        """End the child (it also ends by itself when this process does)."""
        conn, proc, self._conn, self._proc = self._conn, self._proc, None, None
        if conn is not None:
            conn.close()
        if proc is not None:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    stream.close()
            try:
                proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=2)


class _Pipe:
    """Pickled messages over the child's stdout (read) and stdin (write), as
    ``multiprocessing.connection.Connection`` frames them; the file objects keep the fds."""

    def __init__(self, read_fd: int, write_fd: int) -> None:
        self._read = multiprocessing.connection.Connection(os.dup(read_fd), writable=False)
        self._write = multiprocessing.connection.Connection(os.dup(write_fd), readable=False)

    def send(self, message: object) -> None:
        self._write.send(message)

    def poll(self, timeout_s: float) -> bool:
        return self._read.poll(timeout_s)

    def recv(self) -> Any:
        return self._read.recv()

    def close(self) -> None:
        self._read.close()
        self._write.close()


def _child_env() -> dict[str, str]:
    """This environment, with the folder that holds ``voice`` first on the child's path (the
    daemon may run from a source tree that is not installed)."""
    root = str(Path(__file__).resolve().parent.parent)
    path = os.environ.get("PYTHONPATH", "")
    return {**os.environ, "PYTHONPATH": root + (os.pathsep + path if path else "")}


def main() -> None:
    """The child's entry: the settings and phrase table arrive first on stdin."""
    read = multiprocessing.connection.Connection(os.dup(0), writable=False)
    write = multiprocessing.connection.Connection(os.dup(1), readable=False)
    os.dup2(2, 1)  # anything the engine prints goes to the log, not into the pipe
    try:
        settings, table = read.recv()
    except (EOFError, OSError):
        return
    _serve(read, write, settings, table)


def _serve(read: multiprocessing.connection.Connection,
           write: multiprocessing.connection.Connection, settings: Any,
           table: PhraseTable) -> None:  # fmt: skip
    """Build the recogniser, then answer requests until the pipe closes."""
    from voice._engines import make_recognizer

    try:
        recognizer: Recognizer = make_recognizer(settings, table)
    except Exception as e:  # the engine's own message goes back to the daemon
        write.send(("error", f"{type(e).__name__}: {e}"))
        return
    write.send(("ready", recognizer.name, recognizer.min_confidence, recognizer.exact))
    while True:
        try:
            kind, *args = read.recv()
        except (EOFError, OSError):
            return  # the daemon ended
        try:
            if kind == "grammar":
                recognizer.set_grammar(*args)
                write.send(("ok",))
            else:
                recognizer.start()
                recognizer.feed(args[0])
                write.send(("ok", recognizer.finish()))
        except Exception as e:
            write.send(("error", f"{type(e).__name__}: {e}"))
