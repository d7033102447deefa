"""Playback of a queue on two decks: the next track is loaded before the current one ends.

libVLC 3 has neither gapless playback nor crossfade, so the next track is parsed on the idle
deck while the current one plays, and started the moment the current one ends. Loudness is
evened out from ReplayGain or the analysed LUFS. Engine events arrive on libVLC's thread and are
queued; ``poll()`` (called by the owner's loop) turns them into PlayerEvents.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

TARGET_LUFS = -18.0
_REASONS = {"failed": "libVLC could not play {path}", "missing": "file not found: {path}"}
MAX_BOOST_DB = 6.0


@dataclass(frozen=True)
class Track:
    """What the player needs of a track."""

    track_id: int
    path: Path
    gain_db: float = 0.0
    """Loudness correction: ReplayGain track gain, or TARGET_LUFS minus the analysed LUFS."""


@dataclass(frozen=True)
class PlayerEvent:
    kind: str  # "ended" | "failed"
    track: Track
    reason: str = ""


class Decks(Protocol):
    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None: ...
    def play(self, deck: int) -> None: ...
    def pause(self, deck: int, paused: bool) -> None: ...
    def stop(self, deck: int) -> None: ...
    def set_volume(self, deck: int, percent: int) -> None: ...
    def get_volume(self, deck: int) -> int: ...
    def set_mute(self, deck: int, muted: bool) -> None: ...
    def position_ms(self, deck: int) -> int: ...
    def seek_ms(self, deck: int, ms: int) -> None: ...


def gain_for(replaygain_db: float | None, loudness_lufs: float | None) -> float:
    """Per-track gain in dB: ReplayGain when tagged, else from the analysed loudness."""
    if replaygain_db is not None:
        gain = replaygain_db
    elif loudness_lufs is not None:
        gain = TARGET_LUFS - loudness_lufs
    else:
        gain = 0.0
    return min(MAX_BOOST_DB, gain)


class Player:
    def __init__(self, decks: Decks, events: queue.Queue[tuple[str, int]]) -> None:
        self._decks = decks
        self._raw = events
        self._active = 0
        self._current: Track | None = None
        self._next: Track | None = None
        self.volume_pct = 100
        self.muted = False
        self.paused = False

    @property
    def current(self) -> Track | None:
        return self._current

    def play(self, track: Track, start_s: float = 0.0) -> None:
        """Start ``track`` now on the active deck (``start_s`` seconds in)."""
        self._decks.stop(self._active)
        self._start(self._active, track, start_s)

    def prepare(self, track: Track | None) -> None:
        """Load the next track on the idle deck, so it starts without a parse delay."""
        self._next = track
        if track is not None and track.path.is_file():
            self._decks.load(1 - self._active, track.path)

    def advance(self) -> Track | None:
        """Switch to the prepared deck (at the end of a track, or on skip)."""
        old, self._active = self._active, 1 - self._active
        self._decks.stop(old)
        track, self._next = self._next, None
        self._current = None
        if track is not None:
            if not track.path.is_file():
                self._raw.put(("missing", self._active))
                self._current = track
                return track
            self._current = track
            self._apply_volume(self._active)
            self._decks.play(self._active)
        return track

    def _start(self, deck: int, track: Track, start_s: float = 0.0) -> None:
        self._current = track
        if not track.path.is_file():
            self._raw.put(("missing", deck))
            return
        self._decks.load(deck, track.path, start_s)
        self._apply_volume(deck)
        self._decks.play(deck)
        self.paused = False

    def set_volume(self, percent: int) -> None:
        self.volume_pct = max(0, min(100, percent))
        self._apply_volume(self._active)

    def set_mute(self, muted: bool) -> None:
        self.muted = muted
        self._decks.set_mute(self._active, muted)

    def pause(self, paused: bool) -> None:
        self.paused = paused
        self._decks.pause(self._active, paused)

    def stop(self) -> None:
        self._decks.stop(self._active)
        self._current = None

    def seek(self, seconds: float) -> None:
        self._decks.seek_ms(self._active, int(seconds * 1000))

    def position_s(self) -> float:
        return self._decks.position_ms(self._active) / 1000.0

    def _wanted_volume(self) -> int:
        # libVLC's volume scales amplitude cubically (see tests/player), so a gain in dB, an
        # amplitude ratio, goes through a cube root: -6 dB is volume x 0.79, not x 0.5 (-18 dB).
        gain = 10 ** ((self._current.gain_db if self._current else 0.0) / 20)
        return round(self.volume_pct * gain ** (1 / 3))

    def _apply_volume(self, deck: int) -> None:
        self._decks.set_volume(deck, self._wanted_volume())

    def poll(self, timeout_s: float = 0.0) -> list[PlayerEvent]:
        """Engine events since the last call, for the owner's loop (never blocks libVLC)."""
        out: list[PlayerEvent] = []
        try:
            while True:
                kind, deck = self._raw.get(timeout=timeout_s) if not out else self._raw.get_nowait()
                if deck != self._active or self._current is None:
                    continue  # a deck we already left
                if kind == "playing":
                    continue  # the volume is checked below, once the output exists
                reason = _REASONS.get(kind, "").format(path=self._current.path)
                out.append(
                    PlayerEvent("ended" if kind == "ended" else "failed", self._current, reason)
                )
        except queue.Empty:
            self._keep_volume()
            return out

    def _keep_volume(self) -> None:
        """libVLC forgets a volume set before its audio output exists (it appears some time
        after "playing"); each poll puts the wanted one back if it differs."""
        if self._current is None:
            return
        wanted = self._wanted_volume()
        if self._decks.get_volume(self._active) not in (-1, wanted):
            self._decks.set_volume(self._active, wanted)
            self._decks.set_mute(self._active, self.muted)
