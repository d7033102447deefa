"""The sound output going away and coming back, as the player's owner sees it.

libVLC reports nothing when the sound server dies: it goes on "playing", its time moving on,
into a dead connection. The player asks an OutputWatch (``player._watch``) once a second, and
when a track ends: while the output is gone the active deck is paused, the position stays where
the sound stopped, nothing that plays meanwhile counts as heard, and the player counts as
paused; when it comes back the track starts again, on a new stream, where the sound stopped.
Both changes reach the owner as a PlayerEvent of kind "output".

A sound server that is there but frozen (stopped, hung) is held the same way: libVLC's calls
then stop returning, and ``player._bounded`` reports the output lost until they return.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Protocol

from player._seek import Seeking
from player._watch import GONE

if TYPE_CHECKING:
    from player._player import Decks, PlayerEvent, Track

log = logging.getLogger(__name__)

NO_OUTPUT = GONE
"""The reason when the sound server is gone (``player._watch``)."""


class OutputWatch(Protocol):
    reason: str
    """What is true while the output is lost: the text of the "output" event."""

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        """Says "lost" once when the output goes away, "back" once when it returns, else
        None; checked at most once a second unless ``force``."""
        ...


class AnyLost:
    """Several output watches as one: "lost" when one of them is (with its reason), "back" when
    all are back. A "back" from a watch never lost (a sound server that started after the
    player) is passed on while none is lost: the player then opens its stream again. A "back"
    also tells the other watches that can try again at once (``renew``: the mixer's output
    keeper, ``player._keeper``)."""

    def __init__(self, *watches: OutputWatch) -> None:
        self._watches = watches
        self._lost = [False] * len(watches)
        self._told = False
        self.reason = ""

    def change(self, now: float | None = None, force: bool = False) -> str | None:
        fresh = False  # a "back" from a watch that was not lost
        for i, watch in enumerate(self._watches):
            change = watch.change(now, force)
            if change == "lost" and not any(self._lost):
                self.reason = watch.reason
            if change is not None:
                fresh |= change == "back" and not self._lost[i]
                self._lost[i] = change == "lost"
            if change == "back":  # the server is there: a watch that can try now does
                for other in self._watches:
                    renew = getattr(other, "renew", None)
                    if other is not watch and renew is not None:
                        renew()
        if any(self._lost) != self._told:
            self._told = not self._told
            return "lost" if self._told else "back"
        return "back" if fresh and not self._told else None


class OutputGuard(Seeking):
    """The output part of ``Player`` (a mixin: the attributes below are the Player's)."""

    _decks: Decks
    _active: int
    _current: Track | None
    _paused: bool
    _at_end: bool
    _next: Track | None
    _ready: bool
    _watch: OutputWatch | None
    _silent_at: float | None
    """Seconds into the current track where the sound stopped, while there is no output."""

    def _start(self, deck: int, track: Track, start_s: float = 0.0) -> None:
        raise NotImplementedError  # the Player's

    def pause(self, paused: bool) -> None:
        raise NotImplementedError  # the Player's

    def _load_next(self) -> None:
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
        reason = self._watch.reason if self._watch is not None else NO_OUTPUT
        log.warning("player: %s; holding at %.1f s", reason, position)
        out.append(PlayerEvent("output", self._current, reason))

    def _output_back(self, out: list[PlayerEvent]) -> None:
        from player._player import PlayerEvent

        position, self._silent_at = self._silent_at or 0.0, None
        log.warning("player: the sound output is back; resuming at %.1f s", position)
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
        """Both decks on new connections to the output (the one idle meanwhile would play
        into the dead one: unheard, its decoded audio kept in memory, ~20 MB a minute); the
        current track from ``position_s`` and the prepared one loaded again (a load dropped
        while the output did not respond, player._bounded, left that deck empty too)."""
        self._end_fade()
        for deck in (0, 1):
            self._decks.reopen(deck)
        if self._current is not None:
            paused = self._paused
            self._start(self._active, self._current, position_s)
            if paused:
                self.pause(True)
        if self._next is not None:
            self._ready = False
            self._load_next()
