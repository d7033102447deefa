"""Every command's handler on the live session, and how each one is undone.

Handlers run on the session thread (the registry calls them from ``LiveSession._execute``). A
handler that changes state pushes how to put it back on the session's undo stack, so ``undo``
from any surface reverts the last command, whichever surface sent it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from moodplay._clock import follow_clock
from moodplay._commands import CommandRefusedError, Registry
from moodplay._queue_handlers import QueueCommands
from moodplay._undo import Playback, UndoStack, state_back, unlearn
from recommend import Point, SessionEvent

if TYPE_CHECKING:
    from moodplay._live import LiveSession

VOLUME_STEP = 10
POINT_REQUEST = "spot on the map"
"""What a request for a point of the plane (``mood_point``) is called: the reasons say "the
spot on the map you asked for"."""
REQUEST_FIELDS = ("target", "request", "axis", "prefer_instrumental", "wind_down")
"""The listener state a request sets (``recommend.Request.apply``), for undo."""
REQUEST_FITS = 0.2
"""A track playing farther than this on the mood plane (valence x energy, 0..1 each) from what a
request aims at (the plan's target, brought into the library's range) gives way to the first
re-planned track at once; a nearer one plays on. ("Play something energetic" during a calm
track means now, as a spoken request does on other speakers.)"""


class Handlers(QueueCommands):
    def __init__(self, session: LiveSession) -> None:
        self.s = session
        self.undo = UndoStack()

    def bind(self, registry: Registry) -> Registry:
        handlers: dict[str, Callable[..., Any]] = {
            "play": self.cmd_play, "resume": self.cmd_play, "pause": self.cmd_pause,
            "stop": self.cmd_stop, "next": self.cmd_next, "previous": self.cmd_previous,
            "volume_up": lambda: self.cmd_volume(self.s.user_volume + VOLUME_STEP),
            "volume_down": lambda: self.cmd_volume(self.s.user_volume - VOLUME_STEP),
            "volume_set": self.cmd_volume,
            "mute": lambda: self.cmd_mute(True), "unmute": lambda: self.cmd_mute(False),
            "mood_request": self.cmd_mood, "mood_point": self.cmd_point,
            "mood_statement": self.cmd_statement,
            "more_like_this": lambda: self._feedback("more_like_this"),
            "like": lambda: self._feedback("liked"), "dislike": lambda: self._feedback("disliked"),
            "ban": self.cmd_ban, "whats_playing": self.cmd_whats_playing,
            "why_this": self.cmd_why, "wind_down": self.cmd_wind_down,
            "play_artist": lambda artist: self._play_named("artist", artist),
            "play_album": lambda album: self._play_named("album", album),
            "play_title": lambda title: self._play_named("title", title),
            "add": self.cmd_add, "unqueue": self.cmd_unqueue, "clear": self.cmd_clear,
            "update": self.cmd_update, "sleep": self.cmd_sleep, "private": self.cmd_private,
            "repeat": lambda on: self._switch("repeat", on),
            "single": lambda on: self._switch("single", on),
            "undo": self.undo.undo,
        }  # fmt: skip
        for name, handler in handlers.items():
            registry.bind(name, handler)
        return registry

    # -- what undo puts back -------------------------------------------------------------------

    def _transport(self, label: str, action: Callable[[], object], track: bool = False) -> None:
        """Run a play-state change; undoable when it changed anything."""
        before = Playback.capture(self.s)
        action()
        if not before.same(Playback.capture(self.s)):
            self.undo.push(label, lambda: before.restore(self.s, track))

    def _replan(self) -> None:
        """Plan again from the listener state, keeping what plays and what is prepared."""
        s = self.s
        s.queue.replan(s.queue.queue[:2])
        s.apply_manual()
        if s.player.current is not None:
            s.player.prepare(s.next_track())

    def _name(self, index: int) -> str:
        info = self.s.tracks[int(self.s.cat.track_ids[index])]
        return f"{info.title} by {info.artist}"

    # -- transport -----------------------------------------------------------------------------

    def cmd_play(self) -> None:
        """Play or resume. Raises CommandRefusedError (with the planner's reason) when there is
        nothing to play."""
        self._transport("play", self._play)

    def _play(self) -> None:
        s = self.s
        follow_clock(s, resumed=True)  # after a long pause: a new listening session
        if s.player.current is None:
            if not s.queue.plan.entries:  # a plan left empty may have tracks again by now
                s.queue.replan(s.manual.head(None))
            self._refuse_empty("nothing to play")
            start, s.resume_at = s.resume_at, 0.0
            s.start_current(start)
        else:
            s.player.pause(False)

    def _refuse_empty(self, what: str) -> None:
        """Raise CommandRefusedError when the plan has nothing in it, saying why."""
        plan = self.s.queue.plan
        if not plan.entries:
            raise CommandRefusedError(f"{what}: {plan.message or 'the queue is empty'}")

    def _playing(self, what: str) -> int:
        """The current track's index; CommandRefusedError when nothing plays (feedback on no
        track would be acknowledged and lost)."""
        index = self.s.current_index()
        if index is None:
            resumable = self.s.resumable()
            hint = " (say play to resume)" if resumable is not None else ""
            raise CommandRefusedError(f"nothing is playing: nothing to {what}{hint}")
        return index

    def cmd_pause(self) -> None:
        self._transport("pause", lambda: self.s.player.pause(True))

    def cmd_stop(self) -> None:
        self._transport("stop", self.s.player.stop)

    def cmd_next(self) -> None:
        s = self.s
        index = s.current_index()
        if index is None:
            return
        back = state_back(self.s, ("now", "now_confidence", "now_source"))
        undo_skip = self._skip(index, "skipped")

        def revert() -> None:
            played = s.queue.played
            if index in played:  # the session counts it as heard: not any more
                del played[len(played) - 1 - played[::-1].index(index)]
            back()
            undo_skip()

        self.undo.push(f"skip of {self._name(index)}", revert)

    def _skip(self, index: int, kind: str) -> Callable[[], None]:
        """Skip or ban the current track; returns how to take it back: the event unlearned
        and the track resumed where it was."""
        s = self.s
        before, learned = Playback.capture(self.s), len(s.queue.history.events)
        if kind == "skipped":
            position = s.player.position_s()
            event = s.record(index, kind, position)
            s.queue_event(SessionEvent(kind, s.clock.now(), index, position, s.duration(index)))
        else:
            event = s.record(index, kind)
            s.queue_event(SessionEvent(kind, s.clock.now(), index))
        s.start_current()
        forget = unlearn(self.s, event, learned)

        def revert() -> None:
            forget()
            before.restore(self.s, track=True)

        return revert

    def cmd_previous(self) -> None:
        def back() -> None:
            self.s.queue_event(SessionEvent("previous", self.s.clock.now()))
            self.s.start_current()

        self._transport("going back", back, track=True)

    # -- volume ----------------------------------------------------------------------------------

    def cmd_volume(self, percent: int) -> int:
        s = self.s
        before = s.user_volume
        s.user_volume = max(0, min(100, percent))
        s.apply_volume()
        if s.user_volume != before:
            self.undo.push(f"volume change to {s.user_volume}%", lambda: self.cmd_volume(before))
        return s.player.volume_pct

    def cmd_mute(self, on: bool) -> None:
        before = self.s.player.muted
        self.s.player.set_mute(on)
        if on != before:
            self.undo.push("mute" if on else "unmute", lambda: self.s.player.set_mute(before))

    # -- mood and feedback -----------------------------------------------------------------------

    def cmd_mood(self, mood: str) -> None:
        """A request to play: it plans toward the mood and plays (from pause or stop too).
        Raises CommandRefusedError, changing nothing, when nothing can be planned."""
        self._request(Point(*self.s.config.moods.targets[mood]), mood)

    def cmd_point(self, valence: float, energy: float) -> None:
        """Music like this: a request for a point of the mood plane (the page's map), taken
        as a mood word's request is."""
        self._request(Point(valence, energy), POINT_REQUEST)

    def _request(self, point: Point, mood: str) -> None:
        s = self.s
        before = Playback.capture(self.s)
        back = state_back(self.s, REQUEST_FIELDS)
        fresh = s.queue.expired(s.clock.now())  # the request opens a new listening session
        s.queue_event(SessionEvent("request", s.clock.now(), target=point, request=mood))
        if fresh and s.player.current is not None:
            s.player.stop()  # what paused before the gap is not what was asked for
        moved_on: Callable[[], None] | None = None
        if s.player.current is None and (fresh or not s.resume_at):
            s.resume_at = 0.0
            s.queue.replan(s.manual.head(None))  # nothing to keep: plan afresh, then start
        elif (index := s.current_index()) is not None and self._off_target(index):
            moved_on = self._give_way(index)
        else:
            s.player.prepare(s.next_track())
        try:
            self._refuse_empty(f"nothing to play for something {mood}")
        except CommandRefusedError:
            back()
            self._replan()
            if moved_on is not None:  # nothing to give way to: what played plays on
                moved_on()
                before.restore(self.s, track=True)
            raise
        self._play()

        def revert() -> None:
            back()
            self._replan()
            if moved_on is not None:
                moved_on()
            before.restore(self.s, track=fresh or moved_on is not None)

        self.undo.push(f"request for something {mood}", revert)

    def _off_target(self, index: int) -> bool:
        """Whether the track playing is farther than REQUEST_FITS from the plan's target."""
        s = self.s
        to, here = s.queue.plan.target, s.cat.point(index)
        return math.dist((here.valence, here.energy), (to.valence, to.energy)) > REQUEST_FITS

    def _give_way(self, index: int) -> Callable[[], None]:
        """The track playing gives way to the request's first track now. It is stored as
        "interrupted" (not feedback: nothing is learned of a track the listener asked past);
        returns how to forget that event again."""
        s = self.s
        event = s.record(index, "interrupted", s.player.position_s())
        forget = unlearn(self.s, event, len(s.queue.history.events))
        s.queue.replan(s.manual.head(None), avoid=[index])  # not kept, nor planned first again
        s.start_current()
        return forget

    def cmd_statement(self, feeling: str, statement: str = "") -> None:
        s = self.s
        back = state_back(self.s, ("now", "now_confidence", "now_source"))
        point = Point(*s.config.moods.feelings[feeling])
        s.queue_event(SessionEvent("mood_changed", s.clock.now(), mood=point, mood_confidence=0.8))
        s.player.prepare(s.next_track())

        def revert() -> None:
            back()
            self._replan()

        self.undo.push(f"feeling {feeling}", revert)

    def _feedback(self, kind: str) -> None:
        """Like, dislike or more-like-this the current track (CommandRefusedError when none)."""
        s = self.s
        verbs = {"liked": "like", "disliked": "dislike", "more_like_this": "play more like"}
        index = self._playing(verbs[kind])
        before, learned = Playback.capture(self.s), len(s.queue.history.events)
        back = state_back(self.s, REQUEST_FIELDS)
        event = s.record(index, kind)
        s.queue_event(SessionEvent(kind, s.clock.now(), index))
        s.player.prepare(s.next_track())
        if kind == "more_like_this" and s.player.paused:
            s.player.pause(False)  # a request to play
        forget = unlearn(self.s, event, learned)

        def revert() -> None:
            forget()
            back()
            self._replan()
            before.restore(self.s, track=False)

        label = {"liked": "like of", "disliked": "dislike of", "more_like_this": "more like"}
        self.undo.push(f"{label[kind]} {self._name(index)}", revert)

    def cmd_ban(self) -> None:
        """Ban the current track (CommandRefusedError when nothing plays)."""
        index = self._playing("ban")
        self.undo.push(f"ban of {self._name(index)}", self._skip(index, "banned"))

    def cmd_whats_playing(self) -> str:
        index = self.s.current_index()
        return "nothing is playing" if index is None else self._name(index)

    def cmd_why(self) -> str:
        s = self.s
        index = s.current_index()
        if index is None:
            return "nothing is playing"
        return s.reasons.get(int(s.cat.track_ids[index]), "it was next in the queue")

    # -- timers and switches ---------------------------------------------------------------------

    def cmd_wind_down(self) -> None:
        s = self.s
        back, deadline = state_back(self.s, ("wind_down",)), s.sleep.deadline
        s.queue_event(SessionEvent("wind_down", s.clock.now()))
        s.player.prepare(s.next_track())
        s.sleep.set(s.config.player.wind_down_min)

        def revert() -> None:
            back()
            self._replan()
            s.sleep.deadline = deadline

        self.undo.push("winding down", revert)

    def cmd_sleep(self, minutes: float) -> str:
        sleep, deadline = self.s.sleep, self.s.sleep.deadline
        sleep.set(minutes)
        answer = f"pausing in {minutes:g} minutes" if minutes else "sleep timer off"
        self.undo.push(f"sleep timer: {answer}", lambda: setattr(sleep, "deadline", deadline))
        return answer

    def cmd_private(self, on: bool) -> str:
        """Private: music plays, nothing is stored or learned until it is switched off."""
        before = self.s.private
        self.s.queue.learn = not on
        if on != before:
            self.undo.push(f"private {'on' if on else 'off'}", lambda: self.cmd_private(before))
        return "private: nothing is recorded" if on else "private off: listening is recorded"

    def _switch(self, name: str, on: bool) -> None:
        manual = self.s.manual
        before = getattr(manual, name)
        setattr(manual, name, on)
        if on != before:
            self.undo.push(f"{name} {'on' if on else 'off'}", lambda: setattr(manual, name, before))
