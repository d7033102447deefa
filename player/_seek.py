"""Seeking on libVLC, which drops seeks made before a track's input is ready, goes on reporting
the old position for a while after one, and once it follows reports a position that runs up to
a second ahead for several seconds (measured under load: 6.00 at once, then 7.05 a moment
later, after ``seekcur 6``). So for SEEK_SETTLE_S after a seek the player's position is the
seek's target moved on by the time played since, not libVLC's report; a dropped seek is issued
again once."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from player._player import Decks, Track

SEEK_SETTLE_S = 6.0
"""How long after a seek the target, moved on by the time played, is the position rather than
libVLC's report. Idle, libVLC follows within 0.1-0.3 s; with the machine loaded (two cores,
several test runs) it took over 1.5 s (the bound this had before: a relative seek then counted
from the old position) and then read a second ahead for seconds."""
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
        """Seconds into the current track, >= 0. For SEEK_SETTLE_S after a seek: its target,
        moving on while playing (libVLC's report lags, then runs ahead), so a relative seek
        right after a seek adds up. While there is no sound output: where the sound stopped."""
        if self._silent_at is not None:
            return self._silent_at
        expected = self._seek_expected()
        if expected is not None:
            return expected
        return self._decks.position_ms(self._active) / 1000.0

    def _carry_seek(self) -> None:
        """Call before pausing or resuming: a seek's expectation goes on from where it is (it
        counts time only while playing)."""
        expected = self._seek_expected()
        if expected is not None and self._seeked is not None:
            deck, track, _, _, retried = self._seeked
            self._seeked = (deck, track, expected, self._clock(), retried)

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
