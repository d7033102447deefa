"""The sound output going away and coming back, as the player's owner sees it.

libVLC reports nothing when the sound server dies: it goes on "playing", its time moving on,
into a dead connection. The player asks an OutputWatch (``player._watch``) once a second, and
when a track ends: while the output is gone the active deck is paused, the position stays where
the sound stopped, nothing that plays meanwhile counts as heard, and the player counts as
paused; when it comes back the track starts again, on a new stream, where the sound stopped.
Both changes reach the owner as a PlayerEvent of kind "output".
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from player._seek import Seeking

if TYPE_CHECKING:
    from player._player import Decks, PlayerEvent, Track

log = logging.getLogger(__name__)

NO_OUTPUT = "no sound output: the sound server is gone (paused until it returns)"


class OutputWatch(Protocol):
    def change(self, now: float | None = None, force: bool = False) -> str | None:
        """Says "lost" once when the output goes away, "back" once when it returns, else
        None; checked at most once a second unless ``force``."""
        ...


class OutputGuard(Seeking):
    """The output part of ``Player`` (a mixin: the attributes below are the Player's)."""

    _decks: Decks
    _active: int
    _current: Track | None
    _paused: bool
    _at_end: bool
    _watch: OutputWatch | None
    _silent_at: float | None
    """Seconds into the current track where the sound stopped, while there is no output."""

    def _start(self, deck: int, track: Track, start_s: float = 0.0) -> None:
        raise NotImplementedError  # the Player's

    def pause(self, paused: bool) -> None:
        raise NotImplementedError  # the Player's

    @property
    def no_output(self) -> bool:
        """The sound output is gone: the player holds where the sound stopped."""
        return self._silent_at is not None

    def _check_output(self, out: list[PlayerEvent], force: bool = False) -> None:
        """Ask the watch; a change pauses or restarts the output and is told to the owner."""
        change = self._watch.change(force=force) if self._watch is not None else None
        if change == "lost" and self._silent_at is None:
            self._output_lost(out)
        elif change == "back" and self._silent_at is not None:
            self._output_back(out)
        elif change == "back":  # a server that started after us: the stream needs opening
            self.reopen_output()

    def _output_lost(self, out: list[PlayerEvent]) -> None:
        from player._player import PlayerEvent

        position = self.position_s() if self._current is not None else 0.0
        self._end_fade()
        self._decks.pause(self._active, True)
        self._silent_at = position
        log.warning("player: %s; holding at %.1f s", NO_OUTPUT, position)
        out.append(PlayerEvent("output", self._current, NO_OUTPUT))

    def _output_back(self, out: list[PlayerEvent]) -> None:
        from player._player import PlayerEvent

        position, self._silent_at = self._silent_at or 0.0, None
        log.warning("player: the sound server is back; resuming at %.1f s", position)
        self._restart(position)
        out.append(PlayerEvent("output", self._current, ""))

    def _hold(self, track: Track, start_s: float) -> None:
        """A track started while there is no output: it becomes current, to start when the
        output returns (from ``start_s``)."""
        self._end_fade()
        self._decks.stop(self._active)
        self._current, self._paused, self._at_end = track, False, False
        self._silent_at = start_s

    def reopen_output(self) -> None:
        """Start the current track again, on a new stream, where it is (paused if it was):
        libVLC never reconnects a stream by itself."""
        self._restart(self.position_s())

    def _restart(self, position_s: float) -> None:
        if self._current is None:
            return
        paused = self._paused
        self._end_fade()
        self._decks.stop(self._active)
        self._start(self._active, self._current, position_s)
        if paused:
            self.pause(True)
