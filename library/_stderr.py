"""C libraries' notes on stderr, captured in a scan worker and sent to the log.

libsndfile's mpg123 ("Warning: Xing stream size off by more than 1%…"), FFmpeg and other
decoders print straight to file descriptor 2, where their lines would break the scan's
progress bar. In a worker, fd 2 becomes the write end of a pipe; a thread reads it and logs
each line at debug level (``moodplay -v scan`` shows them). Python's own stderr (sys.stderr:
warnings, tracebacks, the logging handler set up here) keeps writing to the real stderr
through a duplicate of the original descriptor, so none of it is lost or demoted.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import sys
import threading

log = logging.getLogger("library.native")

PIPE_BYTES = 1 << 20
"""Pipe capacity asked for (Linux; capped by /proc/sys/fs/pipe-max-size)."""
LOG_FORMAT = "%(levelname)s %(name)s: %(message)s"


def capture_native_stderr(level: int) -> None:
    """In this (worker) process: log at ``level`` to the real stderr, and turn every line a C
    library writes to fd 2 into a debug record of ``library.native``."""
    real = os.dup(2)
    sys.stderr = os.fdopen(real, "w", buffering=1, encoding="utf-8", errors="replace")
    logging.basicConfig(level=level, format=LOG_FORMAT, stream=sys.stderr, force=True)
    read_fd, write_fd = os.pipe()
    _widen(write_fd)
    # Non-blocking for the writers: a decoder that prints more than the pipe holds while the
    # reader waits for the GIL drops its notes instead of hanging the worker.
    fcntl.fcntl(write_fd, fcntl.F_SETFL, fcntl.fcntl(write_fd, fcntl.F_GETFL) | os.O_NONBLOCK)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    threading.Thread(target=_forward, args=(read_fd,), name="native stderr", daemon=True).start()


def _widen(fd: int) -> None:
    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is None:
        return
    with contextlib.suppress(OSError):  # over the system's limit: the default 64 KiB will do
        fcntl.fcntl(fd, setpipe, PIPE_BYTES)


def _forward(read_fd: int) -> None:
    with os.fdopen(read_fd, "rb") as pipe:
        for line in pipe:
            text = line.decode("utf-8", "replace").rstrip()
            if text:
                log.debug("%s", text)
