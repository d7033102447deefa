"""The user's own queue's commands (MPD add/delete/clear, "play the album X") and a rescan, on
the live session; a mixin of ``Handlers`` (moodplay/_handlers.py), which has the helpers they
share (``_transport``, ``_name``) and the undo stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from moodplay._commands import CommandError
from moodplay._undo import UndoStack
from moodplay._uris import resolve
from voice import normalise

if TYPE_CHECKING:
    from moodplay._live import LiveSession
    from moodplay._tracks import TrackInfo


class QueueCommands:
    s: LiveSession
    undo: UndoStack

    def _transport(self, label: str, action: Callable[[], object], track: bool = False) -> None:
        raise NotImplementedError  # Handlers'

    def _name(self, index: int) -> str:
        raise NotImplementedError  # Handlers'

    def _queue_back(self) -> Callable[[], None]:
        """How to put the user's queue back as it is now (what plays keeps playing)."""
        s = self.s
        pending = list(s.manual.pending)

        def revert() -> None:
            s.manual.pending = list(pending)
            s.queue.replan(s.manual.head(s.current_index()))
            if s.player.current is not None:
                s.player.prepare(s.next_track())

        return revert

    def cmd_add(self, uri: str) -> int:
        s = self.s
        ids = resolve(uri, s.tracks, s.root)
        if not ids:
            raise CommandError(f"nothing in the library at {uri!r} (see lsinfo)")
        back = self._queue_back()
        added = s.manual.add(s.index_of(t) for t in ids)
        s.apply_manual()
        if s.player.current is not None:
            s.player.prepare(s.next_track())
        if added:
            self.undo.push(f"adding {uri or 'everything'}", back)
        return added

    def cmd_unqueue(self, track: int) -> None:
        """Take a track the user queued out again (MPD delete/deleteid)."""
        s = self.s
        index = s.rows.get(track, -1)
        if index not in s.manual.pending:
            raise CommandError(
                f"track {track} was not queued by you: moodplay plans that part of the queue "
                "(dislike or ban a track to keep it away)"
            )
        back = self._queue_back()
        s.manual.pending.remove(index)
        s.queue.replan(s.manual.head(s.current_index()))
        if s.player.current is not None:
            s.player.prepare(s.next_track())
        self.undo.push(f"taking {self._name(index)} out of your queue", back)

    def cmd_clear(self) -> None:
        """As in MPD: the queue is emptied and playback stops; adaptive picks fill it again."""

        def clear() -> None:
            s = self.s
            s.manual.clear()
            s.player.stop()
            s.resume_at = 0.0
            s.queue.replan([])

        self._transport("clearing the queue", clear, track=True)

    def cmd_update(self) -> str:
        if self.s.updater is None:
            raise CommandError("rescanning is not available in this process")
        return "rescanning the library" if self.s.updater() else "a rescan is already running"

    def _play_named(self, tag: str, name: str) -> str:
        s = self.s
        wanted = normalise(name)
        ids = [t for t, info in s.tracks.items()
               if wanted in {normalise(str(v)) for v in _values(info, tag)}]  # fmt: skip
        if not ids:
            raise CommandError(f"no {tag} called {name!r} in the library")
        ordered = resolve("", {t: s.tracks[t] for t in ids}, s.root)

        def play() -> None:
            s.manual.clear()
            s.manual.add(s.index_of(t) for t in ordered)
            s.player.stop()
            s.queue.replan(s.manual.head(None))
            s.start_current()

        self._transport(f"playing the {tag} {name}", play, track=True)
        return f"playing {len(ids)} track{'s' if len(ids) > 1 else ''}"


def _values(info: TrackInfo, tag: str) -> tuple[str, ...]:
    """A track's values of ``tag``: every artist of a multi-artist track, else the one."""
    if tag == "artist" and info.artists:
        return info.artists
    return (str(getattr(info, tag)),)
