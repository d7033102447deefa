"""The ``moodplay`` command line."""

from __future__ import annotations

import argparse
import importlib.metadata
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from library import (
    Store,
    StoreError,
    find_tracks,
    mood_points,
    repair,
    stats,
)
from models import ModelError, ModelInstallError, install, load_manifest
from moodplay._client import TOKEN_ENV, ClientError, cmd_say, cmd_status
from moodplay._config import Config, ConfigError, data_dir, load_config
from moodplay._daemon import DaemonError, cmd_daemon
from moodplay._doctor import cmd_doctor
from moodplay._extras import MissingExtraError, require_extra
from moodplay._history_cli import HistoryError, cmd_export, cmd_forget
from moodplay._instance import InstanceError, InstanceLock
from moodplay._listen_cli import ListenError, cmd_listen
from moodplay._moodmap import draw_map
from moodplay._paths import database_path
from moodplay._queue_cli import QueueError, cmd_queue
from moodplay._scan_cli import ScanError, cmd_scan
from moodplay._train_cli import TrainError, cmd_train_voice

log = logging.getLogger("moodplay")

EXIT_ERROR = 1
EXIT_INTERRUPTED = 130
EXIT_BROKEN_PIPE = 141
"""128 + SIGPIPE: what ``yes | head`` reports for ``yes``."""


class UserError(Exception):
    """A problem the user can fix; printed as one clear message, no traceback."""


def _common(suppress: bool = False) -> argparse.ArgumentParser:
    """The options every command takes, before or after its name. The sub-commands' copies
    set nothing unless given (SUPPRESS): otherwise their defaults would overwrite what was
    given before the command (``moodplay --db FILE daemon``); given in both places, the one
    after the command wins."""
    common = argparse.ArgumentParser(add_help=False)
    unset: dict[str, Any] = {"default": argparse.SUPPRESS} if suppress else {}
    common.add_argument("--config", metavar="FILE", type=Path, help="config file to load",
                        **unset)  # fmt: skip
    common.add_argument("--db", metavar="FILE", help="library database (default from config)",
                        **unset)  # fmt: skip
    common.add_argument("-v", "--verbose", action="store_true", help="log debugging detail",
                        **unset)  # fmt: skip
    return common


def _version() -> str:
    try:
        return importlib.metadata.version("moodplay")
    except importlib.metadata.PackageNotFoundError:  # run from a source tree
        return "unknown (not installed)"


def _count(text: str) -> int:
    """A count of 1 or more (argparse type); 0 is refused, never taken as "the default"."""
    try:
        number = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if number < 1:
        raise argparse.ArgumentTypeError(f"{number}: use 1 or more")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="moodplay",
        description="Offline mood music player for your own library.",
        parents=[_common()],
    )
    parser.add_argument("--version", action="version", version=f"moodplay {_version()}")
    common = _common(suppress=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    adders = (_add_scan, _add_library, _add_queue, _add_listen, _add_models, _add_daemon,
              _add_client, _add_history, _add_doctor)  # fmt: skip
    for add in adders:
        add(sub, common)
    return parser


def _add_scan(sub: Any, common: argparse.ArgumentParser) -> None:
    scan = sub.add_parser("scan", parents=[common], help="scan and analyse music folders")
    scan.add_argument("paths", nargs="*", metavar="PATH", help="folders (default from config)")
    scan.add_argument("--jobs", type=int, metavar="N", help="worker processes (default: cores)")
    scan.add_argument("--plain", action="store_true", help="log lines instead of a progress bar")
    scan.add_argument("--no-map", action="store_true", help="do not print the mood map summary")
    scan.set_defaults(func=cmd_scan)


def _add_library(sub: Any, common: argparse.ArgumentParser) -> None:
    lib = sub.add_parser("library", parents=[common], help="look at the analysed library")
    lib_sub = lib.add_subparsers(dest="library_command", required=True, metavar="WHAT")
    st = lib_sub.add_parser("stats", parents=[common], help="counts and distributions")
    st.add_argument("--json", action="store_true")
    st.set_defaults(func=cmd_stats)
    show = lib_sub.add_parser("show", parents=[common], help="one track's tags and mood")
    show.add_argument("query", help="track id, or text in its title, artist, album or path")
    show.add_argument("--json", action="store_true")
    show.set_defaults(func=cmd_show)
    mp = lib_sub.add_parser(
        "map", parents=[common], help="draw the valence x energy map (needs moodplay[map])"
    )
    mp.add_argument("--out", required=True, type=Path, metavar="FILE.png")
    mp.set_defaults(func=cmd_map)
    repair_help = "rebuild a damaged database from what can still be read"
    repair = lib_sub.add_parser("repair", parents=[common], help=repair_help)
    repair.set_defaults(func=cmd_repair)


def _add_queue(sub: Any, common: argparse.ArgumentParser) -> None:
    queue = sub.add_parser("queue", parents=[common], help="plan a queue and say why")
    queue.add_argument("--mood", metavar="WORD", help="a word of [moods.targets]: calm, happy, ...")
    queue.add_argument("--at", metavar="HH:MM", help="plan as if it were this time today")
    queue.add_argument("--n", type=_count, metavar="N", help="tracks, 1 or more (default "
                       "[recommend] queue_length)")  # fmt: skip
    queue.add_argument("--seed", type=int, default=0, help="same seed, same queue")
    queue.add_argument("--json", action="store_true")
    queue.add_argument("--explain", action="store_true", help="show the path and score parts")
    queue.set_defaults(func=cmd_queue)


def _add_daemon(sub: Any, common: argparse.ArgumentParser) -> None:
    daemon = sub.add_parser("daemon", parents=[common], help="play, steered by MPD clients")
    daemon.add_argument("--mpd-host", default="127.0.0.1", help="address (default loopback)")
    daemon.add_argument("--mpd-port", type=int, default=6600, help="0: any free port")
    daemon.add_argument("--mpd-password", help="required when --mpd-host is not loopback")
    daemon.add_argument("--http-host", default="127.0.0.1", help="web page and API address")
    daemon.add_argument("--http-port", type=int, default=6680, help="0: any free port")
    daemon.add_argument("--http-token", help="bearer token; required when --http-host is not "
                        "loopback")  # fmt: skip
    daemon.add_argument("--aout", default="pulse", help="libVLC audio output (pulse, alsa)")
    daemon.add_argument("--no-voice", action="store_true", help="do not listen to the microphone")
    daemon.add_argument("--play", action="store_true", help="start playing at once (the "
                        "adaptive queue, or where it stopped)")  # fmt: skip
    daemon.add_argument("-q", "--quiet", action="store_true", help="log warnings only (default: "
                        "each command, what voice heard, each track change)")  # fmt: skip
    daemon.set_defaults(func=cmd_daemon)


def _add_client(sub: Any, common: argparse.ArgumentParser) -> None:
    conn = argparse.ArgumentParser(add_help=False)
    conn.add_argument("--url", help="the daemon's web address (default: the daemon on this "
                      "database, else http://127.0.0.1:6680/)")  # fmt: skip
    conn.add_argument("--host", help="the daemon's web host (default 127.0.0.1)")
    conn.add_argument("--port", type=int, help="the daemon's web port (--http-port; default 6680)")
    conn.add_argument("--token", help=f"the daemon's --http-token (or set {TOKEN_ENV})")
    say = sub.add_parser("say", parents=[common, conn], help="a text command to the daemon")
    say.add_argument("text", nargs="+", help='e.g. "play something calm", "mood calm", "like"')
    say.set_defaults(func=cmd_say)
    status = sub.add_parser("status", parents=[common, conn], help="what the daemon is doing")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)


def _add_doctor(sub: Any, common: argparse.ArgumentParser) -> None:
    doctor = sub.add_parser("doctor", parents=[common], help="check sound, models, library, ports")
    doctor.add_argument("--aout", default="pulse", help="libVLC audio output the daemon will use")
    doctor.add_argument("--host", default="127.0.0.1", help="address of the MPD and HTTP ports")
    doctor.add_argument("--mpd-port", type=int, default=6600)
    doctor.add_argument("--http-port", type=int, default=6680)
    doctor.add_argument("--json", action="store_true", help="a JSON list, one object per check")
    doctor.set_defaults(func=cmd_doctor)


def _add_history(sub: Any, common: argparse.ArgumentParser) -> None:
    history = sub.add_parser("history", parents=[common], help="export or forget what you played")
    what = history.add_subparsers(dest="history_command", required=True, metavar="WHAT")
    export = what.add_parser("export", parents=[common], help="every listening event as JSON")
    export.add_argument("--out", type=Path, help="write here instead of standard output")
    export.set_defaults(func=cmd_export)
    forget = what.add_parser("forget", parents=[common], help="delete events for good")
    forget.add_argument("--all", action="store_true")
    forget.add_argument("--since", metavar="YYYY-MM-DD[THH:MM]")
    forget.set_defaults(func=cmd_forget)


def _add_listen(sub: Any, common: argparse.ArgumentParser) -> None:
    listen = sub.add_parser("listen", parents=[common], help="voice commands, file or mic")
    listen.add_argument("--file", type=Path, metavar="CMD.wav", help="a recording, not the mic")
    listen.add_argument("--once", action="store_true", help="push-to-talk: no wake, one command")
    listen.add_argument("--json", action="store_true", help="one JSON object per utterance")
    listen.set_defaults(func=cmd_listen)


def _add_models(sub: Any, common: argparse.ArgumentParser) -> None:
    models = sub.add_parser("models", parents=[common], help="install and train models")
    models_sub = models.add_subparsers(dest="models_command", required=True, metavar="WHAT")
    manifest_help = "use this manifest instead of the built-in"
    inst = models_sub.add_parser("install", parents=[common], help="download, verify, unpack")
    inst.add_argument("name", help="a name from `moodplay models list`")
    inst.add_argument("--manifest", type=Path, help=manifest_help)
    inst.add_argument("--dir", type=Path, help="models folder (default: data dir/models)")
    inst.set_defaults(func=cmd_models_install)
    lst = models_sub.add_parser("list", parents=[common], help="what can be installed")
    lst.add_argument("--manifest", type=Path, help=manifest_help)
    lst.set_defaults(func=cmd_models_list)
    train = models_sub.add_parser(
        "train-voice", parents=[common], help="fit the voice-tone model (needs moodplay[train])"
    )
    train.add_argument("data", type=Path, metavar="DATA.csv", help="path,arousal,valence rows")
    train.add_argument("--out", type=Path, help="model file (default: data dir/models/...)")
    train.set_defaults(func=cmd_train_voice)


def _open_store(config: Config, args: argparse.Namespace) -> Store:
    return Store(database_path(config, args.db))


def cmd_stats(config: Config, args: argparse.Namespace) -> int:
    with _open_store(config, args) as store:
        store.check()
        data = stats(store)
    if args.json:
        print(json.dumps(data, indent=2))
        return 0
    print(
        f"tracks {data['tracks']} ({data['present']} present, {data['missing']} missing), "
        f"analysed {data['analysed']}, scan errors {data['errors']}, "
        f"artists {data['artists']}, albums {data['albums']}, {data['hours']} h"
    )
    print(f"  {'attribute':<17}{'n':>5}{'min':>9}{'q1':>9}{'median':>9}{'q3':>9}{'max':>9}")
    for name, d in data["distributions"].items():
        if d:
            cells = "".join(f"{d[k]:9.2f}" for k in ("min", "q1", "median", "q3", "max"))
            print(f"  {name:<17}{d['n']:>5}{cells}")
    return 0


def cmd_repair(config: Config, args: argparse.Namespace) -> int:
    """``moodplay library repair``: rebuild the database row by row (the daemon must be
    stopped: the instance lock says so), keep the damaged file aside."""
    db = database_path(config, args.db)
    with InstanceLock(db, "library repair"):
        report = repair(db)
    for table, kept in report.kept.items():
        lost = report.lost.get(table, 0)
        print(f"  {table:<16}{kept:>8} rows kept" + (f", {lost} unreadable or refused" if lost
                                                      else ""))  # fmt: skip
    print(f"repaired {db}; the damaged file is kept as {report.damaged_copy}")
    if any(report.lost.values()):
        print("run `moodplay scan` to analyse again any track that was lost")
    return 0


def cmd_show(config: Config, args: argparse.Namespace) -> int:
    with _open_store(config, args) as store:
        found = find_tracks(store, args.query)
    if not found:
        raise UserError(f"no track matches {args.query!r}; try part of a title, artist or path")
    if args.json:
        print(json.dumps(found[0] if len(found) == 1 else found, indent=2))
        return 0
    if len(found) > 1:
        print(
            f"{len(found)} tracks match {args.query!r}; the first one (others: "
            f"{', '.join(str(t['id']) for t in found[1:6])}{', ...' if len(found) > 6 else ''}):"
        )
    _print_track(found[0])
    return 0


def _print_track(track: dict[str, Any]) -> None:
    width = max(len(k) for k in track)
    for key, value in track.items():
        if value is None:
            continue
        shown = f"{value:.3f}" if isinstance(value, float) else value
        print(f"{key:>{width}}  {shown}")


def cmd_map(config: Config, args: argparse.Namespace) -> int:
    if args.out.suffix.lower() != ".png":
        raise UserError(f"--out {args.out}: the map is written as PNG; name it FILE.png")
    require_extra("matplotlib", "map", "library map")
    with _open_store(config, args) as store:
        points = mood_points(store)
    if not points:
        raise UserError("no analysed tracks yet: run `moodplay scan` first")
    draw_map(points, args.out)
    print(f"wrote {args.out} ({len(points)} tracks)")
    return 0


def cmd_models_list(config: Config, args: argparse.Namespace) -> int:
    for entry in load_manifest(args.manifest).values():
        print(f"{entry.name:<20} {entry.description}")
    return 0


def cmd_models_install(config: Config, args: argparse.Namespace) -> int:
    manifest = load_manifest(args.manifest)
    if args.name not in manifest:
        raise UserError(f"no model {args.name!r}; known: {', '.join(sorted(manifest))}")
    entry = manifest[args.name]
    folder = args.dir or data_dir() / "models"
    print(f"downloading {entry.url}", file=sys.stderr)
    path = install(entry, folder, _download_progress)
    print(f"\ninstalled {entry.name} in {path}", file=sys.stderr)
    return 0


def _download_progress(received: int, total: int) -> None:
    share = f" of {total / 1e6:.1f}" if total else ""
    print(f"\r  {received / 1e6:.1f}{share} MB", end="", file=sys.stderr, flush=True)


def _log_level(args: argparse.Namespace) -> int:
    """DEBUG with -v; the daemon INFO (each command, what voice heard, each track change) unless
    -q; every other command WARNING."""
    if args.verbose:
        return logging.DEBUG
    return logging.INFO if args.command == "daemon" and not args.quiet else logging.WARNING


def main(argv: Sequence[str] | None = None) -> int:
    """The ``moodplay`` command: 0, 1 with one message for a problem the user can fix, 130 on
    Ctrl-C, 141 (as killed by SIGPIPE) when the reader of the output went away (``| head``)."""
    try:
        code = _main(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit
    except BrokenPipeError:
        # Output to nowhere from now on, so the exit's own flush cannot fail again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_BROKEN_PIPE
    return code


def _main(argv: Sequence[str] | None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=_log_level(args), format="%(levelname)s %(name)s: %(message)s")
    func: Callable[[Config, argparse.Namespace], int] = args.func
    try:
        return func(load_config(args.config), args)
    except (
        ConfigError, StoreError, ModelError, ModelInstallError, UserError, ListenError,
        TrainError, QueueError, DaemonError, ClientError, HistoryError, InstanceError, ScanError,
        MissingExtraError,
    ) as e:  # fmt: skip
        print(f"moodplay: {e}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("moodplay: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
