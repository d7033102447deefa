"""Memory that stays flat over months of playback: glibc's malloc thresholds held fixed.

libVLC 3 reads each local file through its ``cache_read`` stream filter, which allocates one
12 MiB buffer per input (three 4 MiB rings) and fills it as the file is read: a track touches
up to 4 MiB of it, more after seeks. Stopping the deck frees it. glibc raises its mmap threshold
to the size of the first large block freed (and its trim threshold to twice that), so from then
on every such buffer comes from the heap arena of the thread that opened the input, not from a
mapping of its own; freed, its pages stay resident in that arena, and the next track's buffer,
often in another arena, touches fresh pages. The daemon grew about 0.9 MB a minute of playback
(a 30-minute soak: 196.9 to 224.0 MB), with no step at track changes; a bare libVLC loop of two
decks grew 43.0 to 58.7 MB over 12 tracks, and 42.7 to 43.3 MB with the thresholds fixed.
``malloc_trim`` after each stop hardly helped (42.4 to 49.3 MB over 6 tracks): it leaves the
tops of the threads' arenas alone.

Setting the thresholds explicitly turns glibc's adjustment off: blocks of 4 MiB or more get
their own mapping, given back to the system when freed, and an arena's free top is trimmed past
128 KiB (glibc's default). The planner's arrays (3.6 MB of features for 100,000 tracks) stay
below 4 MiB, in the heap: its re-plan took 0.90 ms at p50 with these settings against 0.87 ms
without (bench/recommend.py); with everything over 128 KiB mapped it took 1.01 ms.
"""

from __future__ import annotations

import ctypes
import os

MMAP_THRESHOLD_BYTES = 4 * 1024 * 1024
"""Blocks this big or bigger are mapped on their own and unmapped when freed."""
TRIM_THRESHOLD_BYTES = 128 * 1024
"""Free memory at the top of an arena beyond this goes back to the system (glibc's default)."""

_M_TRIM_THRESHOLD = -1  # glibc's <malloc.h>
_M_MMAP_THRESHOLD = -3
_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_")


def hold_malloc_thresholds(env: dict[str, str] | None = None) -> str:
    """Fix glibc's mmap and trim thresholds for this process (see the module's docstring).

    Returns what was done, for the log. Nothing is changed where the C library is not glibc
    (musl, macOS) or where the user chose malloc settings in the environment
    (``MALLOC_*_`` variables, ``GLIBC_TUNABLES`` with ``glibc.malloc.``): theirs stand."""
    env = dict(os.environ) if env is None else env
    chosen = [name for name in _USER_SETTINGS if name in env]
    if "glibc.malloc." in env.get("GLIBC_TUNABLES", ""):
        chosen.append("GLIBC_TUNABLES")
    if chosen:
        return f"malloc thresholds left as the environment sets them ({', '.join(chosen)})"
    libc = ctypes.CDLL(None)
    if not hasattr(libc, "gnu_get_libc_version") or not hasattr(libc, "mallopt"):
        return "malloc thresholds left alone (the C library is not glibc)"
    mallopt = libc.mallopt
    mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES)
            and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES)):  # fmt: skip
        return "malloc thresholds left alone (glibc refused them)"
    return (f"malloc: blocks from {MMAP_THRESHOLD_BYTES >> 20} MiB mapped on their own, arena "
            f"tops trimmed past {TRIM_THRESHOLD_BYTES >> 10} KiB")  # fmt: skip
