"""Tags with mutagen: title, artist, album, album artist, genre, track number, date, ReplayGain; and
the embedded picture (the cover MPD's ``readpicture`` sends).

Tag families name the same thing differently (ID3 frames, Vorbis comments, MP4 atoms); each
field lists its key per family, compared case-insensitively.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from library._id3 import (
    APE_TEXT,
    MutagenError,
    ape_tags,
    flac_picture,
    id3v1_tags,
    is_mp3,
    open_any,
    open_tags,
    rva2_gains,
)
from library._types import Picture, Tags

_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("tit2", "title", "©nam"),
    "album": ("talb", "album", "©alb"),
    "album_artist": ("tpe2", "albumartist", "album artist", "aart"),
    "track_number": ("trck", "tracknumber", "trkn", "track"),
    "track_total": ("tracktotal", "totaltracks"),
    "disc_number": ("tpos", "discnumber", "disk", "disc"),
    "disc_total": ("disctotal", "totaldiscs"),
    "date": ("tdrc", "date", "©day", "tyer", "year"),
    "rg_track_gain_db": ("replaygain_track_gain",),
    "rg_track_peak": ("replaygain_track_peak",),
    "rg_album_gain_db": ("replaygain_album_gain",),
    "rg_album_peak": ("replaygain_album_peak",),
}
_MULTI_KEYS: dict[str, tuple[str, ...]] = {
    "artists": ("tpe1", "artist", "©art"),
    "genres": ("tcon", "genre", "©gen"),
}
"""Fields that keep every value: ID3v2.4 NUL-separated text, repeated Vorbis comments, MP4 lists,
APEv2 NUL-separated values."""
_BINARY_KEYS = frozenset(("metadata_block_picture", "coverart", "covr"))
"""Keys whose values are pictures, never read as text (ID3 APIC/GEOB/PRIV are not parsed)."""
_MAX_TEXT_BYTES = 64 * 1024
"""A longer bytes value (an MP4 freeform atom) is data, not a tag: skipped, not decoded."""
_PREFIXES = ("txxx:", "----:com.apple.itunes:")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")
_POSITION = re.compile(r"\s*(\d+)\s*(?:/\s*(\d*)\s*)?")


class TagError(Exception):
    """mutagen could not parse the file's tags."""


def _normalise_key(key: str) -> str:
    key = key.lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _texts(value: object) -> list[str]:
    """Every text value of one tag entry (ID3 frame, Vorbis/MP4/APEv2 value), stripped."""
    if getattr(value, "kind", APE_TEXT) != APE_TEXT:
        return []  # an APEv2 binary item (a cover) or external link
    # ID3 frames keep their strings in .text; TCON also resolves "(17)" to "Rock" in .genres
    text = getattr(value, "genres", None) or getattr(value, "text", None)
    items = text if text is not None else value
    if not isinstance(items, list) or _is_pair(items):
        items = [items]
    out = []
    for item in items:
        if isinstance(item, bytes):
            if len(item) > _MAX_TEXT_BYTES:
                continue
            text = item.decode("utf-8", "replace")
        elif _is_pair(item):  # MP4 trkn/disk are (number, total)
            text = f"{item[0]}/{item[1]}" if item[1] else str(item[0])
        else:
            text = str(item)
        out += [part.strip() for part in text.split("\0") if part.strip()]
    return out


def _is_pair(value: object) -> bool:
    return isinstance(value, tuple) and len(value) == 2 and all(isinstance(v, int) for v in value)


def _number(text: str | None) -> float | None:
    match = _NUMBER.search(text or "")
    return float(match.group()) if match else None


def position(text: str | None) -> tuple[int | None, int | None]:
    """A track or disc position as numbers: "3/12" -> (3, 12), "3" -> (3, None); "A1",
    "-1", "0", "" and None -> (None, None) (as MPD, which sorts them before track 1)."""
    match = _POSITION.fullmatch(text or "")
    if match is None:
        return None, None
    number, total = int(match.group(1)), int(match.group(2) or 0)
    return (number if number >= 1 else None), (total if total >= 1 else None)


def _values(tags: object) -> dict[str, list[str]]:
    """{normalised key: every text value}; binary keys and values left alone."""
    if tags is None:
        return {}
    as_dict = getattr(tags, "as_dict", None)
    mapping: Mapping[str, object] = as_dict() if as_dict else tags  # type: ignore[assignment]
    out: dict[str, list[str]] = {}
    for key, value in mapping.items():
        name = _normalise_key(str(key))
        if name in _BINARY_KEYS or name.startswith("rva2"):
            continue
        texts = _texts(value)
        if texts:
            out.setdefault(name, []).extend(texts)
    return out


def read_tags(path: Path, id3v1_encoding: str = "latin-1") -> tuple[Tags, float | None]:
    """(tags, duration in seconds per mutagen) of ``path``; raises TagError on corrupt tags.

    Families are read in order, each filling only what the ones before left empty: the file's
    own tags (ID3v2, Vorbis comments, MP4 atoms, …), then ID3 RVA2 ReplayGain, then an APEv2
    tag (on MP3), then a legacy ID3v1 tag decoded with ``id3v1_encoding`` (a Python codec name).
    """
    try:
        audio = open_tags(path)
    except MutagenError as e:
        raise TagError(str(e)) from e
    if audio is None:
        return Tags(), None
    length = getattr(audio.info, "length", None)
    found = _values(audio.tags)
    extra: dict[str, float] = rva2_gains(audio.tags) if audio.tags is not None else {}
    if is_mp3(audio):
        for key, texts in _values(ape_tags(path)).items():
            found.setdefault(key, texts)
        for key, texts in id3v1_tags(path, id3v1_encoding).items():
            found.setdefault(key, texts)
    return _tags(found, extra), float(length) if length else None


def _tags(found: dict[str, list[str]], extra: dict[str, float]) -> Tags:
    values: dict[str, object] = {}
    for field, keys in _KEYS.items():
        text = next((found[k][0] for k in keys if k in found), None)
        if field in ("track_number", "disc_number"):
            number, total = position(text)
            values[field] = number
            values[field.replace("number", "total")] = total
        elif field in ("track_total", "disc_total"):
            values[field] = values.get(field) or position(text)[0]
        elif field.startswith("rg_"):
            values[field] = _number(text) if text is not None else extra.get(field)
        else:
            values[field] = text
    for field, keys in _MULTI_KEYS.items():
        key = next((k for k in keys if k in found), None)
        values[field] = tuple(dict.fromkeys(found[key])) if key else ()
    return Tags(**values)  # type: ignore[arg-type]


FRONT_COVER = 3
"""The picture type (ID3 APIC, FLAC PICTURE) of a front cover: preferred when there are several."""


def read_picture(path: Path) -> Picture | None:
    """The picture embedded in ``path`` (ID3 APIC, FLAC/Vorbis/Opus PICTURE, MP4 covr), the
    front cover when there are several; None when there is none or the tags cannot be read."""
    try:
        audio = open_any(path)
    except MutagenError:
        return None
    if audio is None:
        return None
    found = _pictures(audio)
    found.sort(key=lambda p: p[0] != FRONT_COVER)  # stable: the first front cover, else the first
    return found[0][1] if found else None


def _pictures(audio: object) -> list[tuple[int, Picture]]:
    """(picture type, picture) of every embedded picture, in file order."""
    out = [(p.type, Picture(p.data, p.mime)) for p in getattr(audio, "pictures", None) or []]
    tags = getattr(audio, "tags", None)
    if tags is None:
        return out
    for name, value in _items(tags):
        key = name.lower()
        if key.startswith("apic"):
            out.append((value.type, Picture(value.data, value.mime)))
        elif key == "metadata_block_picture":
            out += _vorbis_picture(value)
        elif key == "covr":
            out += [(FRONT_COVER, _mp4_cover(cover)) for cover in value]
    return out


def _items(tags: object) -> list[tuple[str, Any]]:
    """Every (key, value) of ID3 and MP4 tags, and of Vorbis comments (one per value)."""
    as_dict = getattr(tags, "as_dict", None)
    if as_dict is not None:
        return [(str(k), v) for k, values in as_dict().items() for v in values]
    return [(str(k), v) for k, v in tags.items()]  # type: ignore[attr-defined]


def _vorbis_picture(value: object) -> list[tuple[int, Picture]]:
    try:
        picture = flac_picture(base64.b64decode(str(value)))
    except (binascii.Error, MutagenError, ValueError):
        return []
    return [(picture.type, Picture(picture.data, picture.mime))]


def _mp4_cover(cover: bytes) -> Picture:
    png = getattr(cover, "imageformat", None) == 14  # mutagen's MP4Cover.FORMAT_PNG
    return Picture(bytes(cover), "image/png" if png else "image/jpeg")
