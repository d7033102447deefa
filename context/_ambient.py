"""The room's own noise, in dBFS at the microphone, without the music moodplay plays.

The microphone hears the room, the listener and the speaker. What the speaker plays is known
(the mixer's level meter), so its share is taken out in the power domain:

    P_mic = G * P_music + P_room + P_speech

G, the coupling from the output to the microphone (speaker volume, distance, the room), is
learned as a low percentile of P_mic / P_music over moments when the music is loud (those where
the room and the speech add least); the room's noise is then a low percentile (the quieter
fifth) of P_mic - G * P_music over the last WINDOW_S, so speech, a door or a laugh do not count.
Each block pairs the microphone's level with the music's (the meter's reading is smoothed over
300 ms, so the two need not be aligned to the millisecond); the blocks of a SLOT_S slot give
one value each, their median, so a word or a knock within a slot does not count.

Precision: the coupling learned this way is high by the room's share at the loudest music, so
where the music is ~20 dB above the room at the microphone the figure reads ~2 dB low (tests:
-56.8 for a -55 dB room under music 17-25 dB above it); it never reads more than HIDDEN_DB
below the microphone. What it does not know it does not guess: while the music's level is
unknown (libVLC's own output has no meter) or the coupling is not learned yet, music slots are
not used; with no usable slot the figure is None. Standard library only: the caller measures
the levels.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

SLOT_S = 0.5
"""Seconds of microphone blocks averaged into one slot."""
WINDOW_S = 30.0
"""Seconds of slots the room's level is the quieter fifth of."""
ROOM_PERCENTILE = 0.2
COUPLING_S = 300.0
"""Seconds of loud-music slots the coupling is learned from (it changes with the volume)."""
COUPLING_PERCENTILE = 0.1
MUSIC_LOUD_DB = -45.0
"""Music at least this loud (dBFS at the output) teaches the coupling."""
MUSIC_SILENT_DB = -80.0
"""Music quieter than this (a paused player reads -90) adds nothing to subtract."""
MIN_SLOTS = 4
"""Slots needed before a figure is given (2 s)."""
HIDDEN_DB = 20.0
"""When the music explains all the microphone hears, the room is taken as this far below it:
the estimate cannot tell more."""


def _power(db: float) -> float:
    return 10 ** (db / 10)


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 0 else -120.0


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class AmbientNoise:
    """Feed ``hear`` from the microphone's thread; read ``db`` from any other. Thread-safe
    (one lock, held for a few list operations)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._blocks: list[tuple[float, float]] = []  # the slot's (mic, music) powers
        self._slot_start: float | None = None
        self._music_known = True
        self._room: deque[tuple[float, float]] = deque()  # (time, room power)
        self._coupling: deque[tuple[float, float]] = deque()  # (time, mic / music power)

    def hear(self, mic_db: float, music_db: float | None) -> None:
        """One microphone block's level and the music's level at the output meanwhile, both
        dBFS (AES17, as ``player.Level``); ``music_db`` None: not known (no meter)."""
        if not math.isfinite(mic_db) or (music_db is not None and not math.isfinite(music_db)):
            return
        now = self._clock()
        with self._lock:
            if self._slot_start is None:
                self._slot_start = now
            self._blocks.append((_power(mic_db), _power(music_db or -120.0)))
            self._music_known &= music_db is not None
            if now - self._slot_start >= SLOT_S:
                self._close_slot(now)

    def db(self) -> float | None:
        """The room's noise at the microphone, dBFS (one decimal), or None when not known."""
        with self._lock:
            rooms = [p for _, p in self._room]
        if len(rooms) < MIN_SLOTS:
            return None
        return round(_db(_percentile(rooms, ROOM_PERCENTILE)), 1)

    @property
    def coupling_db(self) -> float | None:
        """The learned gain from the output to the microphone, dB (None until learned)."""
        with self._lock:
            coupling = self._coupling_now()
        return None if coupling is None else round(_db(coupling), 1)

    def _close_slot(self, now: float) -> None:
        blocks, known = self._blocks, self._music_known
        self._blocks, self._slot_start, self._music_known = [], now, True
        if not known:
            return
        loud = [mic / music for mic, music in blocks if music >= _power(MUSIC_LOUD_DB)]
        if len(loud) * 2 > len(blocks):
            self._coupling.append((now, _percentile(loud, 0.5)))
        _forget(self._coupling, now - COUPLING_S)
        rooms = [self._room_power(mic, music) for mic, music in blocks]
        if None not in rooms:
            self._room.append((now, _percentile([r for r in rooms if r is not None], 0.5)))
        _forget(self._room, now - WINDOW_S)

    def _room_power(self, mic: float, music: float) -> float | None:
        if music < _power(MUSIC_SILENT_DB):
            return mic
        coupling = self._coupling_now()
        if coupling is None:
            return None  # music plays and its share is not known yet: no guess
        return max(mic - coupling * music, mic * _power(-HIDDEN_DB))

    def _coupling_now(self) -> float | None:
        ratios = [r for _, r in self._coupling]
        return _percentile(ratios, COUPLING_PERCENTILE) if len(ratios) >= MIN_SLOTS else None


def _forget(slots: deque[tuple[float, float]], before: float) -> None:
    while slots and slots[0][0] < before:
        slots.popleft()
