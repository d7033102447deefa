"""Playback of a queue on two decks: the next track is loaded before the current one ends.

libVLC 3 has neither gapless playback nor crossfade, so the next track is parsed on the idle
deck while the current one plays, and started the moment the current one ends — or, with a
crossfade, started on the idle deck ``crossfade_s`` before that while the two decks' volumes
ramp. Loudness is evened out from ReplayGain or the analysed LUFS. Engine events arrive on
libVLC's thread and are queued; ``poll()`` (called by the owner's loop every few tens of ms)
turns them into PlayerEvents and drives every volume change over time (ramps, and putting back
a volume libVLC lost): nothing here runs on libVLC's thread.
"""

from __future__ import annotations

import math
import queue
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from player._fading import Fading
from player._output import OutputGuard, OutputWatch
from player._ramp import DUCK_LEVEL_PCT, Fade, deck_volume, fade_gains

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
    """One per track left: "ended" when it reached its end — with a crossfade, when the fade
    out of it starts, and ``Player.current`` is the next track from then on — or "failed";
    and "output" when the sound output went away (``reason`` says so) or came back (no
    reason): ``track`` is then the current one, if any (see ``player._output``)."""

    kind: str  # "ended" | "failed" | "output"
    track: Track | None
    reason: str = ""


class Decks(Protocol):
    """Two decks of an engine. Decks that mix themselves (``player._mixdecks``) also have,
    and the player uses when present: ``exact_fades = True`` with ``crossfade(out_deck,
    in_deck, seconds, to_end)`` (sample-accurate ramps), ``chain(deck)`` (start on the sample
    after the other deck's last), and report "drained" (decoded to the end, not yet heard)
    before "ended" (heard to the end)."""

    volume_frozen_tail_s: float
    """The last seconds of a track during which the engine no longer applies volume changes
    (it is draining its output buffer): a crossfade's fade-out must end before them."""

    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None: ...
    def play(self, deck: int) -> None: ...
    def pause(self, deck: int, paused: bool) -> None: ...
    def stop(self, deck: int) -> None: ...
    def set_volume(self, deck: int, percent: int) -> None: ...
    def get_volume(self, deck: int) -> int: ...
    def set_mute(self, deck: int, muted: bool) -> None: ...
    def position_ms(self, deck: int) -> int: ...
    def length_ms(self, deck: int) -> int: ...
    def seek_ms(self, deck: int, ms: int) -> None: ...
    def reopen(self, deck: int) -> None:
        """Stop the deck and give it a new connection to the sound output (its media is gone:
        load again). libVLC keeps a deck's audio output between tracks; after the sound server
        died and came back, a deck that was idle meanwhile still holds the dead one."""
        ...


def gain_for(replaygain_db: float | None, loudness_lufs: float | None) -> float:
    """Per-track gain in dB: ReplayGain when tagged, else from the analysed loudness."""
    if replaygain_db is not None:
        gain = replaygain_db
    elif loudness_lufs is not None:
        gain = TARGET_LUFS - loudness_lufs
    else:
        gain = 0.0
    return min(MAX_BOOST_DB, gain)


class Player(Fading, OutputGuard):
    """The owner's one handle on playback; every method runs on the owner's thread."""

    def __init__(
        self,
        decks: Decks,
        events: queue.Queue[tuple[str, int]],
        crossfade_s: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        output: OutputWatch | None = None,
    ) -> None:
        if not (math.isfinite(crossfade_s) and crossfade_s >= 0):
            raise ValueError(f"crossfade_s must be a number of seconds >= 0, not {crossfade_s}")
        self._decks, self._raw, self._clock = decks, events, clock
        self._exact = bool(getattr(decks, "exact_fades", False))
        """The decks ramp crossfades themselves, to the sample (``player._mixdecks``)."""
        self._watch = output
        self._silent_at: float | None = None
        self.wakeup: Callable[[], None] | None = None
        """Called (from libVLC's thread) when an engine event is queued: the owner's loop can
        poll at once instead of at its next tick (the gap between tracks)."""
        self.crossfade_s = crossfade_s
        """Seconds the end of a track overlaps the next one (0: no crossfade)."""
        self._active = 0
        self._current: Track | None = None
        self._next: Track | None = None
        self._ready = False  # the idle deck holds self._next
        self._chained = False  # ... and plays it after the current one's last sample
        self._drained = [False, False]  # each deck's track decoded to its end ("drained")
        self._at_end = False  # the active deck reported its end or a failure
        self._fade: Fade | None = None
        self._handover: Track | None = None  # brought in by a crossfade since the last poll
        self._duck = 1.0
        self.volume_pct = 100
        self.muted = False
        self._paused = False
        self._seeked: tuple[int, Track | None, float, float, bool] | None = None
        """(deck, track, target s, when, retried) of the last seek, until libVLC follows."""
        self.ducked = False
        self.mixing: Any = None
        """The ``player._mixdecks.MixerDecks`` under the decks on the mixer output (its
        ``mixer`` and ``taps``: the echo reference, the level meter, spoken answers), else
        None (libVLC's own output: moodplay never holds the samples)."""

    @property
    def paused(self) -> bool:
        """Paused by the owner, or held because there is no sound output (``no_output``)."""
        return self._paused or self._silent_at is not None

    @property
    def current(self) -> Track | None:
        return self._current

    @property
    def prepared(self) -> Track | None:
        """The track loaded (or to be loaded) on the idle deck, if any."""
        return self._next

    @property
    def crossfading(self) -> bool:
        return self._fade is not None

    def play(self, track: Track, start_s: float = 0.0) -> None:
        """Start ``track`` now on the active deck (``start_s`` seconds in).

        The track a crossfade has just brought in (reported with the "ended" of the one before,
        until the next poll) keeps playing: an owner that answers "ended" with ``play(next)``
        does not restart it."""
        if track == self._handover and start_s == 0.0:
            return
        self._unchain()
        if self.no_output:
            self._hold(track, start_s)
            return
        self._end_fade()
        self._decks.stop(self._active)
        self._start(self._active, track, start_s)

    def start(self, track: Track, start_s: float = 0.0) -> None:
        """Play ``track``: from the prepared deck when it is the prepared one (no parse delay;
        a crossfade when that is on), else loaded now."""
        if start_s == 0.0 and track in (self._handover, self._next) and not self.no_output:
            self.advance()
            self._paused = False
        else:
            self.play(track, start_s)

    def prepare(self, track: Track | None) -> None:
        """Load the next track on the idle deck, so it starts without a parse delay. During a
        crossfade that deck is still fading out: the track loads when the fade ends."""
        if self._chained and track == self._next:
            return  # loaded already, and chained to play next
        self._unchain(reload=False)
        self._next, self._ready = track, False
        if self._fade is None:
            self._load_next()

    def advance(self) -> Track | None:
        """Switch to the prepared track (at the end of a track, or on skip) and return it.

        With ``crossfade_s`` > 0 and the current track still playing, the two crossfade (for
        ``crossfade_s``, less if the current track's frozen tail comes sooner); no event is
        reported for the track left, as the owner knows it skipped. Right after a crossfade
        reported "ended", this returns the track the crossfade already brought in."""
        if self._handover is not None:
            return self._handover
        self._end_fade()
        length_s = self._skip_fade_s()
        if length_s is None:
            return self._switch()
        self._begin_fade(length_s, to_end=length_s < self.crossfade_s)
        return self._current

    def _switch(self) -> Track | None:
        old, self._active = self._active, 1 - self._active
        track, loaded = self._next, self._ready
        self._next, self._ready, self._current, self._at_end = None, False, track, False
        self._chained = False
        try:
            if track is None:
                return None
            if not track.path.is_file():
                self._raw.put(("missing", self._active))
                return track
            if not loaded:
                self._load(self._active, track.path)
            self._apply_volume(self._active)
            self._decks.play(self._active)
            return track
        finally:
            self._decks.stop(old)  # after the new one starts: libVLC's stop waits for its thread

    def _start(self, deck: int, track: Track, start_s: float = 0.0) -> None:
        self._current, self._at_end, self._chained = track, False, False
        if not track.path.is_file():
            self._raw.put(("missing", deck))
            return
        self._load(deck, track.path, start_s)
        self._apply_volume(deck)
        self._decks.play(deck)
        self._paused = False
        if start_s > 0.0:  # libVLC reports 0 until it has opened the input: the start is the
            self._seeked = (deck, track, start_s, self._clock(), True)  # truth meanwhile

    def _load_next(self) -> None:
        track = self._next
        if track is not None and track.path.is_file():
            self._load(1 - self._active, track.path)
            self._ready = True
            if self._drained[self._active]:  # the current one is decoded to its end already
                self._chain_next()

    def _load(self, deck: int, path: Path, start_s: float = 0.0) -> None:
        self._drained[deck] = False
        self._decks.load(deck, path, start_s)

    # -- volume, transport -------------------------------------------------------------------

    def set_volume(self, percent: int) -> None:
        self.volume_pct = max(0, min(100, percent))
        self._apply_volumes()

    def duck(self, on: bool, level_pct: int = DUCK_LEVEL_PCT) -> None:
        """While on, play at ``level_pct`` % of the user's volume (libVLC's cubic scale: 30 %
        is -31 dB); off restores it. ``volume_pct`` stays the user's volume throughout."""
        if not 0 <= level_pct <= 100:
            raise ValueError(f"duck level must be 0..100 %, not {level_pct}")
        self.ducked, self._duck = on, (level_pct / 100 if on else 1.0)
        self._apply_volumes()

    def set_mute(self, muted: bool) -> None:
        self.muted = muted
        for deck in self._sounding_decks():
            self._decks.set_mute(deck, muted)

    def pause(self, paused: bool) -> None:
        """Pause or resume; pausing during a crossfade finishes it first. Without sound output
        this is what happens when the output returns."""
        if paused:
            self._end_fade()
        self._carry_seek()
        self._paused = paused
        if not self.no_output:
            self._decks.pause(self._active, paused)

    def stop(self) -> None:
        """Stop playback. Over ``player._bounded`` (as ``open_vlc_player`` makes it) this holds
        the caller at most its patience, even while the sound output hangs."""
        self._end_fade()
        self._unchain(reload=False)
        self._decks.stop(self._active)
        self._current, self._handover = None, None

    def close(self) -> None:
        """Stop playback and let the output go (the mixer's stream; libVLC's own output has
        nothing to let go). The player is not used after this."""
        self.stop()
        close = getattr(self.mixing, "close", None)
        if close is not None:
            close()

    def _sounding_decks(self) -> tuple[int, ...]:
        if self._chained:
            return (self._active, 1 - self._active)
        return (self._active,) if self._fade is None else (self._active, self._fade.out_deck)

    def _wanted_volume(self, deck: int) -> int:
        """The user's volume, ducked, with the track's gain and the crossfade ramp, as a libVLC
        volume (see player._ramp for the cubic curve)."""
        gain_db = self._current.gain_db if self._current else 0.0
        if self._chained and deck != self._active and self._next is not None:
            gain_db = self._next.gain_db
        amplitude = 1.0
        if self._fade is not None:  # exact decks ramp the fade themselves: the level only
            fading_out, fading_in = fade_gains(self._fade.progress(self._clock()))
            if deck == self._fade.out_deck:
                gain_db, amplitude = self._fade.gain_db, fading_out
            else:
                amplitude = fading_in
            amplitude = 1.0 if self._exact else amplitude
        return deck_volume(self.volume_pct * self._duck, gain_db, amplitude)

    def _apply_volume(self, deck: int) -> None:
        self._decks.set_volume(deck, self._wanted_volume(deck))

    def _apply_volumes(self) -> None:
        for deck in self._sounding_decks():
            self._apply_volume(deck)

    # -- the owner's loop --------------------------------------------------------------------

    def poll(self, timeout_s: float = 0.0) -> list[PlayerEvent]:
        """Engine events since the last call, for the owner's loop (never blocks libVLC); also
        steps a crossfade and keeps each deck at its wanted volume."""
        self._handover = None
        out: list[PlayerEvent] = []
        self._check_output(out)
        out += self._engine_events(timeout_s, out)
        self._step_fade(out)
        self._keep_volume()
        self._keep_seek()
        return out

    def _engine_events(self, timeout_s: float, told: list[PlayerEvent]) -> list[PlayerEvent]:
        out: list[PlayerEvent] = []
        try:
            while True:
                kind, deck = self._raw.get(timeout=timeout_s) if not out else self._raw.get_nowait()
                if kind == "drained":  # the prepared deck's too: a short track, decoded
                    self._drained[deck] = True
                    if deck == self._active and self._current is not None:
                        self._chain_next()
                    continue
                if deck != self._active or self._current is None:
                    continue  # a deck we already left
                if kind == "playing":
                    continue  # the volume is checked after the events, once the output exists
                if kind == "ended":
                    self._check_output(told, force=True)
                if self.no_output:
                    continue  # it ran out into no sound: unheard, it starts again when back
                self._at_end = True
                reason = _REASONS.get(kind, "").format(path=self._current.path)
                out.append(
                    PlayerEvent("ended" if kind == "ended" else "failed", self._current, reason)
                )
        except queue.Empty:
            return out

    def _keep_volume(self) -> None:
        """Each poll puts the wanted volume back on each sounding deck while it differs: libVLC
        forgets a volume set before its audio output exists, and PulseAudio reports stream
        volumes back asynchronously, so a read may briefly show an older one."""
        if self._current is None:
            return
        for deck in self._sounding_decks():
            wanted = self._wanted_volume(deck)
            if self._decks.get_volume(deck) not in (-1, wanted):
                self._decks.set_volume(deck, wanted)
                self._decks.set_mute(deck, self.muted)
