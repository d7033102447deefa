"""``moodplay daemon``: the composition root. Config -> store -> library -> player -> session ->
servers, and the reverse on SIGTERM/SIGINT.

One daemon per database (``moodplay._instance``); the database is checked on start. If the
session thread ends by itself (an error it cannot survive) or hangs (its loop has not come round
for ``HANG_S``, e.g. a library call that never returns), the daemon stops and exits with status
70, so systemd's ``Restart=on-failure`` starts it again. A stop that does not finish within
``STOP_S`` (a hung thread holding it) ends the process with status 70 all the same: never a
process that no longer answers.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
import threading
from pathlib import Path

from context import ContextSource, detect_device
from library import Store, StoreError, default_jobs, library_names
from moodplay._config import Config
from moodplay._instance import InstanceLock
from moodplay._live import LiveSession
from moodplay._memory import hold_malloc_thresholds
from moodplay._paths import database_path
from moodplay._queue_cli import build_catalogue
from moodplay._rescan import Rescan
from moodplay._sdnotify import notify
from moodplay._supervise import HANG_S, SessionError, dump_threads
from moodplay._tracks import LiveLibrary, track_infos
from moodplay._voice_thread import VoiceThread
from moodplay.mpd import MpdServer
from moodplay.web import HttpServer

log = logging.getLogger(__name__)

EXIT_SESSION = 70
"""Exit status when the session thread ended by itself or hung (EX_SOFTWARE)."""
JOIN_S = 5.0
"""On stop, the session thread has this long to save its state and end."""
STOP_S = 12.0
"""A stop not finished after this long (seconds from SIGTERM or the failure) exits at once."""


class DaemonError(Exception):
    """The daemon cannot start; the message says why and what to do."""


def cmd_daemon(config: Config, args: argparse.Namespace) -> int:
    """Run until SIGTERM/SIGINT: 0; :data:`EXIT_SESSION` when the session ended by itself.
    Raises :class:`DaemonError`, ``InstanceError`` (another daemon on this database) and
    ``StoreError`` (a damaged or unreadable database) before it starts playing."""
    if not _loopback(args.mpd_host) and not args.mpd_password:
        raise DaemonError(
            f"--mpd-host {args.mpd_host} is reachable from other machines: set --mpd-password "
            "too, or keep the default 127.0.0.1"
        )
    if not _loopback(args.http_host) and not args.http_token:
        raise DaemonError(
            f"--http-host {args.http_host} is reachable from other machines: set --http-token "
            "too, or keep the default 127.0.0.1"
        )
    db = database_path(config, args.db)
    lock = InstanceLock(db, "daemon").acquire()  # held until the process ends
    try:
        return _run(config, args, db)
    finally:
        lock.release()


def _run(config: Config, args: argparse.Namespace, db: Path) -> int:
    from player import open_vlc_player
    from voice import input_stream_open

    # Before libVLC starts: its per-track read buffers must go back to the system when freed.
    log.info("%s", hold_malloc_thresholds())
    with Store(db) as store:
        store.check()
        library = LiveLibrary(build_catalogue(store), track_infos(store))
    if library.catalogue.size == 0:
        raise DaemonError(f"the library {db} has no analysed tracks: run `moodplay scan` first")
    device = detect_device() if config.context.device == "auto" else config.context.device
    context = ContextSource(device, config.context.quiet_start, config.context.quiet_end)
    try:
        # PortAudio initialised again (to find a device) frees every stream: not while the
        # microphone's is open.
        player = open_vlc_player(args.aout, output_device(config),
                                 crossfade_s=config.player.crossfade_s,
                                 output=config.player.output,
                                 may_reinitialise=lambda: not input_stream_open())  # fmt: skip
    except Exception as e:
        raise DaemonError(f"libVLC cannot start ({e}); install libvlc5 and vlc-plugin-base") from e
    session = LiveSession(config, db, library, player, context)
    jobs = config.library.jobs or default_jobs()
    rescan = Rescan(config, db, jobs, lambda lib: session.submit(lambda: session.swap_library(lib)))
    session.updater = rescan.start
    session.updating = rescan.running
    stop, failure = threading.Event(), list[BaseException]()
    # A daemon thread: one hung in a library call cannot keep the process from exiting.
    thread = threading.Thread(target=_run_session, args=(session, stop, failure), name="session",
                              daemon=True)  # fmt: skip
    thread.start()
    voice = VoiceThread(config, session, _names(db))
    print(voice.start(enabled=not args.no_voice), file=sys.stderr)
    try:
        asyncio.run(_serve(session, args, voice, thread, failure))
    finally:
        notify("STOPPING=1")
        deadline = _deadline(STOP_S)
        voice.stop()
        stop.set()
        thread.join(timeout=JOIN_S)
        if thread.is_alive():
            dump_threads(f"the session thread did not stop within {JOIN_S:.0f} s")
            failure.append(SessionError(f"the session thread hung and did not stop within "
                                        f"{JOIN_S:.0f} s"))  # fmt: skip
        else:
            player.close()  # never while a hung session thread may hold libVLC's locks
            deadline.cancel()
    if failure:
        print(f"moodplay: stopped, status {EXIT_SESSION}: the session ended: {failure[0]}",
              file=sys.stderr)  # fmt: skip
        return EXIT_SESSION
    print("moodplay: stopped", file=sys.stderr)
    return 0


def output_device(config: Config) -> str | int | None:
    """The mixer's device as PortAudio takes it (an index, or a name), None for the default
    and on libVLC's own output (``--aout`` chooses there)."""
    name = config.player.output_device.strip()
    if config.player.output != "mixer" or not name:
        return None
    return int(name) if name.isdigit() else name


def _run_session(session: LiveSession, stop: threading.Event,
                 failure: list[BaseException]) -> None:  # fmt: skip
    """The session thread; an error that ends it is kept (the daemon then exits non-zero)."""
    try:
        session.run(stop)
    except BaseException as e:
        failure.append(e)
        # One clear line at once, even if the shutdown that follows hangs.
        log.critical("the session ended: %s; moodplay exits with status %d", e, EXIT_SESSION,
                     exc_info=not isinstance(e, SessionError | StoreError))  # fmt: skip
        print(f"moodplay: the session ended: {e}", file=sys.stderr, flush=True)


async def _serve(session: LiveSession, args: argparse.Namespace, voice: VoiceThread,
                 thread: threading.Thread, failure: list[BaseException]) -> None:  # fmt: skip
    await _session_up(session, thread)
    if args.play:
        await asyncio.to_thread(_play_at_start, session)
    server = MpdServer(session, args.mpd_host, args.mpd_port, args.mpd_password)
    try:
        port = await server.start()
    except OSError as e:
        raise DaemonError(f"MPD port {args.mpd_host}:{args.mpd_port}: {e.strerror}") from e
    web = await _start_web(session, args, voice)
    print(f"ready: MPD on {args.mpd_host}:{port}", file=sys.stderr, flush=True)
    notify("READY=1")
    done = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, done.set)
    watch = asyncio.create_task(_watch(session, thread, done, failure), name="watch session")
    await done.wait()
    watch.cancel()
    await server.close()
    if web is not None:
        await web.close()


def _play_at_start(session: LiveSession) -> None:
    """``--play``: start as "play" would; a refusal (nothing to play) is logged, not fatal."""
    try:
        session.submit(session.registry.resolve("play", {})).result(timeout=10)
    except Exception as e:
        log.warning("--play: not playing: %s", e)


async def _session_up(session: LiveSession, thread: threading.Thread) -> None:
    """Wait until the session loop answers (its state restored): "ready" is never printed
    for a session that has already died."""
    answered = session.submit(lambda: None)
    while not answered.done():
        if not thread.is_alive():
            raise DaemonError("the session could not start (see the line above)")
        await asyncio.sleep(0.05)


async def _watch(session: LiveSession, thread: threading.Thread, done: asyncio.Event,
                 failure: list[BaseException], hang_s: float = HANG_S) -> None:  # fmt: skip
    """Stop the servers when the session thread ends by itself, or when its loop has not come
    round for ``hang_s`` seconds (then ``failure`` gets a :class:`SessionError` naming it)."""
    while thread.is_alive():
        silent = session.heartbeat.silent_s()
        if silent >= hang_s:
            why = f"the session loop has not come round for {silent:.0f} s (hung)"
            log.critical("%s; moodplay exits with status %d", why, EXIT_SESSION)
            dump_threads(why)
            failure.append(SessionError(why))
            break
        await asyncio.sleep(0.5)
    done.set()


def _deadline(seconds: float) -> threading.Timer:
    """Arm the last resort of a stop: after ``seconds`` every thread's stack is printed and the
    process ends with :data:`EXIT_SESSION` (``os._exit``: a hung thread cannot hold it)."""

    def expire() -> None:
        # Even a stderr nobody reads (a full pipe blocks the report) cannot hold the exit.
        last = threading.Timer(2.0, os._exit, (EXIT_SESSION,))
        last.daemon = True
        last.start()
        dump_threads(f"the stop did not finish within {seconds:.0f} s")
        print(f"moodplay: stopped, status {EXIT_SESSION}: the stop hung", file=sys.stderr,
              flush=True)  # fmt: skip
        os._exit(EXIT_SESSION)

    timer = threading.Timer(seconds, expire)
    timer.daemon = True
    timer.name = "stop deadline"
    timer.start()
    return timer


async def _start_web(session: LiveSession, args: argparse.Namespace,
                     voice: VoiceThread) -> HttpServer | None:  # fmt: skip
    """The HTTP API and page are optional: a port in use disables them with one status line."""
    web = HttpServer(session, args.http_host, args.http_port, args.http_token, voice.listen_now,
                     config_path=args.config)  # fmt: skip
    try:
        port = await web.start()
    except OSError as e:
        print(f"web: off (port {args.http_host}:{args.http_port}: {e.strerror}; choose another "
              "with --http-port)", file=sys.stderr, flush=True)  # fmt: skip
        return None
    host = f"[{args.http_host}]" if ":" in args.http_host else args.http_host
    print(f"web: http://{host}:{port}/", file=sys.stderr, flush=True)
    return web


def _names(db: Path) -> dict[str, list[str]]:
    with Store(db) as store:
        return library_names(store)


def _loopback(host: str) -> bool:
    return host in ("localhost", "::1") or host.startswith("127.")
