"""Listener populations for the 30-day bench (bench/longrun.py, issue 12).

Written without reading the recommender's code: the listeners know only what a person in front
of the daemon knows (the track playing, its mood and artist, the time) and act only the way the
product can hear: a spoken request (a mood word of ``[moods.targets]``), a skip after some
seconds, a like. No listener has a voice mood the product could pick up.

The interface (``Listener``), used by every population and nothing else:

- ``schedule(day) -> list[Sitting]``: when they listen on ``day`` (1-30) and how many tracks they
  mean to hear each time (``Sitting(hour, tracks)``, hour local, may be fractional). A habit, not
  something the product is told.
- ``speaks(moment, mid_session) -> str | None``: a mood word said at the start of a sitting
  (``mid_session=False``, asked once before the first track) or while a track plays
  (``mid_session=True``, asked once per track from the second on); None: silent.
- ``react(track, moment) -> Outcome``: what they do with the track that plays: listen
  ``listened_s`` seconds (the whole ``duration_s`` is a finished play, less is a skip) and maybe
  press like. Listeners remember what they heard themselves (``react`` is told every track).

Each listener has ``population``, ``heldout`` and ``name``. ``population(kind, count, cat,
heldout=...)`` builds one group; every kind comes in two variants with different hidden
parameters and seeds: ``heldout=False`` is the one builders may tune on, ``heldout=True`` is
reported separately and never tuned on. Randomness is seeded per listener.

Kinds (``KINDS``):

- ``hour_taste``: taste follows the clock (tune: calm mornings, energetic evenings; held-out:
  half of them the other way round, other valences); never speaks, never likes; skips tracks far
  from the hour's taste, a third of the skips under 5 s.
- ``variety``: broad taste; skips any track whose artist they heard in the last hour (held-out:
  90 minutes), and often one they heard on an earlier day; silent, rare likes.
- ``niche_fan``: loves three small artists (likes their tracks, finishes them), tolerates other
  tracks near those artists' moods, skips the rest; silent apart from likes.
- ``requester``: asks for a mood at the start of every sitting and again mid-sitting; skips
  tracks far from what the word means to them (their own reading of the word, not the product's
  target point).
- ``newcomer``: no history, a narrow hidden taste away from the middle of the plane, sometimes an
  instrumental preference; says the word that fits their taste at the start of a few sittings.
- ``omnivore``: finishes everything (the "150 different tracks in 200 plays" goal), 20 tracks an
  evening; rare likes.

All listeners tire of repeats: the chance of skipping a track grows with how often they heard it
in the last two weeks (the rate is hidden and differs per listener).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import ClassVar, Protocol

import numpy as np

from recommend import Catalogue

KINDS = ("hour_taste", "variety", "niche_fan", "requester", "newcomer", "omnivore")
SPEAKING = frozenset({"requester", "newcomer"})
"""Kinds that ever say a mood word (the others never do)."""
HEARD_S = 30.0
"""Listening at least this long counts as having heard a track (for repeats and artists)."""

# What each mood word means to these listeners: a box on the valence x energy plane,
# (valence lo, valence hi, energy lo, energy hi). Their reading, written here from the words.
MEANING = {
    "calm": (0.3, 1.0, 0.0, 0.35), "relaxing": (0.45, 1.0, 0.0, 0.35),
    "energetic": (0.3, 1.0, 0.7, 1.0), "upbeat": (0.6, 1.0, 0.6, 1.0),
    "happy": (0.65, 1.0, 0.4, 1.0), "sad": (0.0, 0.35, 0.0, 0.5),
    "dark": (0.0, 0.35, 0.4, 1.0), "focused": (0.3, 0.8, 0.25, 0.55),
}  # fmt: skip
LOW_WORDS = frozenset({"calm", "relaxing", "sad"})
HIGH_WORDS = frozenset({"energetic", "upbeat"})


@dataclass(frozen=True)
class Sitting:
    hour: float
    tracks: int


@dataclass(frozen=True)
class Moment:
    at: float
    """Unix time."""
    day: int
    hour: float
    """Local hour of day, fractional."""
    part: str
    """Part of day as context/ names it."""
    k: int
    """Tracks started so far in this sitting."""


@dataclass(frozen=True)
class Track:
    index: int
    valence: float
    energy: float
    artist: int
    instrumentalness: float
    duration_s: float


@dataclass(frozen=True)
class Outcome:
    listened_s: float
    liked: bool = False

    def finished(self, track: Track) -> bool:
        return self.listened_s >= track.duration_s


class Listener(Protocol):
    name: str
    population: str
    heldout: bool

    def schedule(self, day: int) -> list[Sitting]: ...
    def speaks(self, moment: Moment, mid_session: bool) -> str | None: ...
    def react(self, track: Track, moment: Moment) -> Outcome: ...


def word_distance(word: str, track: Track) -> float:
    """How far a track is from what ``word`` means to a listener (0 inside its box)."""
    v0, v1, e0, e1 = MEANING[word]
    dv = max(v0 - track.valence, 0.0, track.valence - v1)
    de = max(e0 - track.energy, 0.0, track.energy - e1)
    extra = 0.2 if word == "focused" and track.instrumentalness < 0.4 else 0.0
    return math.hypot(dv, de) + extra


def nearest_word(point: tuple[float, float]) -> str:
    probe = Track(-1, point[0], point[1], -1, 1.0, 1.0)
    return min(MEANING, key=lambda w: word_distance(w, probe))


@dataclass
class Memory:
    """What a listener remembers hearing: per track the times, per artist the last time."""

    times: dict[int, list[float]] = field(default_factory=dict)
    artist_at: dict[int, float] = field(default_factory=dict)
    days: dict[int, int] = field(default_factory=dict)
    """Per track, the first day it was heard."""

    def note(self, track: Track, moment: Moment, listened_s: float) -> None:
        if listened_s >= HEARD_S:
            self.times.setdefault(track.index, []).append(moment.at)
            self.artist_at[track.artist] = moment.at
            self.days.setdefault(track.index, moment.day)

    def heard_since(self, index: int, since: float) -> int:
        return sum(t >= since for t in self.times.get(index, ()))

    def artist_within(self, artist: int, moment: Moment, window_s: float) -> bool:
        return moment.at - self.artist_at.get(artist, -math.inf) < window_s

    def heard_earlier_day(self, index: int, day: int) -> bool:
        return self.days.get(index, day) < day


class Base:
    """What all populations share: a seeded generator, a memory, wearing out, skip timing."""

    population = ""

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        self.name, self.heldout = name, heldout
        self.rng = np.random.default_rng(seed)
        self.memory = Memory()
        self.wear = float(self.rng.uniform(0.15, 0.45))
        """How fast repeats wear out: skip chance 1 - exp(-wear * (times heard - grace))."""
        self.grace = int(self.rng.integers(1, 4))
        self.like_rate = 0.0
        self.jitter = float(self.rng.uniform(-0.5, 0.5))
        """Hours this listener's sittings are shifted from the population's habit."""

    def schedule(self, day: int) -> list[Sitting]:
        raise NotImplementedError

    def speaks(self, moment: Moment, mid_session: bool) -> str | None:
        return None

    def react(self, track: Track, moment: Moment) -> Outcome:
        listened = self._skip_after() if self._skips(track, moment) else track.duration_s
        liked = listened >= track.duration_s and self.rng.random() < self._like_chance(track)
        self.memory.note(track, moment, listened)
        return Outcome(listened, liked)

    def _skips(self, track: Track, moment: Moment) -> bool:
        return self._worn(track, moment) or self._dislikes(track, moment)

    def _worn(self, track: Track, moment: Moment) -> bool:
        n = self.memory.heard_since(track.index, moment.at - 14 * 86_400)
        return self.rng.random() < 1 - math.exp(-self.wear * max(0, n - self.grace))

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        return False

    def _like_chance(self, track: Track) -> float:
        return self.like_rate

    def _skip_after(self) -> float:
        return float(self.rng.uniform(2, 40))

    def _at(self, hour: float) -> float:
        return float(np.clip(hour + self.jitter, 0, 23.9))


def _far(rng: np.random.Generator, distance: float, tolerance: float, p: float = 0.85) -> bool:
    return distance > tolerance and rng.random() < p


class HourTaste(Base):
    population = "hour_taste"

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        super().__init__(name, heldout, seed)
        r = self.rng
        low, high = float(r.uniform(0.12, 0.35)), float(r.uniform(0.62, 0.88))
        reverse = heldout and r.random() < 0.5
        morning, evening = (high, low) if reverse else (low, high)
        night = float(r.uniform(0.08, 0.3))
        # energy wanted at anchor hours, linear in between (around the clock)
        noon = (morning + evening) / 2
        self.anchors = [(-1.0, night), (3.0, night), (7.5, morning), (13.0, noon),
                        (19.5, evening), (23.0, night), (27.0, night)]  # fmt: skip
        self.valence = float(r.uniform(0.3, 0.8) if heldout else r.uniform(0.45, 0.85))
        self.tolerance = float(r.uniform(0.16, 0.28))

    def wants(self, hour: float) -> tuple[float, float]:
        hours, energies = zip(*self.anchors, strict=True)
        return self.valence, float(np.interp(hour, hours, energies))

    def schedule(self, day: int) -> list[Sitting]:
        if (day - 1) % 7 >= 5:  # weekend
            return [Sitting(self._at(10), 10), Sitting(self._at(20.5), 10)]
        out = [Sitting(self._at(7.5), 7), Sitting(self._at(19), 12)]
        if self.rng.random() < 0.5:
            out.append(Sitting(23.2, 4))
        return out

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        distance = math.dist((track.valence, track.energy), self.wants(moment.hour))
        return _far(self.rng, distance, self.tolerance)

    def _skip_after(self) -> float:
        # a third of all skips in the first five seconds
        if self.rng.random() < 1 / 3:
            return float(self.rng.uniform(0.5, 4.9))
        return float(self.rng.uniform(8, 60))


class Variety(Base):
    population = "variety"

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        super().__init__(name, heldout, seed)
        r = self.rng
        self.centre = (float(r.uniform(0.3, 0.8)), float(r.uniform(0.3, 0.8)))
        self.tolerance = float(r.uniform(0.35, 0.5))
        self.window_s = 5400.0 if heldout else 3600.0
        self.old_skip = 0.8 if heldout else 0.6
        """Chance of skipping a track heard on an earlier day (within ten days)."""
        self.like_rate = 0.03

    def schedule(self, day: int) -> list[Sitting]:
        return [Sitting(self._at(13), 10), Sitting(self._at(21), 12)]

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        if self.memory.artist_within(track.artist, moment, self.window_s):
            return self.rng.random() < 0.95
        recent = self.memory.heard_since(track.index, moment.at - 10 * 86_400) > 0
        if recent and self.memory.heard_earlier_day(track.index, moment.day):
            return self.rng.random() < self.old_skip
        distance = math.dist((track.valence, track.energy), self.centre)
        return _far(self.rng, distance, self.tolerance)

    def _skip_after(self) -> float:
        return float(self.rng.uniform(2, 8))


class NicheFan(Base):
    population = "niche_fan"

    def __init__(self, name: str, heldout: bool, seed: int, artists: list[int],
                 centres: list[tuple[float, float]]) -> None:  # fmt: skip
        super().__init__(name, heldout, seed)
        self.artists, self.centres = set(artists), centres
        self.tolerance = float(
            self.rng.uniform(0.12, 0.18) if heldout else self.rng.uniform(0.16, 0.24)
        )
        self.grace += 2  # a fan tires of their artists slowly

    def schedule(self, day: int) -> list[Sitting]:
        evening = Sitting(self._at(18.5), 15)
        return [Sitting(self._at(8), 5), evening] if (day - 1) % 7 < 5 else [evening]

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        if track.artist in self.artists:
            return False
        point = (track.valence, track.energy)
        distance = min(math.dist(point, c) for c in self.centres)
        return _far(self.rng, distance, self.tolerance)

    def _like_chance(self, track: Track) -> float:
        if track.artist in self.artists and len(self.memory.times.get(track.index, ())) < 2:
            return 0.5
        return 0.01

    def _skip_after(self) -> float:
        return float(self.rng.uniform(5, 30))


class Requester(Base):
    population = "requester"

    # Which words they start a sitting with, per part of day (tune / held-out differ).
    START: ClassVar[dict[bool, dict[str, dict[str, float]]]] = {
        False: {"morning": {"energetic": 0.4, "upbeat": 0.2, "focused": 0.2, "happy": 0.2},
                "afternoon": {"focused": 0.4, "happy": 0.3, "energetic": 0.3},
                "evening": {"calm": 0.4, "relaxing": 0.2, "happy": 0.2, "sad": 0.1, "dark": 0.1},
                "night": {"calm": 0.6, "relaxing": 0.3, "sad": 0.1}},
        True: {"morning": {"calm": 0.35, "energetic": 0.35, "focused": 0.3},
               "afternoon": {"energetic": 0.4, "dark": 0.3, "upbeat": 0.3},
               "evening": {"energetic": 0.3, "calm": 0.3, "sad": 0.2, "happy": 0.2},
               "night": {"calm": 0.5, "dark": 0.3, "relaxing": 0.2}},
    }  # fmt: skip

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        super().__init__(name, heldout, seed)
        self.margin = float(
            self.rng.uniform(0.06, 0.12) if heldout else self.rng.uniform(0.08, 0.15)
        )
        self.turns = (3, 10) if heldout else (4, 8)
        self.asked: str | None = None
        self.turn = 0

    def schedule(self, day: int) -> list[Sitting]:
        return [Sitting(self._at(8), 10), Sitting(self._at(20), 14)]

    def speaks(self, moment: Moment, mid_session: bool) -> str | None:
        if not mid_session:
            weights = self.START[self.heldout][moment.part]
            words = list(weights)
            self.asked = str(self.rng.choice(words, p=np.array(list(weights.values()))))
            self.turn = int(self.rng.integers(*self.turns)) if self.rng.random() < 0.8 else -1
            return self.asked
        if moment.k != self.turn or self.asked is None:
            return None
        self.asked = self._switch(self.asked)
        return self.asked

    def _switch(self, word: str) -> str:
        r = self.rng.random()
        if word in LOW_WORDS:
            return "energetic" if r < 0.6 else "upbeat"
        if word in HIGH_WORDS:
            return "calm" if r < 0.6 else "relaxing"
        return "calm" if r < 0.5 else "energetic"

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        if self.asked is None:
            return False
        return _far(self.rng, word_distance(self.asked, track), self.margin, 0.9)

    def _skip_after(self) -> float:
        return float(self.rng.uniform(3, 15))


class Newcomer(Base):
    population = "newcomer"

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        super().__init__(name, heldout, seed)
        r = self.rng
        while True:  # a taste away from the middle of the plane, where defaults land
            centre = (float(r.uniform(0.05, 0.95)), float(r.uniform(0.05, 0.95)))
            if math.dist(centre, (0.55, 0.45)) > 0.3:
                break
        self.centre = centre
        self.tolerance = float(r.uniform(0.18, 0.26))
        self.instrumental = bool(r.random() < (0.5 if heldout else 0.3))
        self.talk = 0.15 if heldout else 0.25
        self.like_rate = 0.04

    def schedule(self, day: int) -> list[Sitting]:
        evening = Sitting(self._at(21), 15)
        return [Sitting(self._at(12.5), 6), evening] if (day - 1) % 7 >= 5 else [evening]

    def speaks(self, moment: Moment, mid_session: bool) -> str | None:
        if mid_session or self.rng.random() >= self.talk:
            return None
        return nearest_word(self.centre)

    def _dislikes(self, track: Track, moment: Moment) -> bool:
        if self.instrumental and track.instrumentalness < 0.3 and self.rng.random() < 0.7:
            return True
        distance = math.dist((track.valence, track.energy), self.centre)
        return _far(self.rng, distance, self.tolerance)


class Omnivore(Base):
    population = "omnivore"

    def __init__(self, name: str, heldout: bool, seed: int) -> None:
        super().__init__(name, heldout, seed)
        self.like_rate = 0.05

    def schedule(self, day: int) -> list[Sitting]:
        if self.heldout:
            return [Sitting(self._at(12), 10), Sitting(self._at(20), 10)]
        return [Sitting(self._at(20), 20)]

    def _skips(self, track: Track, moment: Moment) -> bool:
        return False


def niche_artists(cat: Catalogue, low: int = 3, high: int = 12) -> list[int]:
    """Artists with ``low``-``high`` tracks, in a fixed order (the fans' pool)."""
    counts = np.bincount(cat.artist)
    return [int(a) for a in np.nonzero((counts >= low) & (counts <= high))[0]]


def artist_centre(cat: Catalogue, artist: int) -> tuple[float, float]:
    rows = cat.artist == artist
    return float(cat.valence[rows].mean()), float(cat.energy[rows].mean())


def fan_artists(cat: Catalogue, count: int, heldout: bool) -> list[list[int]]:
    """The three artists of each fan of a group: drawn from the niche pool, disjoint between
    the tune and held-out groups (the rescan adds tracks by these; see catalogue_gen)."""
    pool = niche_artists(cat)
    rng = np.random.default_rng(4242)
    order = [pool[i] for i in rng.permutation(len(pool))]
    start = 3 * count if heldout else 0
    picks = order[start : start + 3 * count]
    return [picks[3 * i : 3 * i + 3] for i in range(count)]


def population(kind: str, count: int, cat: Catalogue, *, heldout: bool) -> list[Listener]:
    """``count`` listeners of ``kind``; the held-out variant has its own seeds and parameters."""
    base = 7919 * (KINDS.index(kind) + 1) + (100_003 if heldout else 0)
    tag = "heldout" if heldout else "tune"
    out: list[Listener] = []
    fans = fan_artists(cat, count, heldout) if kind == "niche_fan" else []
    for i in range(count):
        name, seed = f"{kind}/{tag}/{i}", base + i
        if kind == "niche_fan":
            centres = [artist_centre(cat, a) for a in fans[i]]
            out.append(NicheFan(name, heldout, seed, fans[i], centres))
            continue
        cls: type[Base] = {"hour_taste": HourTaste, "variety": Variety, "requester": Requester,
                           "newcomer": Newcomer, "omnivore": Omnivore}[kind]  # fmt: skip
        out.append(cls(name, heldout, seed))
    return out
