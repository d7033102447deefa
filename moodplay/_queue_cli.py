"""``moodplay queue``: plan a queue from the analysed library and explain it, without playing."""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import Any

import numpy as np

from context import ContextSource, detect_device
from library import Store, catalogue_rows
from moodplay._config import Config
from moodplay._history_fold import build_history
from moodplay._paths import database_path
from recommend import (
    Catalogue,
    ListenerState,
    Plan,
    Planner,
    Point,
    Settings,
    Situation,
    mood_request,
)


class QueueError(Exception):
    """The queue cannot be planned; the message says why."""


def build_catalogue(store: Store) -> Catalogue:
    rows = catalogue_rows(store)
    artists: dict[str, int] = {}
    artist_ids = [artists.setdefault(r["artist"] or f"(unknown {r['id']})", len(artists))
                  for r in rows]  # fmt: skip
    return Catalogue(
        track_ids=np.array([r["id"] for r in rows], dtype=np.int64),
        valence=np.array([r["valence"] for r in rows], dtype=np.float32),
        energy=np.array([r["energy"] for r in rows], dtype=np.float32),
        artist=np.array(artist_ids, dtype=np.int64),
        duration_s=np.array([r["duration_s"] for r in rows], dtype=np.float32),
        instrumentalness=np.array([r["instrumentalness"] for r in rows], dtype=np.float32),
        speechiness=np.array([r["speechiness"] for r in rows], dtype=np.float32),
        artist_names={i: name for name, i in artists.items()},
        titles=[r["title"] for r in rows],
        added_at=np.array([r["added_at"] for r in rows], dtype=np.float64),
        adaptive=np.array([bool(r["adaptive"]) for r in rows], dtype=bool),
    )


def _at(hhmm: str | None) -> float | None:
    if not hhmm:
        return None
    try:
        hour, minute = (int(x) for x in hhmm.split(":"))
        return dt.datetime.now().replace(hour=hour, minute=minute, second=0).timestamp()
    except ValueError:
        raise QueueError(f"--at {hhmm!r}: use HH:MM, e.g. 23:30") from None


def plan_queue(config: Config, args: argparse.Namespace) -> tuple[Plan, Catalogue, str]:
    """The plan, its catalogue, and the familiar/new split in words."""
    with Store(database_path(config, args.db)) as store:
        cat = build_catalogue(store)
        history = build_history(store, cat)
    device = detect_device() if config.context.device == "auto" else config.context.device
    ctx = ContextSource(device, config.context.quiet_start, config.context.quiet_end).snapshot(
        at=_at(args.at)
    )
    state = ListenerState(Situation(ctx.timestamp, ctx.part_of_day, ctx.weekend))
    if args.mood:
        if args.mood not in config.moods.targets:
            known = ", ".join(sorted(config.moods.targets))
            raise QueueError(f"--mood {args.mood!r} is not in [moods.targets]; known: {known}")
        # the daemon's Session applies a request the same way (recommend.mood_request)
        state = mood_request(args.mood, Point(*config.moods.targets[args.mood])).apply(state)
    n = args.n if args.n is not None else config.recommend.queue_length
    planner = Planner(cat, settings_of(config))
    plan = planner.plan(state, history, n, seed=args.seed)
    return plan, cat, planner.split(history, plan, ctx.timestamp).words()


def settings_of(config: Config) -> Settings:
    """The planner's settings from ``[recommend]``."""
    r = config.recommend
    return Settings(max_step=r.max_step, artist_spacing=r.artist_spacing,
                    no_repeat_hours=r.no_repeat_hours, familiar_share=r.familiar_share,
                    artist_share=r.artist_share)  # fmt: skip


def cmd_queue(config: Config, args: argparse.Namespace) -> int:
    plan, cat, split = plan_queue(config, args)
    if plan.message:
        raise QueueError(plan.message)
    if args.json:
        out = plan_json(plan, cat, args.explain) | ({"mix": split} if args.explain else {})
        print(json.dumps(out, indent=2, ensure_ascii=False))
        return 0
    if args.explain:
        print(split)
        path = " -> ".join(f"({p.valence:.2f}, {p.energy:.2f})" for p in plan.path)
        print(f"from ({plan.start.valence:.2f}, {plan.start.energy:.2f}) to "
              f"({plan.target.valence:.2f}, {plan.target.energy:.2f}) via {path}")  # fmt: skip
    for i, e in enumerate(plan.entries, 1):
        who = cat.artist_name(e.index)
        mood = f"valence {cat.valence[e.index]:.2f}, energy {cat.energy[e.index]:.2f}"
        print(f"{i:3}. {who} - {cat.titles[e.index]}  ({mood})")
        print(f"     {e.reason}")
        if args.explain:
            print("     " + "  ".join(f"{k} {v:+.2f}" for k, v in e.parts.items()))
    return 0


def plan_json(plan: Plan, cat: Catalogue, explain: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "start": vars(plan.start), "target": vars(plan.target), "target_note": plan.target_note,
        "queue": [
            {"track_id": e.track_id, "title": cat.titles[e.index],
             "artist": cat.artist_name(e.index),
             "valence": round(float(cat.valence[e.index]), 3),
             "energy": round(float(cat.energy[e.index]), 3), "reason": e.reason,
             "score": round(e.score, 4), **({"parts": e.parts} if explain else {})}
            for e in plan.entries
        ],
    }  # fmt: skip
    if explain:
        out["path"] = [vars(p) for p in plan.path]
    return out
