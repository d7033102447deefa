"""MPD cover art: ``albumart`` (a picture file beside the song) and ``readpicture`` (the song's
embedded picture), sent in ``binarylimit``-sized chunks."""

from __future__ import annotations

from collections.abc import Callable

from moodplay._mpd_base import FacadeCore
from moodplay._mpd_protocol import Pairs


class ArtCommands(FacadeCore):
    """MPD's cover-art commands over the library's files."""

    def _art_handlers(self) -> dict[str, Callable[[list[str]], Pairs]]:
        return {}
