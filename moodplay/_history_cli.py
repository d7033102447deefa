"""``moodplay history export | forget``: the listening history is the user's to take or erase."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import json
import sys

from library import Store, forget_events, load_events
from moodplay._config import Config
from moodplay._paths import database_path


class HistoryError(Exception):
    """Bad arguments to a history command."""


def export_json(store: Store) -> tuple[str, int]:
    """Every stored listening event as the export's JSON text ``{"events": [...]}`` (each
    :class:`library.Event`'s fields), and how many; the web page's download is the same."""
    events = [dataclasses.asdict(e) for e in load_events(store)]
    return json.dumps({"events": events}, indent=2, ensure_ascii=False), len(events)


def cmd_export(config: Config, args: argparse.Namespace) -> int:
    with Store(database_path(config, args.db)) as store:
        text, count = export_json(store)
    if args.out:
        tmp = args.out.with_suffix(args.out.suffix + ".tmp")
        tmp.write_text(text + "\n")
        tmp.replace(args.out)
        print(f"wrote {count} events to {args.out}", file=sys.stderr)
    else:
        print(text)
    return 0


def cmd_forget(config: Config, args: argparse.Namespace) -> int:
    if args.all == bool(args.since):
        raise HistoryError("say what to forget: --all, or --since YYYY-MM-DD[THH:MM]")
    since = None
    if args.since:
        try:
            since = dt.datetime.fromisoformat(args.since).timestamp()
        except ValueError:
            raise HistoryError(
                f"--since {args.since!r}: use YYYY-MM-DD or YYYY-MM-DDTHH:MM"
            ) from None
    with Store(database_path(config, args.db)) as store:
        count = forget_events(store, since)
    print(f"forgot {count} listening events")
    return 0
