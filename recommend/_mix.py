"""The day's mix, enforced while planning: familiar favourites vs music new to the listener,
and how much of a day one artist may take.

"A day" is the last 24 hours (no time zone needed, no jump at midnight). Each queue slot asks
:meth:`DayMix.wants_familiar`: the slot is for a favourite when, counting this slot, fewer than
``round(familiar_share x plays)`` of the day's plays (played, skipped and planned) were of
tracks heard before. With the default 0.25 that is every fourth track — the daily mixes of the
big services use about that ratio of known to new. The planner only takes a favourite when one
is open near the mood path, so the share is a ceiling, reached when the listener has favourites.

An artist may take at most ``max(artist_share, fondness share) x max(plays, queue length)``
plays a day, at least one; the fondness share is the artist's part of everything the listener
finished or liked (a like counts 2; over at least 20 of them), so a fan of three artists gets
about a third each.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from recommend._aggregates import DAY_S, Aggregates

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
MIN_FONDNESS = 20.0
"""Below this many finished plays and likes, no artist's share is trusted beyond the default."""


@dataclass
class DayMix:
    """Plays of the last 24 hours plus the ones planned in this round, as the mix counts them."""

    familiar_share: float
    artist_share: float
    length: int
    """Tracks planned ahead: the smallest day the artist cap assumes."""
    total: int = 0
    familiar: int = 0
    per_artist: npt.NDArray[np.float64] = field(default_factory=lambda: np.zeros(0))
    """Plays per artist (indexed by artist)."""
    planned: int = 0
    planned_familiar: int = 0
    days: ArtistDays | None = None
    """Kept up to date by ``count`` once the planner asked for it (``track_days``)."""

    @staticmethod
    def of(agg: Aggregates, now: float, familiar_share: float, artist_share: float,
           length: int) -> DayMix:  # fmt: skip
        """The mix so far: every play or skip started in the 24 hours before ``now``."""
        _, artists, familiar = agg.recent_starts(now - DAY_S)
        per_artist = np.bincount(artists, minlength=agg.n_artists).astype(np.float64)
        return DayMix(familiar_share, artist_share, length, int(artists.shape[0]),
                      int(familiar.sum()), per_artist)  # fmt: skip

    def wants_familiar(self) -> bool:
        """Whether the next slot is for a favourite (see the module docstring)."""
        due = math.floor(self.familiar_share * (self.total + 1) + 0.5)
        return self.familiar < due

    def day(self) -> int:
        """The day the artist caps count: the plays so far and the next, at least the queue."""
        return max(self.total + 1, self.length)

    def artists_open(self, artists: I64, agg: Aggregates) -> npt.NDArray[np.bool_]:
        """Per artist given: still under its cap for the day."""
        fond = agg.artist_fond[artists] / max(agg.fond_total, MIN_FONDNESS)
        caps = np.maximum(1, np.floor(np.maximum(self.artist_share, fond) * self.day() + 1e-9))
        return np.asarray(self.per_artist[artists] < caps)

    def track_days(self, agg: Aggregates) -> ArtistDays:
        """The per-artist caps turned around (the smallest day each artist is open on), kept
        up to date by ``count`` from now on: ``days.open(artists, mix.day())`` is
        ``artists_open(artists, agg)``."""
        self.days = ArtistDays(self.artist_share, agg, self.per_artist)
        return self.days

    def count(self, artist: int, familiar: bool) -> None:
        """One more play of the day (a kept or newly planned track)."""
        self.total += 1
        self.familiar += familiar
        self.planned += 1
        self.planned_familiar += familiar
        self.per_artist[artist] += 1
        if self.days is not None:
            self.days.played(artist, float(self.per_artist[artist]))


class ArtistDays:
    """Per artist, the smallest day on which it is under its cap: ``artists_open`` asks
    ``per_artist < max(1, floor(share x day + 1e-9))``, which only grows with the day, so it
    holds exactly from that day on. Planning checks one gather and one compare per slot instead
    of working out every candidate's cap again; a count moves only its artist's day."""

    def __init__(self, artist_share: float, agg: Aggregates, plays: F64) -> None:
        self.artist_share, self.fond = artist_share, agg.artist_fond
        self.fond_total = max(agg.fond_total, MIN_FONDNESS)
        self.first = np.zeros(plays.shape[0], dtype=np.float64)
        """Artists not played today are open from day 0 (only played ones are worked out)."""
        capped = np.flatnonzero(plays >= 1)
        share = np.maximum(artist_share, self.fond[capped] / self.fond_total)
        self.first[capped] = _first_day(share, plays[capped])

    def played(self, artist: int, plays: float) -> None:
        """``artist`` has ``plays`` now: only its day moves (Python floats are the same IEEE
        doubles as the arrays, so this agrees with ``_first_day``)."""
        share = max(self.artist_share, float(self.fond[artist]) / self.fond_total)
        if share <= 0:
            self.first[artist] = math.inf
            return
        day = max(1.0, float(math.ceil((plays + 1 - 1e-9) / share)))
        while plays >= math.floor(share * day + 1e-9):
            day += 1
        while day > 1 and plays < math.floor(share * (day - 1) + 1e-9):
            day -= 1
        self.first[artist] = day

    def open(self, artists: I64, day: int) -> npt.NDArray[np.bool_]:
        """Per artist given: under its cap on ``day`` (``DayMix.artists_open``)."""
        return np.asarray(self.first[artists] <= day)


def _first_day(share: F64, plays: F64) -> F64:
    """The smallest whole day with ``plays < floor(share x day + 1e-9)`` (inf: none), found
    from the exact inverse and then corrected with the very expression the cap uses."""

    def under(day: F64) -> npt.NDArray[np.bool_]:
        return np.asarray(plays < np.floor(share * day + 1e-9))

    positive = share > 0
    safe = np.where(positive, share, 1.0)
    day = np.where(positive, np.maximum(1.0, np.ceil((plays + 1 - 1e-9) / safe)), np.inf)
    while True:  # rounding can put the estimate a day off either way
        up = positive & ~under(day)
        down = positive & (day > 1) & under(day - 1)
        if not (up.any() or down.any()):
            return np.asarray(day, dtype=np.float64)
        day = day + up - down


@dataclass(frozen=True)
class MixSplit:
    """Familiar vs new: in the 24 hours before a plan, and in the plan itself."""

    day_plays: int
    day_familiar: int
    queue_familiar: int
    queue_new: int
    familiar_share: float
    """The share asked for (Settings.familiar_share)."""

    def words(self) -> str:
        """One line for ``moodplay queue --explain``."""
        return (f"mix: {self.queue_familiar} familiar, {self.queue_new} new in this queue; "
                f"{self.day_familiar} of {self.day_plays} plays in the last 24 h were familiar "
                f"(aim: {round(100 * self.familiar_share)} % familiar)")  # fmt: skip


def mix_split(agg: Aggregates, tracks: list[int], now: float, familiar_share: float) -> MixSplit:
    """How the tracks of a plan split into familiar (heard before) and new to the listener."""
    _, _, day = agg.recent_starts(now - DAY_S)
    familiar = sum(agg.plays_of(i) > 0 for i in tracks)
    return MixSplit(int(day.shape[0]), int(day.sum()), familiar, len(tracks) - familiar,
                    familiar_share)  # fmt: skip
