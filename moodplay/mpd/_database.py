"""MPD database commands: update, lsinfo, list, count, find/search (and their -add forms), stats."""

from __future__ import annotations

import time
from collections.abc import Callable

from moodplay._uris import listing, resolve, uri_of, walk
from moodplay.mpd import _filter as mpd_filter
from moodplay.mpd._base import FacadeCore
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError


class DatabaseCommands(FacadeCore):
    """MPD's database commands in terms of the live session's library."""

    def _update(self, args: list[str]) -> Pairs:
        """``update``/``rescan``: the whole library is rescanned (moodplay scans its folders
        as one job); the answer is the job's id, the running one's if one runs already."""
        started = self._run("update") == "rescanning the library"
        job = self.update_jobs.start() if started else self.update_jobs.current
        return [("updating_db", job)]

    def _lsinfo(self, args: list[str]) -> Pairs:
        uri = args[0] if args else ""
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, 'too many arguments for "lsinfo"')
        folders, files = listing(uri, self.session.tracks, self.session.root)
        if not folders and not files:
            ids = resolve(uri, self.session.tracks, self.session.root)
            if len(ids) == 1:  # a file: MPD shows that song
                return self._song(ids[0], None)
            if uri.strip("/"):
                raise ProtocolError(Ack.NO_EXIST, "No such directory")
        pairs = [p for tid in files for p in self._song(tid, None)]
        pairs += [("directory", f) for f in folders]  # MPD 0.23: files first
        return pairs + (self._stored_playlists() if not uri.strip("/") else [])

    def _listall(self, args: list[str]) -> Pairs:
        """``listall [URI]``: every file and folder under URI (the whole library)."""
        return self._walk("listall", args, info=False)

    def _listallinfo(self, args: list[str]) -> Pairs:
        """``listallinfo [URI]``: as ``listall``, each song with its tags."""
        return self._walk("listallinfo", args, info=True)

    def _walk(self, name: str, args: list[str], info: bool) -> Pairs:
        if len(args) > 1:
            raise ProtocolError(Ack.ARG, f'too many arguments for "{name}"')
        entries = walk(args[0] if args else "", self.session.tracks, self.session.root)
        if not entries and args and args[0].strip("/"):
            raise ProtocolError(Ack.NO_EXIST, "No such directory")
        pairs: list[tuple[str, object]] = []
        for kind, value in entries:
            if kind == "directory":
                pairs.append(("directory", value))
            elif info:
                pairs += self._song(int(value), None)
            else:
                pairs.append(("file", uri_of(self.session.tracks[int(value)].path,
                                             self.session.root)))  # fmt: skip
        return pairs

    def _list(self, args: list[str]) -> Pairs:
        """``list TAG``, filtered (``list album artist X``, ``list album (FILTER)``) and grouped
        (``list album group albumartist``), as MPD 0.23."""
        return mpd_filter.list_pairs(mpd_filter.parse_list(args), self._library())

    def _library(self) -> list[mpd_filter.Song]:
        """Every song as filters see it, in MPD's database order (as ``listall`` walks it:
        a folder's songs by disc, track and file name, then its sub-folders), so ``find`` and
        ``findadd`` answer an album in order."""
        tracks = self.session.tracks
        ids = [int(t) for kind, t in walk("", tracks, self.session.root) if kind == "file"]
        return [mpd_filter.Song(uri_of(tracks[tid].path, self.session.root), self._tags(tid),
                                self._info(tid)[1]) for tid in ids]  # fmt: skip

    def _count(self, args: list[str]) -> Pairs:
        query, group = mpd_filter.parse_count(args)
        return mpd_filter.count_pairs(query, group, self._library())

    def _findadd(self, name: str) -> Callable[[list[str]], Pairs]:
        """``findadd``/``searchadd``: what ``find``/``search`` would answer, queued in order."""
        find = self._find(name)

        def run(args: list[str]) -> Pairs:
            found = find(args)
            for key, uri in found:
                if key == "file":
                    self._run("add", uri=uri)
            return []

        return run

    def _find(self, name: str) -> Callable[[list[str]], Pairs]:
        """``find`` (exact, case-sensitive) and ``search`` (case-folded substrings): tag/value
        pairs and filter expressions, as MPD 0.23 (see _filter)."""

        def run(args: list[str]) -> Pairs:
            if not args:
                raise ProtocolError(Ack.ARG, f'too few arguments for "{name}"')
            wanted = mpd_filter.parse(args, fold_case=name.startswith("search"))
            library = self._library()
            ids = {uri_of(info.path, self.session.root): tid
                   for tid, info in self.session.tracks.items()}  # fmt: skip
            for base in wanted.bases:
                if not any(s.uri == base or s.uri.startswith(base + "/") for s in library):
                    raise ProtocolError(Ack.NO_EXIST, "No such directory")
            hits = wanted.apply(library)
            return [pair for song in hits for pair in self._song(ids[song.uri], None)]

        return run

    def _stats(self, args: list[str]) -> Pairs:
        cat = self.session.cat
        artists = len(set(cat.artist.tolist()))
        albums = len({info.album for info in self.session.tracks.values() if info.album})
        return [("uptime", int(time.monotonic() - self.session.started)),
                ("playtime", int(self.play_clock.seconds())),
                ("artists", artists), ("albums", albums), ("songs", cat.size),
                ("db_playtime", int(cat.duration_s.sum())),
                ("db_update", int(self.session.library_at))]  # fmt: skip
