"""The live session: the one owner of what is playing, the queue and the listener's state.

Control surfaces (voice, CLI now; MPD and HTTP later) submit registry calls from any thread to
a bounded inbox; one thread runs ``run()``: it executes the calls, polls the player and
re-plans. Every listening event goes to the store at once, so a killed process loses nothing
committed. The commands' handlers live in ``moodplay._handlers``, what ``undo`` needs in
``moodplay._undo``.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import queue
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path

from context import ContextSource
from library import Event, Store
from moodplay._clock import SessionClock, follow_clock
from moodplay._commands import Call, app_commands, voice_commands
from moodplay._config import Config
from moodplay._handlers import Handlers
from moodplay._history_fold import build_history
from moodplay._modes import ManualQueue, SleepTimer
from moodplay._queue_cli import settings_of
from moodplay._resume import persist, restore
from moodplay._sdnotify import Watchdog
from moodplay._supervise import Guard, Heartbeat, StoreWriter
from moodplay._tracks import LiveLibrary
from moodplay._uris import library_root
from player import Player, PlayerEvent, Track
from recommend import Catalogue, ListenerState, Planner, Session, SessionEvent
from voice import Intent, IntentParser, english_number, load_phrase_table

log = logging.getLogger(__name__)


def _rows(cat: Catalogue) -> dict[int, int]:
    return {int(t): i for i, t in enumerate(cat.track_ids)}


def _nothing() -> None:
    """What a wake-up runs: the loop then polls the player."""


def _query(call: Call | Callable[[], object]) -> bool:
    """A plain function that reads live state (not a command, not a wake-up)."""
    return not isinstance(call, Call) and call is not _nothing


QUEUED_REASON = "you queued it"


class LiveSession:
    _announced: int | None = None
    """The track the log last said is playing."""

    def __init__(self, config: Config, db: Path, library: LiveLibrary, player: Player,
                 context: ContextSource) -> None:  # fmt: skip
        self.config, self.db = config, db
        self.store: Store | None = None  # opened by run(): a Store belongs to its thread
        self.cat, self.tracks = library.catalogue, library.tracks
        self.rows = _rows(library.catalogue)
        """Track id -> catalogue index (built once per library, not searched per lookup)."""
        catalogue = library.catalogue
        self.player, self.context = player, context
        player.wakeup = self._wake
        self.clock = SessionClock(context)
        state = ListenerState(self.clock.situation())
        planner = Planner(catalogue, settings_of(config))  # [recommend], as `moodplay queue`
        self.queue = Session(planner, state, length=config.recommend.queue_length)
        self.inbox: queue.Queue[tuple[Call | Callable[[], object], Future[object]]] = queue.Queue(
            maxsize=256
        )
        self.changes = 0
        """Bumped whenever what a client would show changes (MPD idle)."""
        self.handlers = Handlers(self)
        moods = config.moods
        self.registry = self.handlers.bind(
            app_commands(voice_commands(moods.targets, moods.feelings))
        )
        """Every command, bound to its handler (``moodplay._handlers``)."""
        self.reasons: dict[int, str] = {}
        self._reasons_of: object = None
        self.root = library_root(info.path for info in self.tracks.values())
        """The folder all tracks share: MPD URIs are relative to it."""
        self.manual = ManualQueue()
        self.failures: deque[str] = deque(maxlen=20)
        """Why the last tracks that could not play failed (the status shows them)."""
        self.problems: dict[str, str] = {}
        """What is wrong now, by part ("store", a loop step, ...): status and /health name it."""
        self.writer = StoreWriter(self.problems)
        """Events and the resume state, kept in memory while the store refuses writes."""
        self.guard, self.watchdog = Guard(self.problems), Watchdog()
        self.heartbeat = Heartbeat()
        self._parser: IntentParser | None = None
        self.started, self.library_at = time.monotonic(), time.time()
        self.updater: Callable[[], bool] | None = None
        """Starts a rescan in the background (the daemon sets it); False if one is running."""
        self.updating: Callable[[], bool] = lambda: False
        """True while a rescan started by ``updater`` runs."""
        self.on_library: list[Callable[[dict[str, list[str]]], None]] = []
        """Told the new artist/album/title names after a rescan (the voice grammar)."""
        self.sleep = SleepTimer()
        self.user_volume = 100
        """The volume the user asked for; quiet hours may cap what is applied."""
        self._quiet_checked = 0.0
        self.mood_log: deque[tuple[float, float, float]] = deque(maxlen=720)
        """(time, valence, energy) of the listener's mood whenever it moves (the web plot)."""
        self.resume_at = 0.0
        """Where the track a restart resumes starts on "play" (0: nothing to resume)."""
        self.saved_at = 0.0
        self.saved_changes = -1

    # -- the thread-safe entry point -------------------------------------------------------

    def submit(self, call: Call | Callable[[], object]) -> Future[object]:
        """Run a registry call, or any function that reads live state, on the session thread."""
        done: Future[object] = Future()
        self.inbox.put((call, done), timeout=1.0)
        return done

    def turn(self) -> Future[object]:
        """Answered just before the loop runs its steps (clock, player, ...): a call submitted
        after it is answered once they have run. Reads between ticks skip the steps."""
        return self.submit(_nothing)

    def parse_text(self, text: str) -> Intent:
        """A typed command (MPD message, HTTP, CLI) read with the voice's phrase table and the
        library's names. Safe from any thread: the parser is rebuilt, never changed."""
        parser = self._parser
        if parser is None:
            table = load_phrase_table("en").with_names(self._names())
            parser = self._parser = IntentParser(table, self.config.voice.min_match)
        # Typed digits read as the spoken words the phrase table holds: "volume 30".
        words = re.sub(r"\b\d{1,3}\b", lambda m: english_number(int(m.group())), text)
        return parser.parse(words)

    def _names(self) -> dict[str, list[str]]:
        infos = list(self.tracks.values())
        names = {tag: sorted({getattr(i, tag) for i in infos if getattr(i, tag)})
                 for tag in ("album", "title")}  # fmt: skip
        names["artist"] = sorted({a for i in infos for a in (i.artists or (i.artist,)) if a})
        return names

    @property
    def mode(self) -> str:
        """adaptive, or manual while tracks the user queued are playing."""
        return "manual" if self.manual.pending or self.manual.playing is not None else "adaptive"

    @property
    def private(self) -> bool:
        return not self.queue.learn

    def _wake(self) -> None:
        """An engine event is waiting: end the loop's wait now (any thread; never blocks)."""
        with contextlib.suppress(queue.Full):
            self.inbox.put_nowait((_nothing, Future()))

    def run(self, stop: threading.Event, tick_s: float = 0.02) -> None:
        """The session thread until ``stop``. Raises :class:`StoreError` when the store cannot
        be opened or read at start, ``SessionError`` when a loop step keeps failing."""
        # A short busy timeout: another process's write lock never holds the loop for long;
        # the writer retries with backoff instead.
        with Store(self.db, busy_timeout_s=0.2) as store:
            self.store = self.writer.store = store
            try:
                restore(self)
                self._loop(stop, tick_s)
            finally:
                self._persist(force=True)
                self.store = self.writer.store = None

    # -- surviving a restart -----------------------------------------------------------------

    def _persist(self, force: bool = False) -> None:
        """Save the resume state (at most once a second unless ``force``): ``_resume.persist``."""
        persist(self, force)

    def resumable(self) -> int | None:
        """The track a restart resumes (paused) until "play", else None."""
        return self._resumable()

    def _resumable(self) -> int | None:
        entries = self.queue.plan.entries
        return int(entries[0].track_id) if entries and self.resume_at else None

    def _loop(self, stop: threading.Event, tick_s: float) -> None:
        """Each step guarded (``moodplay._supervise``): one that fails is reported and tried
        again on the next turn, never the end of the thread. The steps run every ``tick_s``
        and after each command or player wake-up; a plain function between ticks (a read, e.g.
        MPD's status under 50 polling clients) is answered without them."""
        step = self.guard.step
        due = 0.0
        while not stop.is_set():
            self.watchdog.beat()
            self.heartbeat.beat()
            try:
                call, done = self.inbox.get(timeout=max(0.0, due - time.monotonic()))
            except queue.Empty:
                pass
            else:
                self._execute(call, done)
                if _query(call) and time.monotonic() < due:
                    continue  # a read (MPD status, HTTP view): the steps keep their tick
            due = time.monotonic() + tick_s
            step("player", self._poll_player)
            step("timers", self._tick)
            step("view", self._log_mood)
            step("reasons", self._keep_reasons)
            step("resume state", self._persist)
            step("store", self.writer.flush)

    def _poll_player(self) -> None:
        for event in self.player.poll():
            self.changes += 1
            self._on_player(event)

    def _tick(self) -> None:
        """Timers: the clock, the sleep timer, and (each second) the quiet-hours volume cap."""
        follow_clock(self)
        if self.sleep.due():
            log.info("sleep timer: pausing")
            self.player.pause(True)
            self.changes += 1
        now = time.monotonic()
        if now - self._quiet_checked >= 1.0:
            self._quiet_checked = now
            if self.apply_volume():
                self.changes += 1

    def apply_volume(self) -> bool:
        """Set the player to the user's volume, capped during quiet hours; True if it moved."""
        cap = self.config.player.quiet_volume_pct if self.context.snapshot().quiet_hours else 100
        wanted = min(self.user_volume, cap)
        if wanted == self.player.volume_pct:
            return False
        self.player.set_volume(wanted)
        return True

    def _keep_reasons(self) -> None:
        """Each queued track's reason; a track kept through a re-plan keeps its first reason."""
        plan = self.queue.plan
        if plan is self._reasons_of:
            return
        self._reasons_of = plan
        queued = set(self.manual.pending)
        self.reasons = {e.track_id: QUEUED_REASON if e.index in queued else
                        self.reasons.get(e.track_id, e.reason) if "kept" in e.parts
                        else e.reason for e in plan.entries}  # fmt: skip

    def _log_mood(self) -> None:
        state, plan = self.queue.state, self.queue.plan
        point = state.now if state.now is not None else plan.start
        if not self.mood_log or self.mood_log[-1][1:] != (point.valence, point.energy):
            self.mood_log.append((time.time(), point.valence, point.energy))

    def _execute(self, call: Call | Callable[[], object], done: Future[object]) -> None:
        if not done.set_running_or_notify_cancel():
            return  # the caller gave up waiting (a time-out cancels the future)
        try:
            result = self.registry.run(call) if isinstance(call, Call) else call()
            if isinstance(call, Call):
                self.changes += 1
            done.set_result(result)
        except Exception as e:  # reported to the caller, never fatal to the loop
            log.warning("%s failed: %s", getattr(call, "name", "a query"), e)
            done.set_exception(e)

    # -- playback ----------------------------------------------------------------------------

    def _track(self, index: int) -> Track:
        track_id = int(self.cat.track_ids[index])
        info = self.tracks[track_id]
        return Track(track_id, info.path, info.gain_db)

    def start_current(self, start_s: float = 0.0, started: Track | None = None) -> None:
        entries = self.queue.plan.entries
        if not entries:
            self.player.stop()
            return
        self.manual.started(entries[0].index)
        track = self._track(entries[0].index)
        if track != started:
            self.player.start(track, start_s)
        self._announce(track, self.reasons.get(track.track_id) or entries[0].reason)
        self.player.prepare(self._track(entries[1].index) if len(entries) > 1 else None)

    def _announce(self, track: Track, reason: str) -> None:
        """One log line when the track playing changes: what, by whom, and why it was picked."""
        if track.track_id == self._announced:
            return
        self._announced = track.track_id
        info = self.tracks[track.track_id]
        log.info("now playing %s by %s: %s", info.title or track.path.name,
                 info.artist or "an unknown artist", reason or "no reason recorded")  # fmt: skip

    def _start_prepared(self) -> Track | None:
        """At the end of a track: the prepared one starts before any bookkeeping (the store,
        the re-plan), so the gap is the player's alone."""
        prepared = self.player.prepared
        if prepared is None or self.manual.single:  # single: the same again, or a stop
            return None
        self.player.start(prepared)
        return prepared

    def queue_event(self, event: SessionEvent) -> None:
        """Tell the recommender (the clock first), then put the user's queued tracks first."""
        follow_clock(self)
        self.queue.on(event)
        self.apply_manual(moved_on=event.kind in ("played", "skipped", "banned"))

    def apply_manual(self, moved_on: bool = False) -> None:
        """Lead the plan with [what plays now, *queued]; after an end or a skip the plan's first
        entry is not playing yet, so the user's queue goes before it."""
        entries = self.queue.plan.entries
        playing = entries and self.player.current is not None and not moved_on
        current = entries[0].index if playing else None
        want = self.manual.head(current)[: self.queue.length]
        if [e.index for e in entries[: len(want)]] != want:
            self.queue.replan(want)

    def _on_player(self, event: PlayerEvent) -> None:
        if event.kind == "output":  # the sound server went away (a reason) or came back
            if event.reason:
                self.problems["output"] = event.reason
            else:
                self.problems.pop("output", None)
            return
        if event.track is None or event.track.track_id not in self.rows:  # gone in a rescan
            self.start_current()
            return
        index = self.index_of(event.track.track_id)
        started = None
        if event.kind == "failed":
            self._failed(index, event.reason)
        else:
            started = self._start_prepared()
            log.info("track ended: %s", event.track.path.name)
            self.record(index, "played", self.duration(index))
            self.manual.ended(index)
            duration = self.duration(index)
            self.queue_event(SessionEvent("played", self.clock.now(), index, duration, duration))
            if self.manual.stop_after_track():  # MPD's single without repeat
                self.player.stop()
                return
        self.start_current(started=started)

    def _failed(self, index: int, reason: str) -> None:
        """A file gone or undecodable: logged and stored as "failed", never learned as a skip;
        the queue moves on without it."""
        log.warning("skipping a track that cannot play: %s", reason)
        self.failures.append(reason)
        self.record(index, "failed", self.player.position_s())
        learn, self.queue.learn = self.queue.learn, False
        try:
            self.queue_event(SessionEvent("skipped", self.clock.now(), index, 0.0, 0.0))
        finally:
            self.queue.learn = learn

    def index_of(self, track_id: int) -> int:
        """The catalogue index of a track id (KeyError when it is not in the library)."""
        return self.rows[track_id]

    def _ids(self, indices: list[int]) -> list[int]:
        return [int(self.cat.track_ids[i]) for i in indices]

    def duration(self, index: int) -> float:
        return float(self.cat.duration_s[index])

    def record(self, index: int, kind: str, position_s: float = 0.0) -> Event | None:
        """Store a listening event at once; the event, or None in a private session."""
        if self.private:
            return None  # a private session plays but keeps and learns nothing
        snap, track_id = self.context.snapshot(), int(self.cat.track_ids[index])
        why = {"reason": self.reasons[track_id]} if track_id in self.reasons else {}
        event = Event(
            track_id, kind, snap.timestamp, snap.part_of_day, position_s, self.duration(index),
            dataclasses.asdict(snap) | why,  # the context, and why the track was picked
        )  # fmt: skip
        self.writer.record(event)  # written now, or kept until the store takes writes
        return event

    def current_index(self) -> int | None:
        entries = self.queue.plan.entries
        return entries[0].index if entries and self.player.current else None

    def next_track(self) -> Track | None:
        entries = self.queue.plan.entries
        return self._track(entries[1].index) if len(entries) > 1 else None

    def duck(self, on: bool) -> None:
        """Quieter while the listener speaks to it (voice activity), back after the command."""
        self.player.duck(on, self.config.player.duck_pct)

    def swap_library(self, library: LiveLibrary) -> None:
        """After a rescan: the new catalogue, the same listener; what plays keeps playing."""
        assert self.store is not None
        head, pending = self._ids(self.queue.queue[:2]), self._ids(self.manual.pending)
        played = self._ids(self.queue.played)
        self.cat, self.tracks = library.catalogue, library.tracks
        self.root = library_root(info.path for info in self.tracks.values())
        self._parser = None  # new names
        self.library_at = time.time()
        self.rows = new = _rows(self.cat)
        planner = Planner(self.cat, settings_of(self.config))
        session = Session(planner, self.queue.state, build_history(self.store, self.cat),
                          self.queue.length, self.queue.seed)  # fmt: skip
        session.learn, session.played = self.queue.learn, [new[t] for t in played if t in new]
        self.queue = session
        self.manual.pending = [new[t] for t in pending if t in new]
        self.manual.playing = None
        keep = [new[t] for t in head if t in new]
        lead = self.manual.head(keep[0] if keep else None)
        self.queue.replan(lead + [i for i in keep[1:] if i not in lead])
        self.handlers.undo.clear()  # what it would revert names tracks by the old catalogue
        self.changes += 1
        names = self._names()
        for hook in self.on_library:
            hook(names)
