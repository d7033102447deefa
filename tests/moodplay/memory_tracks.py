"""Play tracks one after another on the real libVLC player; print RSS before, after each, after.

Run in a fresh process by test_memory.py (malloc settings are per process, and the test
process's own heap would blur the figures):

    python -m tests.moodplay.memory_tracks FOLDER COUNT held|as-is

``held`` applies the daemon's malloc thresholds first (``moodplay._memory``). The tracks are
the folder's WAV files in turn, played as the session plays them: each started on "ended" with
the next prepared on the idle deck. The audio output is libVLC's ``adummy`` (no sound server
needed); what grows is libVLC's read buffer per input, whatever the output.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

from moodplay._memory import hold_malloc_thresholds
from player import Player, Track, open_vlc_player


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def play(files: list[Path], count: int, timeout_s: float = 60.0) -> dict[str, object]:
    """RSS in MB: after one track played and stopped (libVLC's plugins loaded), after each
    of ``count`` tracks, and once the player has stopped."""
    player = open_vlc_player("adummy", output="vlc")
    _through(player, [Track(-1, files[0])], [], timeout_s)
    before = rss_mb()
    rss: list[float] = []
    _through(player, [Track(i, files[i % len(files)]) for i in range(count)], rss, timeout_s)
    return {"before": round(before, 1), "each": rss, "after": round(rss_mb(), 1)}


def _through(player: Player, tracks: list[Track], rss: list[float], timeout_s: float) -> None:
    """Play ``tracks`` in turn, each to its end (a deck stopped at once can hold more), then
    stop; RSS after each end goes to ``rss``."""
    count = len(tracks)
    player.start(tracks[0])
    player.prepare(tracks[1] if count > 1 else None)
    ended = 0
    deadline = time.monotonic() + timeout_s
    while ended < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"only {ended} of {count} tracks ended within {timeout_s} s")
        for event in player.poll(0.05):
            if event.kind in ("ended", "failed"):
                ended += 1
                rss.append(round(rss_mb(), 1))
                if ended < count:
                    player.start(tracks[ended])
                    player.prepare(tracks[ended + 1] if ended + 1 < count else None)
    player.stop()
    time.sleep(0.5)  # libVLC's preparser frees its input on its own thread


def main() -> None:
    folder, count, mode = Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
    if mode == "held":
        hold_malloc_thresholds({})
    print(json.dumps(play(sorted(folder.glob("*.wav")), count)))


if __name__ == "__main__":
    main()
