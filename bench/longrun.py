"""30 days of listening per population (bench/populations.py) on a generated 20k library (issue 12).

moodplay is driven through ``recommend.Session`` with exactly the calls the daemon's live session
makes (``moodplay/_live.py``, ``_handlers.py``, ``_resume.py``): a session built from the
situation at start-up, ``SessionEvent("request", target=[moods.targets][word], request=word)``
then ``replan([])`` when nothing plays or when what plays is farther than ``REQUEST_FITS`` from
the plan's target (it gives way at once; "nearest" does the same), "played" at a track's end
with its duration, "skipped" with the position, "liked" while a track plays, a stop that leaves
the plan as it is (the next "play" starts its first entry), every event also kept as the store's
history. Two variants:

- ``always-on``: one session for 30 days (the systemd unit);
- ``restarted``: a new session every day at 04:00 with the history read back and ``replan([])``
  (what ``restore`` does).

Both send ``context_changed`` with the new situation when the part of day, the weekday or quiet
hours change, and on "play" after the listening session expired, replanning when the session
says it is fresh (``moodplay/_clock.py``, where the recommender has ``expired``/``fresh``);
``--no-context-changes`` drives the daemon before issue 12, which sent none. On day 15 at 03:00
a rescan adds 200 tracks (two by each niche fan's artist, the rest by other and new artists),
swapped in as ``swap_library`` does. No voice mood is ever sent: the listeners only speak
words, skip and like.

Baselines in the same run, with the same listeners: ``shuffle`` (any track not started in the
last ``no_repeat_hours``) and ``nearest`` (of those, the one nearest the sitting's request, else
the part-of-day prior).

Printed per population, tune and held-out separately: skip rate in days 1-3 and 28-30, the share
of plays replaying a track started on an earlier day, distinct tracks per listener (and in their
first 200 plays), the share of a listener's plays by their top three artists, plays of the
day-15 tracks in days 15-18 per listener (and the share of listeners who heard one by the end of
day 16; a track that gave way to a request is not a play), and the mean energy of the first five
tracks after "calm" and "energetic" said at the start of a sitting or mid-sitting ("-": never
said). A "play" is any track started.

    .venv/bin/python bench/longrun.py [--listeners 16] [--tracks 20000] [--jobs 2] [--quick]
"""

from __future__ import annotations

import argparse
import datetime as dt
import math
import sys
import time
import zlib
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from multiprocessing import Pool
from pathlib import Path
from typing import Protocol

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.catalogue_gen import generate, rescan
from bench.populations import KINDS, SPEAKING, Listener, Moment, Track, fan_artists, population
from context import in_quiet_hours, part_of_day
from moodplay import Config
from moodplay._handlers import REQUEST_FITS
from recommend import (
    KINDS as FEEDBACK_KINDS,
)
from recommend import (
    PART_OF_DAY_PRIORS,
    Catalogue,
    Feedback,
    History,
    ListenerState,
    Planner,
    Point,
    Session,
    SessionEvent,
    Situation,
)

DAYS, RESCAN_DAY, RESTART_HOUR = 30, 15, 4
DAY0 = dt.datetime(2026, 11, 2).timestamp()  # a Monday, local midnight
POLICIES = ("always-on", "restarted", "shuffle", "nearest")
PROBES = (("calm", "start"), ("calm", "mid"), ("energetic", "start"), ("energetic", "mid"))
COLUMNS = ("skip1-3", "skip28-30", "replay%", "distinct", "first200", "top3%", "new15",
           "new15>=1%", "calm/s", "calm/m", "energ/s", "energ/m")  # fmt: skip
CONFIG = Config()


def clock(day: int, hour: float) -> float:
    return DAY0 + (day - 1) * 86_400 + hour * 3600


def situation(at: float) -> Situation:
    local = dt.datetime.fromtimestamp(at)
    return Situation(at, part_of_day(local.hour), local.weekday() >= 5)


def period(at: float) -> tuple[str, int, bool]:
    """What the daemon's clock watches: part of day, weekday, quiet hours."""
    local = dt.datetime.fromtimestamp(at)
    quiet = in_quiet_hours(local.hour * 60 + local.minute, CONFIG.context.quiet_start,
                           CONFIG.context.quiet_end)  # fmt: skip
    return part_of_day(local.hour), local.weekday(), quiet


def moment(at: float, day: int, k: int) -> Moment:
    local = dt.datetime.fromtimestamp(at)
    return Moment(at, day, local.hour + local.minute / 60, part_of_day(local.hour), k)


def track_of(cat: Catalogue, i: int) -> Track:
    return Track(i, float(cat.valence[i]), float(cat.energy[i]), int(cat.artist[i]),
                 float(cat.instrumentalness[i]), float(cat.duration_s[i]))  # fmt: skip


class Driver(Protocol):
    """What plays: moodplay through the daemon's calls, or a baseline."""

    def advance(self, at: float) -> None: ...
    def restart(self, at: float) -> None: ...
    def rescan(self, at: float, cat: Catalogue) -> None: ...
    def begin(self, at: float, word: str | None) -> int | None: ...
    def request(self, at: float, word: str, playing: int | None = None) -> int | None: ...
    def liked(self, at: float, index: int) -> None: ...
    def ended(self, at: float, index: int, listened_s: float) -> int | None: ...
    def stop(self, at: float) -> None: ...


class Moodplay:
    """The live session's calls on ``recommend.Session`` (no player, no store, no threads)."""

    def __init__(self, cat: Catalogue, at: float, context_changes: bool) -> None:
        self.cat, self.context_changes = cat, context_changes
        self.store: list[Feedback] = []
        self.length = CONFIG.recommend.queue_length
        self.session = Session(Planner(cat), ListenerState(situation(at)), length=self.length)
        self.seen, self.checked, self.playing = period(at), at, False
        self.moods = CONFIG.moods.targets

    def advance(self, at: float) -> None:
        """The daemon's clock (``moodplay/_clock.py``): context_changed at each hour where the
        part of day, the weekday or quiet hours changed."""
        t = (self.checked // 3600 + 1) * 3600
        while t <= at:
            self._follow(t)
            t += 3600
        self.checked = max(self.checked, at)

    def _follow(self, at: float, resumed: bool = False) -> None:
        """``follow_clock``: tell the session of a new period, or of playing again after its
        listening session expired (``resumed``; recommenders without ``expired`` never do)."""
        if not self.context_changes:
            return
        expired = getattr(self.session, "expired", None)
        gap = resumed and expired is not None and bool(expired(at))
        if period(at) == self.seen and not gap:
            return
        self.seen = period(at)
        self.session.on(SessionEvent("context_changed", at, situation=situation(at)))
        if getattr(self.session, "fresh", False) and not self.playing:
            self.session.replan([])

    def restart(self, at: float) -> None:
        """A new process: ``LiveSession.__init__`` then ``restore`` (nothing was playing)."""
        self.session = Session(Planner(self.cat), ListenerState(situation(at)), length=self.length)
        self.session.history = self._history(self.cat)
        self.session.replan([])
        self.seen, self.checked = period(at), at

    def _history(self, cat: Catalogue) -> History:
        history = History()
        for fb in self.store:
            if fb.kind in FEEDBACK_KINDS and fb.index < cat.size:
                history.add(fb)
        return history

    def rescan(self, at: float, cat: Catalogue) -> None:
        """``swap_library``: a new session on the new catalogue, the same state and seed."""
        old = self.session
        self.cat = cat
        new = Session(Planner(cat), old.state, self._history(cat), old.length, old.seed)
        new.learn, new.played = old.learn, list(old.played)
        self.session = new
        new.replan(list(old.queue[:2]))

    def _record(self, index: int, kind: str, at: float, position: float = 0.0) -> None:
        part = situation(at).part_of_day
        self.store.append(Feedback(index, kind, at, part, position, self._duration(index)))

    def _duration(self, index: int) -> float:
        return float(self.cat.duration_s[index])

    def _first(self) -> int | None:
        entries = self.session.plan.entries
        return entries[0].index if entries else None

    def begin(self, at: float, word: str | None) -> int | None:
        """``cmd_mood`` when a word is said (from a stop), else ``cmd_play``."""
        if word is not None:
            self.request(at, word)
            self.session.replan([])
        else:
            self._follow(at, resumed=True)
            if not self.session.plan.entries:
                self.session.replan([])
        self.playing = True
        return self._first()

    def request(self, at: float, word: str, playing: int | None = None) -> int | None:
        """``cmd_mood`` while ``playing`` plays: the track to play now if it gave way (farther
        than ``REQUEST_FITS`` from the plan's target; stored as "interrupted", not feedback),
        else None (it plays on)."""
        target = Point(*self.moods[word])
        self.session.on(SessionEvent("request", at, target=target, request=word))
        if playing is None or not _off(self.cat.point(playing), self.session.plan.target):
            return None
        self.session.replan([], avoid=[playing])
        return self._first()

    def liked(self, at: float, index: int) -> None:
        self.advance(at)
        self._record(index, "liked", at)
        self.session.on(SessionEvent("liked", at, index))

    def ended(self, at: float, index: int, listened_s: float) -> int | None:
        duration = self._duration(index)
        kind = "played" if listened_s >= duration else "skipped"
        self._record(index, kind, at, min(listened_s, duration))
        self.session.on(SessionEvent(kind, at, index, min(listened_s, duration), duration))
        return self._first()

    def stop(self, at: float) -> None:
        """``cmd_stop``: the player stops; the plan stays."""
        self.playing = False


class Baseline:
    """Shuffle or nearest-to-request among tracks not started in the last no_repeat_hours."""

    def __init__(self, name: str, cat: Catalogue, seed: int) -> None:
        self.name, self.cat = name, cat
        self.rng = np.random.default_rng(seed)
        self.last = np.full(cat.size, -np.inf)
        self.target: Point | None = None
        self.window_s = CONFIG.recommend.no_repeat_hours * 3600

    def advance(self, at: float) -> None:
        pass

    def restart(self, at: float) -> None:
        pass

    def rescan(self, at: float, cat: Catalogue) -> None:
        self.cat = cat
        self.last = np.concatenate([self.last, np.full(cat.size - self.last.size, -np.inf)])

    def begin(self, at: float, word: str | None) -> int | None:
        if word is not None:
            self.request(at, word)
        return self._pick(at)

    def request(self, at: float, word: str, playing: int | None = None) -> int | None:
        """As moodplay's: nearest-to-request moves on from a track far from the request."""
        self.target = Point(*CONFIG.moods.targets[word])
        if self.name == "shuffle" or playing is None:
            return None
        return self._pick(at) if _off(self.cat.point(playing), self.target) else None

    def liked(self, at: float, index: int) -> None:
        pass

    def ended(self, at: float, index: int, listened_s: float) -> int | None:
        return self._pick(at)

    def stop(self, at: float) -> None:
        self.target = None

    def _pick(self, at: float) -> int | None:
        open_ = np.nonzero(self.last < at - self.window_s)[0]
        if open_.size == 0:
            return None
        if self.name == "shuffle":
            i = int(self.rng.choice(open_))
        else:
            t = self.target or PART_OF_DAY_PRIORS[situation(at).part_of_day]
            d = np.hypot(self.cat.valence[open_] - t.valence, self.cat.energy[open_] - t.energy)
            i = int(open_[int(np.argmin(d))])
        self.last[i] = at
        return i


@dataclass
class Play:
    day: int
    index: int
    artist: int
    skipped: bool


@dataclass
class Probe:
    """The energies of the first five tracks started after a request."""

    word: str
    slot: str
    first_k: int
    """The first track of the sitting that counts (a mid request: the one after the current)."""
    energies: list[float] = field(default_factory=list)


@dataclass
class Log:
    plays: list[Play] = field(default_factory=list)
    probes: list[Probe] = field(default_factory=list)


def days(cat: Catalogue, cat15: Catalogue) -> Iterator[tuple[int, Catalogue]]:
    for day in range(1, DAYS + 1):
        yield day, cat15 if day >= RESCAN_DAY else cat


def listen(listener: Listener, policy: str, cat: Catalogue, cat15: Catalogue, *,
           context_changes: bool, seed: int) -> Log:  # fmt: skip
    """30 days of one listener with one policy."""
    start = clock(1, RESTART_HOUR)
    driver: Driver = (Moodplay(cat, start, context_changes) if policy in ("always-on", "restarted")
                      else Baseline(policy, cat, seed))  # fmt: skip
    log = Log()
    for day, lib in days(cat, cat15):
        if day == RESCAN_DAY:
            driver.advance(clock(day, 3))
            driver.rescan(clock(day, 3), cat15)
        if policy == "restarted" and day > 1:
            driver.advance(clock(day, RESTART_HOUR))
            driver.restart(clock(day, RESTART_HOUR))
        for sitting in listener.schedule(day):
            at = clock(day, sitting.hour)
            sit(listener, driver, lib, log, day=day, at=at, tracks=sitting.tracks)
    return log


def sit(listener: Listener, driver: Driver, cat: Catalogue, log: Log, *, day: int, at: float,
        tracks: int) -> None:  # fmt: skip
    """One sitting: a request or "play", tracks until the listener has heard ``tracks``, stop."""
    driver.advance(at)
    word = listener.speaks(moment(at, day, 0), False)
    probe = _probe(log, word, "start", 0)
    index = driver.begin(at, word)
    for k in range(tracks):
        if index is None:
            break
        if k > 0 and (said := listener.speaks(moment(at, day, k), True)) is not None:
            # said while this track plays: it plays on, or gives way to the request's first
            now = driver.request(at + 2, said, index)
            at, index = (at + 3, now) if now is not None else (at, index)
            if index is None:
                break
            probe = _probe(log, said, "mid", k + (0 if now is not None else 1))
        track = track_of(cat, index)
        if probe is not None and k >= probe.first_k and len(probe.energies) < 5:
            probe.energies.append(track.energy)
        out = listener.react(track, moment(at, day, k))
        log.plays.append(Play(day, index, track.artist, not out.finished(track)))
        if out.liked:
            driver.liked(at + out.listened_s / 2, index)
        at += out.listened_s
        driver.advance(at)
        index = driver.ended(at, index, out.listened_s)
        at += 1
    driver.stop(at)


def _off(here: Point, target: Point) -> bool:
    """Farther than the daemon's REQUEST_FITS from the target (moodplay/_handlers.py)."""
    return math.dist((here.valence, here.energy), (target.valence, target.energy)) > REQUEST_FITS


def _probe(log: Log, word: str | None, slot: str, first_k: int) -> Probe | None:
    """Start following what plays after ``word`` (None for words the figures do not follow)."""
    if word not in ("calm", "energetic"):
        return None
    log.probes.append(Probe(word, slot, first_k))
    return log.probes[-1]


def _pct(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _mean(values: list[float], digits: int = 1) -> float | None:
    return round(float(np.mean(values)), digits) if values else None


def _skip_pct(logs: list[Log], first: int, last: int) -> float | None:
    plays = [p for log in logs for p in log.plays if first <= p.day <= last]
    return _pct(sum(p.skipped for p in plays), len(plays))


def _replays(log: Log) -> int:
    first_day: dict[int, int] = {}
    count = 0
    for p in log.plays:
        count += first_day.setdefault(p.index, p.day) < p.day
    return count


def _top3(log: Log) -> float:
    counts = Counter(p.artist for p in log.plays)
    return 100 * sum(c for _, c in counts.most_common(3)) / max(1, len(log.plays))


def figures(logs: list[Log], old_size: int) -> dict[str, float | None]:
    """The printed figures of one population and policy (None: nothing to measure)."""
    plays = sum(len(log.plays) for log in logs)
    new = [[p for p in log.plays if p.index >= old_size] for log in logs]
    out: dict[str, float | None] = {
        "skip1-3": _skip_pct(logs, 1, 3),
        "skip28-30": _skip_pct(logs, DAYS - 2, DAYS),
        "replay%": _pct(sum(_replays(log) for log in logs), plays),
        "distinct": _mean([len({p.index for p in log.plays}) for log in logs]),
        "first200": _mean([len({p.index for p in log.plays[:200]}) for log in logs]),
        "top3%": _mean([_top3(log) for log in logs]),
        "new15": _mean([sum(RESCAN_DAY <= p.day <= RESCAN_DAY + 3 for p in n) for n in new], 2),
        "new15>=1%": _pct(sum(any(p.day <= RESCAN_DAY + 1 for p in n) for n in new), len(logs)),
    }
    for (word, slot), column in zip(PROBES, COLUMNS[-4:], strict=True):
        energies = [e for log in logs for pr in log.probes if (pr.word, pr.slot) == (word, slot)
                    for e in pr.energies]  # fmt: skip
        out[column] = _mean(energies, 2)
    return out


@dataclass(frozen=True)
class Job:
    kind: str
    heldout: bool
    policy: str
    listeners: int
    tracks: int
    context_changes: bool


_LIBRARIES: dict[tuple[int, int], tuple[Catalogue, Catalogue]] = {}


def libraries(tracks: int, listeners: int) -> tuple[Catalogue, Catalogue]:
    """The generated library and the same after the day-15 rescan (cached per process)."""
    key = (tracks, listeners)
    if key not in _LIBRARIES:
        # the first scan the evening before day 1; the rescan on day 15 at 03:00, as `listen`
        cat = generate(tracks, added_at=clock(1, 0) - 4 * 3600)
        favour = [a for heldout in (False, True) for fan in fan_artists(cat, listeners, heldout)
                  for a in fan]  # fmt: skip
        _LIBRARIES[key] = cat, rescan(cat, favour, added_at=clock(RESCAN_DAY, 3))
    return _LIBRARIES[key]


def run_job(job: Job) -> tuple[Job, dict[str, float | None], float]:
    began = time.perf_counter()
    cat, cat15 = libraries(job.tracks, job.listeners)
    people = population(job.kind, job.listeners, cat, heldout=job.heldout)
    # the baselines' own randomness: per listener, so tune and held-out differ here too
    logs = [listen(person, job.policy, cat, cat15, context_changes=job.context_changes,
                   seed=zlib.crc32(person.name.encode())) for person in people]  # fmt: skip
    return job, figures(logs, cat.size), time.perf_counter() - began


def _cell(value: float | None) -> str:
    return "-" if value is None else f"{value:g}"


def report(results: list[tuple[Job, dict[str, float | None], float]]) -> None:
    width = [max(7, len(c) + 2) for c in COLUMNS]
    head = f"{'population':<12}{'policy':<11}" + "".join(
        f"{c:>{w}}" for c, w in zip(COLUMNS, width, strict=True)
    )
    for heldout in sorted({job.heldout for job, _, _ in results}):
        print(f"\n== {'held-out (never tune on these)' if heldout else 'tune'} ==")
        print(head)
        for kind in KINDS:
            for job, fig, _ in results:
                if (job.kind, job.heldout) == (kind, heldout):
                    pairs = zip(COLUMNS, width, strict=True)
                    cells = "".join(f"{_cell(fig[c]):>{w}}" for c, w in pairs)
                    print(f"{kind:<12}{job.policy:<11}{cells}", flush=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--listeners", type=int, default=16, help="per population and split")
    parser.add_argument("--tracks", type=int, default=20_000)
    parser.add_argument("--jobs", type=int, default=2, help="worker processes")
    parser.add_argument("--quick", action="store_true", help="2 listeners per group (smoke run)")
    parser.add_argument("--no-context-changes", action="store_true",
                        help="send no context_changed (the daemon before issue 12)")  # fmt: skip
    parser.add_argument("--split", choices=("both", "tune", "held-out"), default="both",
                        help="run one group only (tuning runs `tune`)")  # fmt: skip
    parser.add_argument("--policies", default=",".join(POLICIES),
                        help="comma-separated subset of " + ",".join(POLICIES))  # fmt: skip
    args = parser.parse_args(argv)
    splits = {"both": (False, True), "tune": (False,), "held-out": (True,)}[args.split]
    policies = [p for p in args.policies.split(",") if p in POLICIES]
    listeners = 2 if args.quick else args.listeners
    changes = not args.no_context_changes
    jobs = [Job(kind, heldout, policy, listeners, args.tracks, changes)
            for kind in KINDS for heldout in splits for policy in policies]  # fmt: skip
    print(f"{DAYS} days, {listeners} listeners per population and split, {args.tracks} tracks "
          f"(+200 on day {RESCAN_DAY}), context_changed {'sent' if changes else 'never sent'}; "
          f"speaking populations: {', '.join(sorted(SPEAKING))}", flush=True)  # fmt: skip
    began = time.perf_counter()
    if args.jobs > 1:
        with Pool(args.jobs) as pool:
            results = pool.map(run_job, jobs, chunksize=1)
    else:
        results = [run_job(job) for job in jobs]
    report(results)
    moodplay = sum(s for job, _, s in results if job.policy in ("always-on", "restarted"))
    print(f"\n{time.perf_counter() - began:.0f} s wall; moodplay jobs {moodplay:.0f} s CPU")


if __name__ == "__main__":
    main()
