"""MPD stored playlists (save, load, rm, rename, listplaylists, listplaylist[info], playlistadd,
playlistdelete, playlistclear, playlistmove), kept in the database."""

from __future__ import annotations

from collections.abc import Callable

from moodplay._mpd_base import FacadeCore
from moodplay._mpd_protocol import Pairs


class PlaylistCommands(FacadeCore):
    """MPD's stored-playlist commands in terms of the live session's database."""

    def _playlist_handlers(self) -> dict[str, Callable[[list[str]], Pairs]]:
        return {}
