"""MPD song filters as MPD 0.23 parses them (src/song/Filter.cxx), without I/O.

A filter is old-style tag/value pairs (``find artist X album Y``: all must hold) and/or filter
expressions (``(Artist == "X")``, ``(Album contains "y")``, ``(Title =~ "^A")``,
``(!(...))``, ``((A) AND (B))``, ``(base "folder")``), then optional ``sort [-]TAG`` and
``window START:END``. ``find`` compares case-sensitively, ``search`` folds case and takes old-style
values as substrings. Errors are MPD's ACK texts.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from moodplay.mpd._protocol import Ack, ProtocolError

TAG_TYPES = (
    "artist", "artistsort", "album", "albumsort", "albumartist", "albumartistsort", "title",
    "titlesort", "track", "name", "genre", "mood", "date", "originaldate", "composer",
    "composersort", "performer", "conductor", "work", "ensemble", "movement", "movementnumber",
    "location", "grouping", "comment", "disc", "label",
)  # fmt: skip
"""MPD's tag names (lowercase), any of which a filter may name; moodplay's songs carry
Artist, AlbumArtist, Album, Title, Track, Date, Genre and Disc, so the others only match an
empty value."""
OPERATORS = ("==", "!=", "contains", "!contains", "=~", "!~")


@dataclass(frozen=True)
class Song:
    """What a filter looks at: the song's URI and its tags (lowercase names, non-empty values;
    a multi-value tag as a tuple, each value matched and listed on its own, as MPD does)."""

    uri: str
    tags: dict[str, str | tuple[str, ...]]
    duration_s: float = 0.0

    def values(self, tag: str) -> list[str]:
        if tag == "file":
            return [self.uri]
        if tag == "any":
            return [v for t in self.tags for v in self.values(t)]
        if tag == "albumartist" and tag not in self.tags:  # MPD falls back on the artist
            tag = "artist"
        value = self.tags.get(tag, ())
        return [value] if isinstance(value, str) else list(value)


Predicate = Callable[[Song], bool]


@dataclass
class Filter:
    """A parsed filter: every predicate must hold; ``bases`` are the folders it names (the
    caller checks they exist, as MPD does)."""

    predicates: list[Predicate] = field(default_factory=list)
    bases: list[str] = field(default_factory=list)
    sort: str | None = None
    descending: bool = False
    window: tuple[int, int] | None = None

    def matches(self, song: Song) -> bool:
        return all(p(song) for p in self.predicates)

    def apply(self, songs: Sequence[Song]) -> list[Song]:
        """The matching songs, sorted and windowed as asked."""
        hits = [s for s in songs if self.matches(s)]
        if self.sort is not None:
            tag = self.sort

            def key(song: Song) -> str:
                return (song.values(tag) or [""])[0].casefold()

            hits.sort(key=key, reverse=self.descending)
        if self.window is not None:
            hits = hits[self.window[0] : self.window[1]]
        return hits


def parse(args: list[str], fold_case: bool, *, sort_window: bool = True) -> Filter:
    """``find``/``search`` arguments as MPD parses them; raises ProtocolError(ARG)."""
    args, result = list(args), Filter()
    if sort_window:
        _sort_and_window(args, result)
    if not args:
        raise ProtocolError(Ack.ARG, "Incorrect number of filter arguments")
    while args:
        if args[0].startswith("("):
            text = args.pop(0)
            predicate, end = _expression(text, 0, fold_case, result)
            if text[end:]:
                raise ProtocolError(Ack.ARG, "Unparsed garbage after expression")
            result.predicates.append(predicate)
            continue
        if len(args) < 2:
            raise ProtocolError(Ack.ARG, "Incorrect number of filter arguments")
        tag, value = args.pop(0).lower(), args.pop(0)
        result.predicates.append(_pair(tag, value, fold_case, result))
    return result


def _sort_and_window(args: list[str], result: Filter) -> None:
    """MPD takes ``sort`` and ``window`` from the end of the arguments, in either order."""
    while len(args) >= 2 and args[-2] in ("sort", "window"):
        word, value = args[-2], args[-1]
        del args[-2:]
        if word == "sort":
            result.descending = value.startswith("-")
            tag = value.removeprefix("-").lower()
            if tag not in TAG_TYPES:
                raise ProtocolError(Ack.ARG, "Unknown sort tag")
            result.sort = tag
        else:
            result.window = parse_range(value)


def parse_range(text: str) -> tuple[int, int]:
    """``N`` (one), ``N:M`` or ``N:`` (to the end) as MPD parses a range: (start, end)."""
    first, colon, last = text.partition(":")
    try:
        start = int(first)
        end = (int(last) if last else 2**31 - 1) if colon else start + 1
    except ValueError:
        raise ProtocolError(Ack.ARG, f"Integer or range expected: {text}") from None
    if start < 0 or end < start:
        raise ProtocolError(Ack.ARG, f"Malformed range: {text}")
    return start, end


def _pair(tag: str, value: str, fold_case: bool, result: Filter) -> Predicate:
    """One old-style pair: ``find`` is exact, ``search`` a case-folded substring."""
    if tag == "base":
        return _base(value, result)
    if tag not in ("any", "file", *TAG_TYPES):
        raise ProtocolError(Ack.ARG, "Unknown filter type")
    return _match(tag, value, fold_case, substring=fold_case, negated=False)


def _base(value: str, result: Filter) -> Predicate:
    folder = value
    if not folder or any(part in ("", ".", "..") for part in folder.split("/")):
        raise ProtocolError(Ack.ARG, "Bad URI")  # MPD's uri_safe_local: no "/x", "x/", "x//y"
    result.bases.append(folder)
    return lambda song: song.uri == folder or song.uri.startswith(folder + "/")


def _match(tag: str, value: str, fold_case: bool, *, substring: bool, negated: bool,
           regex: re.Pattern[str] | None = None) -> Predicate:  # fmt: skip
    wanted = value.casefold() if fold_case else value

    def test(text: str) -> bool:
        if regex is not None:
            return regex.search(text) is not None
        text = text.casefold() if fold_case else text
        return wanted in text if substring else wanted == text

    def predicate(song: Song) -> bool:
        values = song.values(tag)
        # an absent tag matches only an empty value (MPD's TagSongFilter)
        hit = any(test(v) for v in values) if values else not value
        return hit != negated

    return predicate


def _skip(text: str, i: int) -> int:
    while i < len(text) and text[i] in " \t":
        i += 1
    return i


def _expect(text: str, i: int, char: str) -> int:
    i = _skip(text, i)
    if not text.startswith(char, i):
        raise ProtocolError(Ack.ARG, f"'{char}' expected")
    return i + 1


def _expression(text: str, i: int, fold_case: bool, result: Filter) -> tuple[Predicate, int]:
    """One parenthesised expression starting at ``text[i]``; the predicate and where it ends."""
    i = _expect(text, i, "(")
    i = _skip(text, i)
    if text.startswith("(", i):
        return _conjunction(text, i, fold_case, result)
    if text.startswith("!", i):
        inner, i = _expression(text, i + 1, fold_case, result)
        return (lambda song: not inner(song)), _expect(text, i, ")")
    name_match = re.compile(r"[A-Za-z0-9_-]+").match(text, i)
    name = name_match.group() if name_match else ""
    i = _skip(text, i + len(name))
    if name == "base":
        value, i = _quoted(text, i)
        return _base(value, result), _expect(text, i, ")")
    tag = name.lower()
    if tag not in ("any", "file", *TAG_TYPES):
        raise ProtocolError(Ack.ARG, f"Unknown filter type: {name}")
    op = next((o for o in sorted(OPERATORS, key=len, reverse=True) if text.startswith(o, i)), "")
    if not op:
        raise ProtocolError(Ack.ARG, "'==' or '!=' expected")
    value, i = _quoted(text, _skip(text, i + len(op)))
    regex = _regex(value, fold_case) if op in ("=~", "!~") else None
    negated = op.startswith("!")
    predicate = _match(tag, value, fold_case, substring="contains" in op, negated=negated,
                       regex=regex)  # fmt: skip
    return predicate, _expect(text, i, ")")


def _conjunction(text: str, i: int, fold_case: bool, result: Filter) -> tuple[Predicate, int]:
    """``(A) AND (B) ...)``: the inner expressions of ``((A) AND (B))``, and the closing ')'."""
    parts: list[Predicate] = []
    while True:
        part, i = _expression(text, i, fold_case, result)
        parts.append(part)
        i = _skip(text, i)
        if text.startswith(")", i):
            return (lambda song: all(p(song) for p in parts)), i + 1
        if not text.startswith("AND", i):
            raise ProtocolError(Ack.ARG, "'AND' expected")
        i = _skip(text, i + 3)


def _quoted(text: str, i: int) -> tuple[str, int]:
    """A string in double or single quotes with backslash escapes, as MPD's ExpectQuoted."""
    if i >= len(text) or text[i] not in "\"'":
        raise ProtocolError(Ack.ARG, "Quoted string expected")
    quote, out, i = text[i], [], i + 1
    while i < len(text) and text[i] != quote:
        if text[i] == "\\" and i + 1 < len(text):
            i += 1
        out.append(text[i])
        i += 1
    if i >= len(text):
        raise ProtocolError(Ack.ARG, "Closing quote not found")
    return "".join(out), i + 1


def _regex(pattern: str, fold_case: bool) -> re.Pattern[str]:
    try:
        return re.compile(pattern, re.IGNORECASE if fold_case else 0)
    except re.error as e:  # MPD names PCRE's message; Python's differs in words
        raise ProtocolError(Ack.ARG, f"Error in regex: {e}") from None


LABELS = {"albumartist": "AlbumArtist", "albumartistsort": "AlbumArtistSort",
          "artistsort": "ArtistSort", "albumsort": "AlbumSort", "titlesort": "TitleSort",
          "originaldate": "OriginalDate", "composersort": "ComposerSort",
          "movementnumber": "MovementNumber", "file": "file"}  # fmt: skip
"""MPD's spelling of the tag names that are not simply capitalised."""


def label(tag: str) -> str:
    return LABELS.get(tag, tag.capitalize())


@dataclass
class ListQuery:
    """``list TAG [FILTER] [group TAG]...``: ``groups`` outermost first."""

    tag: str
    groups: list[str]
    filter: Filter


def _list_tag(name: str, *, allow_file: bool = True) -> str:
    tag = name.lower()
    if tag not in TAG_TYPES and not (allow_file and tag == "file"):
        raise ProtocolError(Ack.ARG, f"Unknown tag type: {name}")
    return tag


def parse_list(args: list[str]) -> ListQuery:
    """``list``'s arguments as MPD 0.23 parses them (src/command/DatabaseCommands.cxx)."""
    if not args:
        raise ProtocolError(Ack.ARG, 'too few arguments for "list"')
    args = list(args)
    tag = _list_tag(args.pop(0))
    legacy = Filter()
    if len(args) == 1 and not args[0].startswith("("):  # "list album ARTIST", from MPD 0.12
        if tag != "album":
            raise ProtocolError(Ack.ARG, 'should be "Album" for 3 arguments')
        legacy.predicates.append(_match("artist", args.pop(), False, substring=False,
                                        negated=False))  # fmt: skip
    groups: list[str] = []
    while len(args) >= 2 and args[-2] == "group":
        group = _list_tag(args[-1], allow_file=False)
        if group == tag:
            raise ProtocolError(Ack.ARG, "Conflicting group")
        groups.append(group)
        del args[-2:]
    query = parse(args, fold_case=False, sort_window=False) if args else legacy
    return ListQuery(tag, groups, query)


def list_pairs(query: ListQuery, songs: Sequence[Song]) -> list[tuple[str, object]]:
    """The distinct values, each group's value before the values under it, sorted as MPD
    sorts them (bytewise); a song without the tag counts as an empty value, as in MPD."""
    hits = query.filter.apply(songs)
    return _grouped([*query.groups, query.tag], hits)


def _grouped(tags: list[str], songs: list[Song]) -> list[tuple[str, object]]:
    tag, rest = tags[0], tags[1:]
    by_value: dict[str, list[Song]] = {}
    for song in songs:
        for value in song.values(tag) or [""]:
            by_value.setdefault(value, []).append(song)
    pairs: list[tuple[str, object]] = []
    for value in sorted(by_value, key=lambda v: v.encode()):
        pairs.append((label(tag), value))
        if rest:
            pairs += _grouped(rest, by_value[value])
    return pairs


def parse_count(args: list[str]) -> tuple[Filter, str | None]:
    """``count [FILTER] [group TAG]``: the filter and the group tag, as MPD 0.23 parses them."""
    if not args:
        raise ProtocolError(Ack.ARG, 'too few arguments for "count"')
    args, group = list(args), None
    if len(args) >= 2 and args[-2] == "group":
        group = _list_tag(args[-1], allow_file=False)
        del args[-2:]
    return (parse(args, fold_case=False, sort_window=False) if args else Filter()), group


def count_pairs(
    query: Filter, group: str | None, songs: Sequence[Song]
) -> list[tuple[str, object]]:
    """``songs``/``playtime`` (whole seconds) of the matches, per group value when grouped."""
    hits = query.apply(songs)
    if group is None:
        return _totals(hits)
    by_value: dict[str, list[Song]] = {}
    for song in hits:
        for value in song.values(group) or [""]:
            by_value.setdefault(value, []).append(song)
    pairs: list[tuple[str, object]] = []
    for value in sorted(by_value, key=lambda v: v.encode()):
        pairs += [(label(group), value), *_totals(by_value[value])]
    return pairs


def _totals(songs: list[Song]) -> list[tuple[str, object]]:
    return [("songs", len(songs)), ("playtime", int(sum(s.duration_s for s in songs)))]
