"""MPD queue and playback commands: play, pause, add/delete, seek, queue listings, priorities."""

from __future__ import annotations

import math
from collections.abc import Callable

from moodplay._uris import resolve, uri_of
from moodplay.mpd import _filter as mpd_filter
from moodplay.mpd._base import TIMEOUT_S, FacadeCore, _bounded_int, _int_arg, _queue_range
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError


class QueueCommands(FacadeCore):
    """MPD's queue and playback commands in terms of the live session."""

    def _play(self, args: list[str]) -> Pairs:
        """``play`` resumes; ``play POS`` plays that queue entry (-1: as ``play``)."""
        position = _int_arg("play", args)
        if position is None or position < 0:
            self._run("play")
            return []
        queue = self._snap().queue
        if position >= len(queue):
            raise ProtocolError(Ack.ARG, "Bad song index")
        self._play_track(queue[position])
        return []

    def _playid(self, args: list[str]) -> Pairs:
        track_id = _int_arg("playid", args)
        if track_id is None or track_id < 0:
            self._run("play")
            return []
        if track_id not in self._snap().queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        self._play_track(track_id)
        return []

    def _play_track(self, track_id: int, start_s: float = 0.0) -> None:
        """Start a queue entry from ``start_s`` seconds: it leads the user's own queue (an
        adaptive entry becomes the user's); adaptive entries before it give way, the user's
        stay."""
        session = self.session

        def jump() -> None:
            index = session.index_of(track_id)
            if index in session.manual.pending:
                session.manual.pending.remove(index)
            session.manual.pending.insert(0, index)
            session.player.stop()
            session.resume_at = 0.0
            session.queue.replan(session.manual.head(None))
            session.start_current(start_s)
            session.changes += 1

        self.touched = True
        session.submit(jump).result(timeout=TIMEOUT_S)

    def _pause(self, args: list[str]) -> Pairs:
        if args:
            _boolean(args[0])
        paused = self._snap().state == "pause"
        want = (args[0] == "1") if args else not paused
        self._run("pause" if want else "resume")
        return []

    def _switch(self, name: str) -> Callable[[list[str]], Pairs]:
        def run(args: list[str]) -> Pairs:
            if name == "single" and args[0] == "oneshot":
                return self._oneshot()
            _boolean(args[0])
            self._run(name, on=args[0])
            if name == "single":
                self.session.manual.oneshot = False
            return []

        return run

    def _oneshot(self) -> Pairs:
        """``single oneshot``: single until the next track ends, then off (MPD 0.21+)."""
        manual = self.session.manual

        def set_oneshot() -> None:
            manual.single = manual.oneshot = True

        self.session.submit(set_oneshot).result(timeout=TIMEOUT_S)
        self.touched = True
        self.events.add("options")
        return []

    def _unsupported_on(self, name: str) -> Callable[[list[str]], Pairs]:
        """moodplay orders the queue itself: "random 0" is accepted, "random 1" explained."""

        def run(args: list[str]) -> Pairs:
            if args != ["0"]:
                raise ProtocolError(Ack.ARG, f"{name}: moodplay picks the order itself; only 0")
            return []

        return run

    def _add(self, args: list[str]) -> Pairs:
        """``add URI``: a file or a folder joins the user's queue (``add URI POS``: see
        OrderCommands._add_at)."""
        if not resolve(args[0], self.session.tracks, self.session.root):
            raise ProtocolError(Ack.NO_EXIST, "No such directory")
        self._run("add", uri=args[0].strip() or "/")  # "": the whole library, as MPD
        return []

    def _addid(self, args: list[str]) -> Pairs:
        ids = resolve(args[0], self.session.tracks, self.session.root)
        if len(ids) != 1:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        self._run("add", uri=args[0])
        return [("Id", ids[0])]

    def _playlistid(self, args: list[str]) -> Pairs:
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, 'too many arguments for "playlistid"')
        queue = self._snap().queue
        wanted = [_bounded_int(args[0], 0, 2**31 - 1)] if args else queue
        if args and wanted[0] not in queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        return [p for tid in wanted for p in self._song(tid, queue.index(tid))]

    def _seekcur(self, args: list[str]) -> Pairs:
        """``seekcur 30`` goes to 0:30; ``seekcur +10`` / ``-5`` move from where it plays."""
        if len(args) != 1:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "seekcur"')
        return self._seek_to(args[0], relative=args[0].startswith(("+", "-")))

    def _seek(self, args: list[str]) -> Pairs:
        """``seek POS TIME``: the entry at POS from TIME (it starts playing when it is not the
        current one, as in MPD)."""
        if len(args) != 2:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "seek"')
        position = _bounded_int(args[0], 0, 2**31 - 1)
        queue = self._snap().queue
        if position >= len(queue):
            raise ProtocolError(Ack.ARG, "Bad song index")
        return self._seek_song(queue[position], args[1])

    def _seekid(self, args: list[str]) -> Pairs:
        """``seekid ID TIME``: as ``seek``, by song id."""
        if len(args) != 2:
            raise ProtocolError(Ack.ARG, 'wrong number of arguments for "seekid"')
        track_id = _bounded_int(args[0], 0, 2**31 - 1)
        if track_id not in self._snap().queue:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        return self._seek_song(track_id, args[1])

    def _seek_song(self, track_id: int, text: str) -> Pairs:
        """From TIME seconds (never relative: MPD reads "+3" as 3 here, only seekcur moves)."""
        if _float(text) < 0:
            raise ProtocolError(Ack.ARG, f"Negative value not allowed: {text}")
        snap = self._snap()
        if snap.state == "stop" or snap.current != track_id:  # it starts there (one step:
            seconds = _float(text)  # a seek right after a start can race libVLC's opening)
            duration = self._info(track_id)[1]
            self._play_track(track_id, 0.0 if math.isnan(seconds) else min(seconds, duration))
            self.events.add("player")
            return []
        return self._seek_to(text, relative=False)

    def _seek_to(self, text: str, relative: bool) -> Pairs:
        seconds = _float(text)
        session, player = self.session, self.session.player

        def seek() -> bool:
            """On the session thread; clamped to the track, as MPD does; False: no track."""
            resumable = session.resumable()
            if player.current is None:
                if resumable is None:
                    return False
                start, track_id = session.resume_at, resumable
            else:
                start, track_id = player.position_s(), player.current.track_id
            duration = session.duration(session.index_of(track_id))
            target = (start if relative else 0.0) + seconds
            if math.isnan(target):
                return True  # MPD answers OK and stays where it is
            target = max(0.0, min(target, duration))
            if player.current is None:
                session.resume_at = target  # paused after a restart: "play" starts there
            else:
                player.seek(target)
            return True

        if not session.submit(seek).result(timeout=TIMEOUT_S):
            raise ProtocolError(Ack.PLAYER_SYNC, "Not playing")
        self.touched = True
        self.events.add("player")
        return []

    def _currentsong(self, args: list[str]) -> Pairs:
        current = self._current(self._snap())
        return self._song(current[1], current[0]) if current is not None else []

    def _clear(self, args: list[str]) -> Pairs:
        self._run("clear")
        self.selection.song = None
        return []

    def _playlistinfo(self, args: list[str]) -> Pairs:
        """The whole queue, ``N`` (one entry) or ``N:M`` (a slice); ``-1`` is the whole queue,
        as in MPD (its compatibility with old clients)."""
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, 'too many arguments for "playlistinfo"')
        queue = self._snap().queue
        wanted = range(len(queue))
        if args and args[0] != "-1":
            wanted = _queue_range(args[0], len(queue))
        return [pair for pos in wanted for pair in self._song(queue[pos], pos)]

    def _plchanges(self, args: list[str]) -> Pairs:
        """``plchanges VERSION [START:END]``: the entries that changed since that playlist
        version (all of them for a version moodplay no longer remembers)."""
        return [pair for pos, tid in self._changes("plchanges", args)
                for pair in self._song(tid, pos)]  # fmt: skip

    def _plchangesposid(self, args: list[str]) -> Pairs:
        return [pair for pos, tid in self._changes("plchangesposid", args)
                for pair in (("cpos", pos), ("Id", tid))]  # fmt: skip

    def _changes(self, name: str, args: list[str]) -> list[tuple[int, int]]:
        if not args:
            raise ProtocolError(Ack.ARG, f'too few arguments for "{name}"')
        if len(args) > 2:
            raise ProtocolError(Ack.ARG, f'too many arguments for "{name}"')
        version = _bounded_int(args[0], 0, 2**32 - 1)
        snap = self._snap()
        wanted = range(len(snap.queue))
        if len(args) == 2:
            wanted = _queue_range(args[1], len(snap.queue))
        changed = self.versions.changed(version, snap.queue, self.session.manual.pending)
        return [(pos, snap.queue[pos]) for pos in wanted if pos in changed]

    def _playlist(self, args: list[str]) -> Pairs:
        """The queue as ``N:file: URI`` lines (deprecated in MPD, still answered)."""
        queue = self._snap().queue
        return [(f"{pos}:file", uri_of(self.session.tracks[tid].path, self.session.root))
                for pos, tid in enumerate(queue)]  # fmt: skip

    def _playlistfind(self, name: str) -> Callable[[list[str]], Pairs]:
        """``playlistfind`` (exact) and ``playlistsearch`` (case-folded substrings): the queue
        entries a filter matches, in queue order, as ``find`` reads its arguments."""

        def run(args: list[str]) -> Pairs:
            wanted = mpd_filter.parse(args, fold_case=name == "playlistsearch", sort_window=False)
            queue = self._snap().queue
            return [pair for pos, tid in enumerate(queue) if wanted.matches(self._filtered(tid))
                    for pair in self._song(tid, pos)]  # fmt: skip

        return run

    def _filtered(self, track_id: int) -> mpd_filter.Song:
        info, duration = self._info(track_id)
        return mpd_filter.Song(uri_of(info.path, self.session.root), self._tags(track_id),
                               duration)  # fmt: skip

    def _prio(self, args: list[str]) -> Pairs:
        """Accepted and checked as MPD checks it; moodplay orders its queue itself."""
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, 'too few arguments for "prio"')
        _bounded_int(args[0], 0, 255)
        length = len(self._snap().queue)
        for text in args[1:]:
            _queue_range(text, length)
        return []

    def _prioid(self, args: list[str]) -> Pairs:
        """Accepted and checked as MPD checks it; moodplay orders its queue itself."""
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, 'too few arguments for "prioid"')
        _bounded_int(args[0], 0, 255)
        queue = self._snap().queue
        for text in args[1:]:
            if _bounded_int(text, 0, 2**31 - 1) not in queue:
                raise ProtocolError(Ack.NO_EXIST, "No such song")
        return []


def _float(text: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise ProtocolError(Ack.ARG, f"Float expected: {text}") from None


def _boolean(text: str) -> bool:
    if text not in ("0", "1"):
        raise ProtocolError(Ack.ARG, f"Boolean (0/1) expected: {text}")
    return text == "1"
