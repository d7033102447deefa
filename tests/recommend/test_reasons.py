"""Issue 12, item 8: every reason of a long simulated run is checked against the stored events."""

from __future__ import annotations

import re
from collections import Counter

from recommend import Feedback, Planner, Point, SessionEvent, Settings
from recommend._feedback import signal
from recommend._reasons import day_words
from tests.recommend.catalogues import random_catalogue
from tests.recommend.longrun import evenings

HEARD = re.compile(r"heard (\d+) times?(?:, finished (\d+))?, last on (\w+ \d+ \w+)")
ARTIST = re.compile(r"you finished (\d+) of (\d+) plays of (\d+) tracks? by (Artist \d+)")
TRACK = re.compile(r"you finished it (?:every time|(\d+) of (\d+) times)")


def _started(events: list[Feedback], at: float) -> list[Feedback]:
    return [fb for fb in events if fb.at <= at and fb.kind in ("played", "skipped")]


def _finished(fb: Feedback) -> bool:
    return signal(fb, Settings().weights)[0] > 0


def _check(reason: str, index: int, done: list[Feedback], artist_of: list[int]) -> None:
    mine = [fb for fb in done if fb.index == index]
    if "new to you" in reason or "new in your library" in reason:
        assert not mine, reason
    if m := HEARD.search(reason):
        assert int(m[1]) == len(mine), reason
        assert int(m[2] or m[1]) == sum(map(_finished, mine)), reason
        assert m[3] == day_words(max(fb.at for fb in mine)), reason
    if m := TRACK.search(reason):
        fin = sum(map(_finished, mine))
        assert (
            (fin == len(mine) > 0) if m[1] is None else (int(m[1]), int(m[2])) == (fin, len(mine))
        )
    if m := ARTIST.search(reason):
        a = int(m[4].split()[1])
        theirs = [fb for fb in done if artist_of[fb.index] == a]
        assert int(m[2]) == len(theirs), reason
        assert int(m[1]) == sum(map(_finished, theirs)), reason
        assert int(m[3]) == len({fb.index for fb in theirs}), reason


def test_every_reason_of_a_ten_day_run_is_true_as_worded() -> None:
    cat = random_catalogue(5_000, 300, 21)
    artist_of = [int(a) for a in cat.artist]

    def listen(i: int, day: int) -> float:  # loud tracks skipped early, some halfway
        whole = float(cat.duration_s[i])
        return 8.0 if cat.energy[i] > 0.75 else whole * 0.6 if i % 7 == 0 else whole

    session, run = evenings(Planner(cat), days=10, per_day=20, listen=listen, keep_plans=True)
    events = session.history.events
    kinds: Counter[str] = Counter()
    for at, plan in run.plans:
        done = _started(events, at)
        for e in plan.entries:
            assert "a steady step" not in e.reason
            _check(e.reason, e.index, done, artist_of)
            kinds.update(k for k in ("heard", "new to you", "you finished", "closest")
                         if k in e.reason)  # fmt: skip
    assert kinds["heard"] and kinds["new to you"] and kinds["you finished"] and kinds["closest"]


def test_most_reasons_say_something_about_the_track_itself() -> None:
    cat = random_catalogue(5_000, 300, 22)
    session, _ = evenings(Planner(cat), days=5, per_day=20)
    reasons = [e.reason for e in session.plan.entries]
    generic = [r for r in reasons if "; on the way toward" in r]
    assert len(generic) <= len(reasons) // 4


def test_kept_entries_do_not_name_a_replaced_request() -> None:
    cat = random_catalogue(3_000, 200, 23)
    session, _ = evenings(Planner(cat), days=1, per_day=3)
    at = session.state.situation.timestamp + 10
    session.on(SessionEvent("request", at, target=Point(0.2, 0.2), request="calm"))
    plan = session.on(SessionEvent("request", at + 5, target=Point(0.8, 0.9), request="energetic"))
    kept = [e.reason for e in plan.entries if "kept" in e.parts]
    assert kept and not any("calm" in r for r in kept)
    assert all("energetic" not in r for r in kept)
