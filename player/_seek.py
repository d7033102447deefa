"""Seeking on libVLC, which drops seeks made before a track's input is ready and goes on
reporting the old position for a while after one: the player's position is the seek's target
until libVLC follows, and a dropped seek is issued again once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from player._player import Decks, Track

SEEK_SETTLE_S = 1.5
"""How long after a seek libVLC may still report the position before it."""
SEEK_RETRY_S = 0.3
"""A seek not followed after this long is issued again (libVLC drops seeks made before the
track's input is ready, e.g. right after play)."""


class Seeking:
    """The seek part of ``Player`` (a mixin: the attributes below are the Player's)."""

    _decks: Decks
    _active: int
    _current: Track | None
    _clock: Callable[[], float]
    _seeked: tuple[int, Track | None, float, float, bool] | None
    _silent_at: float | None

    @property
    def paused(self) -> bool:
        raise NotImplementedError  # the Player's

    def _end_fade(self) -> None:
        raise NotImplementedError  # the Player's

    def seek(self, seconds: float) -> None:
        """Move to ``seconds`` into the current track (kept for later while there is no
        sound output)."""
        if self._silent_at is not None:
            self._silent_at = max(0.0, seconds)
            return
        self._end_fade()
        self._decks.seek_ms(self._active, int(seconds * 1000))
        self._seeked = (self._active, self._current, seconds, self._clock(), False)

    def position_s(self) -> float:
        """Seconds into the current track. libVLC goes on reporting the old position for a
        while after a seek; until it catches up (at most SEEK_SETTLE_S) the target, moving on
        while playing, is the truth — so a relative seek right after a seek adds up. While there
        is no sound output: where the sound stopped."""
        if self._silent_at is not None:
            return self._silent_at
        reported = self._decks.position_ms(self._active) / 1000.0
        expected = self._seek_expected()
        if expected is None or abs(reported - expected) < 0.25:
            self._seeked = None
            return reported
        return expected

    def _seek_expected(self) -> float | None:
        """Where the last seek should have brought the track by now; None once it no longer
        applies (another track or deck, or SEEK_SETTLE_S gone by)."""
        if self._seeked is None:
            return None
        deck, track, target, at, _ = self._seeked
        since = self._clock() - at
        if deck != self._active or track is not self._current or since > SEEK_SETTLE_S:
            self._seeked = None
            return None
        return target + (0.0 if self.paused else since)

    def _keep_seek(self) -> None:
        """A seek issued before libVLC's input was ready is dropped by libVLC: issue it again
        until the reported position follows (or SEEK_SETTLE_S has passed)."""
        expected = self._seek_expected()
        if expected is None or self._seeked is None or self._seeked[4]:
            return  # nothing pending, or issued again once already
        deck, track, _, at, _ = self._seeked
        reported = self._decks.position_ms(deck) / 1000.0
        if self._clock() - at > SEEK_RETRY_S and abs(reported - expected) > 1.0:
            self._decks.seek_ms(deck, int(expected * 1000))
            self._seeked = (deck, track, expected, self._clock(), True)
