"""One true sentence per queued track: what the listener's history says about it, and what set it
apart from the tracks around it on the mood plane.

Every count is read from the history as the planner saw it: plays are starts (played or
skipped), finished plays are those whose signal was positive (to the end, or past half / 240 s),
tracks are distinct tracks. A test replays a long simulated run and checks each sentence against
the stored events (tests/recommend/test_reasons.py).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

DAY_S = 86_400.0


@dataclass(frozen=True)
class Facts:
    """What the history says about one track and its artist when it was planned."""

    plays: int
    finished: int
    last_at: float
    """Unix time of its last start (meaningless when ``plays`` is 0)."""
    artist: str
    artist_plays: int
    artist_finished: int
    artist_tracks: int
    added_age_s: float | None
    """Seconds since it entered the library; None: unknown or not recent."""
    goal: str
    """The request or part of day in force, e.g. "the calm you asked for"."""
    nearest: bool = False
    """No open track lay closer to the path point."""
    passed: int = 0
    """Closer open tracks passed over because their artist was just heard or had enough today."""


def day_words(at: float) -> str:
    """A date as reasons write it: "Tue 3 Nov" (local time)."""
    d = dt.datetime.fromtimestamp(at)
    return f"{d:%a} {d.day} {d:%b}"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def history_words(f: Facts) -> str:
    """What the listener has done with this track: heard before, new to them, or new in the
    library."""
    if f.plays == 0:
        if f.added_age_s is not None:
            return f"new in your library (added {_ago(f.added_age_s)})"
        return "new to you"
    done = "" if f.finished == f.plays else f", finished {f.finished}"
    return f"heard {plural(f.plays, 'time')}{done}, last on {day_words(f.last_at)}"


def artist_words(f: Facts) -> str:
    """The artist's record, plays and tracks counted apart."""
    if f.artist_plays == 0:
        return f"{f.artist}, an artist you have not heard yet"
    tracks = plural(f.artist_tracks, "track")
    return f"you finished {f.artist_finished} of {f.artist_plays} plays of {tracks} by {f.artist}"


def distinction(f: Facts, parts: dict[str, float]) -> str:  # noqa: PLR0911 (one answer per case)
    """Why this track rather than its neighbours: the closest fit, a change of artist, or the
    part of the score that lifted it most."""
    if f.nearest:
        return f"the closest fit on the way toward {f.goal}"
    if f.passed:
        closer = "a closer track was" if f.passed == 1 else f"{f.passed} closer tracks were"
        return f"{closer} by artists heard just now or enough today"
    lifts = {k: v for k, v in parts.items() if k not in ("path", "wear") and v > 0.02}
    top = max(lifts, key=lambda k: lifts[k]) if lifts else ""
    if top == "artist" or (top == "new" and f.artist_plays == 0):
        return artist_words(f)
    if top in ("track", "explore") and f.plays:
        if f.finished == f.plays:
            return "you finished it every time"
        return f"you finished it {f.finished} of {f.plays} times"
    if top == "region":
        return "in a region of moods you usually finish"
    if top == "prefer":
        return "instrumental, to stay out of your way"
    return f"on the way toward {f.goal}"


def explain(f: Facts, parts: dict[str, float], note: str = "") -> str:
    """The sentence: history, distinction, and the target note (said once per plan)."""
    if "kept" in parts:  # the request it was planned for may be gone: none is named
        return f"already playing or prepared next; kept as it was; {history_words(f)}"
    clauses = [history_words(f), distinction(f, parts)]
    if parts.get("prefer", 0.0) > 0.05 and "instrumental" not in clauses[1]:
        clauses.append("instrumental, to stay out of your way")
    if note:
        clauses.append(note)
    sentence = "; ".join(clauses)
    return sentence[0].upper() + sentence[1:]


def goal_words(request: str | None, part_of_day: str, wind_down: bool) -> str:
    """The target in force, in words."""
    if wind_down:
        return "a quiet stop"
    if request:
        return f"the {request} you asked for"
    return {
        "night": "a calm night", "morning": "a bright morning", "afternoon": "your afternoon",
        "evening": "your evening wind-down",
    }.get(part_of_day, "your usual mood")  # fmt: skip


def _ago(age_s: float) -> str:
    days = int(max(0.0, age_s) // DAY_S)
    return "today" if days == 0 else "yesterday" if days == 1 else f"{days} days ago"
