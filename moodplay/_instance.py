"""One daemon per database: an advisory lock (flock) on ``DB.lock`` beside the database.

Two daemons on one database would overwrite each other's resume state every second and mix
their events. The lock file holds the owner's pid and what it runs, so a second one can say who
is in the way. The kernel drops the lock when the owner exits, ``kill -9`` included, so a stale
file never blocks a restart.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path


class InstanceError(Exception):
    """Another moodplay process holds the database; the message names its pid."""


class InstanceLock:
    """Held from :meth:`acquire` until :meth:`release` (or the process's end)."""

    def __init__(self, db: Path, what: str) -> None:
        self.path = db.with_name(db.name + ".lock")
        self.what = what
        self._fd: int | None = None

    def acquire(self) -> InstanceLock:
        """Take the lock; raises :class:`InstanceError` naming the holder's pid and command."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            pid, _, what = os.pread(fd, 200, 0).decode(errors="replace").strip().partition(" ")
            os.close(fd)
            raise InstanceError(
                f"another moodplay process (pid {pid or 'unknown'}, `{what or 'moodplay'}`) is "
                f"using the database "
                f"{self.path.with_suffix('')}; stop it first (systemctl --user stop moodplay, or "
                "kill that pid), or give this one another --db"
            ) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()} moodplay {self.what}\n".encode(), 0)
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the only descriptor drops the flock
            self._fd = None

    def __enter__(self) -> InstanceLock:
        return self.acquire()

    def __exit__(self, *exc: object) -> None:
        self.release()
