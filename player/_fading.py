"""The crossfade and gapless parts of ``Player`` (a mixin: see ``player._player``).

A crossfade is stepped by each poll on libVLC's own output (the player sets both decks'
volumes along the equal-power curve), and ramped by the mixer itself on decks with
``exact_fades`` (``player._mixdecks``): both ramps start on the same sample and, at a track's
end, the fade-out ends on its last sample. Gapless: decks that report "drained" (the current
track decoded to its end, not yet heard to it) get the prepared track chained to follow its
last sample; it becomes current at "ended".
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from player._ramp import Fade

if TYPE_CHECKING:
    from player._player import Decks, PlayerEvent, Track

FADE_GRACE_S = 0.5
"""Decks with exact fades end a fade-out on the track's last sample, which the player's clock
and libVLC's length place only to within a poll or two: the fading deck is stopped this long
after the fade's end by the clock (by then it has ended by itself; stopping it sooner could
cut its last samples)."""


class Fading:
    """Crossfade and gapless chaining (a mixin of ``Player``: the attributes are its own)."""

    _decks: Decks
    _active: int
    _current: Track | None
    _next: Track | None
    _ready: bool
    _at_end: bool
    _fade: Fade | None
    _handover: Track | None
    _chained: bool
    _drained: list[bool]
    _exact: bool
    _paused: bool
    _silent_at: float | None
    """Not None while there is no sound output (``player._output``)."""
    _clock: Callable[[], float]
    crossfade_s: float
    muted: bool

    @property
    def paused(self) -> bool:
        raise NotImplementedError  # the Player's

    def _apply_volume(self, deck: int) -> None:
        raise NotImplementedError  # the Player's

    def _load_next(self) -> None:
        raise NotImplementedError  # the Player's

    def _skip_fade_s(self) -> float | None:
        """A skip's fade: ``crossfade_s``, less when the frozen tail comes sooner, none if off."""
        if not self._can_fade():
            return None
        left_s = self._left_s()
        if left_s is None:
            return self.crossfade_s
        length_s = min(self.crossfade_s, left_s - self._decks.volume_frozen_tail_s)
        return length_s if length_s > 0 else None

    # -- gapless (decks that report "drained": player._mixdecks) -----------------------------

    def _chain_next(self) -> None:
        """The current track is decoded to its end, not yet heard to it: the prepared track is
        started to follow its last sample (gapless), and becomes current only at "ended".
        With a crossfade on, the fade brings the next one in instead."""
        if (self._ready and self._next is not None and self._fade is None
                and self.crossfade_s == 0 and not self._chained
                and self._silent_at is None and not self._paused):  # fmt: skip
            self._chained = True
            self._apply_volume(1 - self._active)
            self._decks.set_mute(1 - self._active, self.muted)
            chain = getattr(self._decks, "chain", None)  # decks that report "drained" have it
            if chain is not None:
                chain(1 - self._active)

    def _unchain(self, reload: bool = True) -> None:
        """The chained track is not to follow after all (another track, a stop, another next):
        its deck stops, and loads the prepared track again for later."""
        if not self._chained:
            return
        self._chained, self._ready = False, False
        self._decks.stop(1 - self._active)
        if reload:
            self._load_next()

    # -- crossfade ---------------------------------------------------------------------------

    def _can_fade(self) -> bool:
        return (self.crossfade_s > 0 and self._ready and self._current is not None
                and self._fade is None and not self._at_end and not self.paused
                and not self._chained)  # fmt: skip

    def _left_s(self) -> float | None:
        """Seconds left of the current track, when libVLC knows its length."""
        length_ms = self._decks.length_ms(self._active)
        if length_ms <= 0:
            return None
        return max(0.0, (length_ms - self._decks.position_ms(self._active)) / 1000)

    def _fade_due(self) -> float | None:
        """The fade's length, when one should start now: it ends where the current track's
        frozen tail begins (there the old deck stops), ``crossfade_s`` after it starts — or
        sooner when a short track's own fade-in took that time; none when no time is left."""
        left_s = self._left_s() if self._can_fade() else None
        tail_s = self._decks.volume_frozen_tail_s
        if left_s is None or left_s > self.crossfade_s + tail_s:
            return None
        return left_s - tail_s if left_s > tail_s else None

    def _begin_fade(self, length_s: float, to_end: bool = False) -> None:
        """Fade the current track out and the prepared one in over ``length_s``; ``to_end``:
        the fade-out ends on the current track's last sample (decks with ``exact_fades``
        ramp both in the mixer; others are stepped by each poll)."""
        assert self._current is not None and self._next is not None
        out = self._active
        self._fade = Fade(out, self._current.gain_db, self._clock(), length_s)
        self._active, self._current, self._handover = 1 - out, self._next, self._next
        self._next, self._ready, self._at_end = None, False, False
        self._apply_volume(self._active)  # 0: the ramp starts silent (its level, if exact)
        self._decks.set_mute(self._active, self.muted)
        crossfade = getattr(self._decks, "crossfade", None) if self._exact else None
        if crossfade is not None:
            crossfade(out, self._active, length_s, to_end)
        else:
            self._decks.play(self._active)

    def _step_fade(self, out: list[PlayerEvent]) -> None:
        from player._player import PlayerEvent

        if self._fade is not None:
            grace_s = FADE_GRACE_S if self._exact else 0.0
            if self._fade.progress(self._clock() - grace_s) >= 1.0:
                self._end_fade()
            return
        length_s = self._fade_due()
        if length_s is not None and self._current is not None:
            out.append(PlayerEvent("ended", self._current))
            self._begin_fade(length_s, to_end=True)

    def _end_fade(self) -> None:
        """Stop the deck that faded out (at once, if the fade is cut short); the prepared track
        waiting for that deck loads there now."""
        if self._fade is None:
            return
        self._decks.stop(self._fade.out_deck)
        self._fade = None
        self._apply_volume(self._active)
        if self._next is not None and not self._ready:
            self._load_next()
