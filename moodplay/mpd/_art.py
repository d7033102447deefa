"""MPD cover art: ``albumart`` (a picture file beside the song) and ``readpicture`` (the song's
embedded picture), sent in ``binarylimit``-sized chunks.

As MPD 0.23: ``albumart URI OFFSET`` looks in the folder of URI (the song need not exist) for
``cover.png``, ``cover.jpg`` then ``cover.webp`` — exactly those names; ``readpicture URI
OFFSET`` reads the song's embedded picture (the front cover when there are several) and answers
OK with nothing when it has none. A client asks again with the next offset until it has
``size`` bytes. Both read files on the connection's worker thread, never on the session's.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from library import Picture, read_picture
from moodplay._uris import uri_of
from moodplay.mpd._base import FacadeCore, _bounded_int
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError

COVER_NAMES = ("cover.png", "cover.jpg", "cover.webp")
"""What MPD 0.23.12 looks for beside a song, in this order (case matters)."""


@functools.lru_cache(maxsize=8)
def _embedded(path: str, mtime_ns: int, size: int) -> Picture | None:
    """One song's picture, kept while its file is unchanged: clients fetch it chunk by chunk."""
    return read_picture(Path(path))


class ArtCommands(FacadeCore):
    """MPD's cover-art commands over the library's files."""

    binary_limit: int

    def _art_handlers(self) -> dict[str, Callable[[list[str]], Pairs]]:
        return {"albumart": self._albumart, "readpicture": self._readpicture}

    def _art_args(self, name: str, args: list[str]) -> tuple[str, int]:
        if len(args) != 2:
            raise ProtocolError(Ack.ARG, f'wrong number of arguments for "{name}"')
        offset = _bounded_int(args[1], 0, 2**31 - 1)
        if args[0].startswith("/"):  # MPD lets only local-socket clients name files
            raise ProtocolError(Ack.PERMISSION, "Access denied")
        return args[0], offset

    def _albumart(self, args: list[str]) -> Pairs:
        uri, offset = self._art_args("albumart", args)
        cover = self._cover_file(uri)
        if cover is None:
            raise ProtocolError(Ack.NO_EXIST, "No file exists")
        size = cover.stat().st_size
        if offset > size:
            raise ProtocolError(Ack.ARG, "Offset too large")
        with cover.open("rb") as f:
            f.seek(offset)
            chunk = f.read(self.binary_limit)
        return [("size", size), ("binary", chunk)]

    def _cover_file(self, uri: str) -> Path | None:
        """The first cover file in URI's folder, if that folder is inside the library."""
        root = self.session.root.resolve()
        folder = (root / PurePosixPath(uri).parent).resolve()
        if not folder.is_relative_to(root):
            return None
        return next((folder / n for n in COVER_NAMES if (folder / n).is_file()), None)

    def _readpicture(self, args: list[str]) -> Pairs:
        uri, offset = self._art_args("readpicture", args)
        path = self._song_path(uri)
        if path is None:
            raise ProtocolError(Ack.NO_EXIST, "No such song")
        try:
            stat = path.stat()
        except OSError:  # gone since the last scan: nothing to show
            return []
        picture = _embedded(str(path), stat.st_mtime_ns, stat.st_size)
        if picture is None:
            return []
        if offset > len(picture.data):
            raise ProtocolError(Ack.ARG, "Bad file offset")
        pairs: list[tuple[str, object]] = [("size", len(picture.data))]
        if picture.mime:
            pairs.append(("type", picture.mime))
        return [*pairs, ("binary", picture.data[offset : offset + self.binary_limit])]

    def _song_path(self, uri: str) -> Path | None:
        root = self.session.root
        wanted = uri.strip("/")
        return next((info.path for info in self.session.tracks.values()
                     if uri_of(info.path, root) == wanted), None)  # fmt: skip
