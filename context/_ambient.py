"""The room's own noise, in dBFS at the microphone, without the music moodplay plays.

The microphone hears the room, the listener and the speaker. What the speaker plays is known
(the mixer's level meter), so its share is taken out in the power domain:

    P_mic = G * P_music + P_room + P_speech

Each microphone block is paired with the meter's reading of MUSIC_DELAY_S before (the meter
reads blocks as they are rendered, ahead of the speaker by the output's latency; the
microphone's blocks arrive after the input's); the microphone's level is smoothed as the
meter's is (SMOOTH_S), so the two are VU readings and the rest of the delay barely matters. A
SLOT_S slot gives one pair, the medians of its blocks, so a word or a knock within a slot does
not count.

G, the coupling from the output to the microphone (the speaker's amplifier, the distance, the
room; the meter reads after moodplay's volume, so G stays put when the volume moves), is fitted
on the slots of the last COUPLING_S, those far above the usual (speech, knocks) left out: when
the microphone's level does not follow the music's (FOLLOWS) it does not hear it (G ~ 0);
else G is the median of (P_mic - P_room) / P_music over the louder half of the slots and
P_room the median of P_mic - G * P_music over all, each from the other in turn (FIT_ROUNDS).
The room's noise is the median of P_mic - G * P_music over the last WINDOW_S, speech and knocks
left out, and never more than HIDDEN_DB under the microphone (the estimate cannot tell more).

Feed it the microphone after echo cancellation where that runs: the canceller takes out most of
the music sample by sample (no noise suppression: the room stays), and this takes out what it
left. Measured with the levels the daemon saw on the PulseAudio testbed (the speaker looped
into the microphone, the music -28..-16 dBFS there, white noise played into the room; 40 s
each, replayed through this code): rooms of -30, -40, -50 dBFS and a silent one read -30.0,
-40.0, -48.4 and -77.3 (the microphone alone: about -20). On the
raw microphone (no canceller) the levels pair less exactly (a VU reading each, ~0.2 s apart):
a room ~10 dB or more under the music there reads as HIDDEN_DB under the microphone (-49 in
those runs); a room with no music at the microphone reads exactly (-50.0 for -50).

What it does not know it does not guess: while the music's level is unknown (libVLC's own
output has no meter) or the coupling is not fitted yet (MIN_FIT_SLOTS of music), slots with
music are not used, and with too few usable slots the figure is None. Standard library only:
the caller measures the levels.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

SMOOTH_S = 0.3
"""Time constant the microphone's level is smoothed with (the output meter's, ``player``)."""
MUSIC_DELAY_S = 0.2
"""The meter's reading this long before a microphone block goes with it (PulseAudio: output
latency ~0.15 s plus input ~0.03 s; measured on the testbed, a 0.2 s pairing halved the error
of a -30 dBFS room under music)."""
SLOT_S = 0.5
"""Seconds of microphone blocks that give one (music, microphone) pair."""
WINDOW_S = 30.0
"""Seconds of slots the room's level is the quieter fifth of."""
QUIETER = 0.2
COUPLING_S = 300.0
"""Seconds of slots the coupling is fitted on."""
FIT_ROUNDS = 4
"""Rounds of the coupling's fit (G from the loud half given R, R given G)."""
FOLLOWS = 0.5
"""The microphone's level follows the music's (Pearson's r of their dB over the slots) at
least this well, or it is taken not to hear the music."""
FIT_SPREAD_DB = 3.0
"""The music's level must span this much (10th to 90th percentile) for a fit (else the last
fit is kept)."""
MUSIC_SILENT_DB = -80.0
"""Music quieter than this (a paused player reads -90) adds nothing to subtract."""
MIN_SLOTS = 4
"""Slots needed before a figure is given (2 s)."""
MIN_FIT_SLOTS = 40
"""Slots with music needed before the coupling is fitted (20 s)."""
HIDDEN_DB = 30.0
"""When the music explains all the microphone hears, the room is taken as this far below it."""

Slot = tuple[float, float, float]
"""(time, music power, microphone power)."""


def _power(db: float) -> float:
    return 10 ** (db / 10)


def _db(power: float) -> float:
    return 10 * math.log10(power) if power > 0 else -120.0


def _correlation(points: list[tuple[float, float]]) -> float:
    """Pearson's r of the points (0 when either coordinate does not vary)."""
    n = len(points)
    mx, my = sum(x for x, _ in points) / n, sum(y for _, y in points) / n
    sxx = sum((x - mx) ** 2 for x, _ in points)
    syy = sum((y - my) ** 2 for _, y in points)
    sxy = sum((x - mx) * (y - my) for x, y in points)
    return sxy / math.sqrt(sxx * syy) if sxx > 0 and syy > 0 else 0.0


def _spread(values: list[float]) -> float:
    """The median distance from the median."""
    middle = _percentile(values, 0.5)
    return _percentile([abs(v - middle) for v in values], 0.5)


def _robust_median(values: list[float]) -> float:
    """The median of ``values`` once those far above it (speech, knocks) are left out."""
    middle, spread = _percentile(values, 0.5), _spread(values)
    return _percentile([v for v in values if v - middle <= 3 * spread], 0.5)


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


class AmbientNoise:
    """Feed ``hear`` from the microphone's thread; read ``db`` from any other. Thread-safe
    (one lock; a slot's fit, every SLOT_S, sorts at most COUPLING_S / SLOT_S pairs)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._blocks: list[tuple[float, float]] = []  # the slot's (music, mic) powers
        self._slot_start: float | None = None
        self._music_known = True
        self._mic_power: float | None = None  # smoothed
        self._heard_at = 0.0
        self._music: deque[tuple[float, float | None]] = deque()  # (time, music dB) readings
        self._slots: deque[Slot] = deque()
        self._coupling: float | None = None
        self._room: float | None = None

    def hear(self, mic_db: float, music_db: float | None) -> None:
        """One microphone block's level and the music's level at the output meanwhile, both
        dBFS (AES17, as ``player.Level``); ``music_db`` None: not known (no meter)."""
        if not math.isfinite(mic_db) or (music_db is not None and not math.isfinite(music_db)):
            return
        now = self._clock()
        with self._lock:
            if self._slot_start is None:
                self._slot_start = now
            mic = self._smooth(_power(mic_db), now)
            music_db = self._delayed(music_db, now)
            self._blocks.append((_power(music_db if music_db is not None else -120.0), mic))
            self._music_known &= music_db is not None
            if now - self._slot_start >= SLOT_S:
                self._close_slot(now)

    def db(self) -> float | None:
        """The room's noise at the microphone, dBFS (one decimal), or None when not known."""
        room = self._room
        return None if room is None else round(_db(room), 1)

    @property
    def coupling_db(self) -> float | None:
        """The fitted gain from the output to the microphone, dB (None until fitted; -120
        when the microphone does not hear the music)."""
        coupling = self._coupling
        return None if coupling is None else round(_db(coupling), 1)

    def _smooth(self, power: float, now: float) -> float:
        if self._mic_power is None or now - self._heard_at > SLOT_S:  # a gap: start again
            self._mic_power = power
        else:
            alpha = 1.0 - math.exp(-(now - self._heard_at) / SMOOTH_S)
            self._mic_power += alpha * (power - self._mic_power)
        self._heard_at = now
        return self._mic_power

    def _delayed(self, music_db: float | None, now: float) -> float | None:
        """The reading of MUSIC_DELAY_S ago (the oldest kept, at first)."""
        self._music.append((now, music_db))
        while len(self._music) > 1 and self._music[1][0] <= now - MUSIC_DELAY_S:
            self._music.popleft()
        return self._music[0][1]

    def _close_slot(self, now: float) -> None:
        blocks, known = self._blocks, self._music_known
        self._blocks, self._slot_start, self._music_known = [], now, True
        if known:
            music = _percentile([m for m, _ in blocks], 0.5)
            self._slots.append((now, music, _percentile([p for _, p in blocks], 0.5)))
        while self._slots and self._slots[0][0] < now - COUPLING_S:
            self._slots.popleft()
        self._coupling = self._fit() or self._coupling
        self._room = self._room_now(now)

    def _fit(self) -> float | None:
        """The coupling (>= 0) from the slots with music, or None when they do not allow one
        (too few, or the music's level too even to tell)."""
        points = [(m, p) for _, m, p in self._slots if m >= _power(MUSIC_SILENT_DB)]
        if len(points) < MIN_FIT_SLOTS:
            return None
        xs = sorted(m for m, _ in points)
        if _db(_percentile(xs, 0.9)) - _db(_percentile(xs, 0.1)) < FIT_SPREAD_DB:
            return None
        heard = [_db(p) for _, p in points]  # speech and knocks: far above the usual
        usual = _power(_robust_median(heard) + 3 * _spread(heard))
        points = [(m, p) for m, p in points if p <= usual]
        if _correlation([(_db(m), _db(p)) for m, p in points]) < FOLLOWS:
            return 1e-12  # the microphone does not follow the music: it does not hear it
        loud = [(m, p) for m, p in points if m >= xs[len(xs) // 2]]
        coupling, room = 0.0, 0.0
        for _ in range(FIT_ROUNDS):  # y = G x + R: G from the loud half, R from all, in turn
            coupling = max(1e-12, _percentile([(p - room) / m for m, p in loud], 0.5))
            room = max(0.0, _robust_median([p - coupling * m for m, p in points]))
        return coupling

    def _room_now(self, now: float) -> float | None:
        """The median of what is left of the microphone over the last WINDOW_S, once the
        slots far above it (speech, knocks) are left out."""
        rooms = []
        for at, music, mic in self._slots:
            if at < now - WINDOW_S:
                continue
            if music < _power(MUSIC_SILENT_DB):
                rooms.append(mic)
            elif self._coupling is not None:
                rooms.append(mic - self._coupling * music)
        if len(rooms) < MIN_SLOTS:
            return None
        room = _robust_median(rooms)
        return max(room, _percentile([mic for _, _, mic in self._slots], 0.5) * _power(-HIDDEN_DB))
