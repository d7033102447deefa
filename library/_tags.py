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

import mutagen
import mutagen.flac

from library._types import Picture, Tags

_KEYS: dict[str, tuple[str, ...]] = {
    "title": ("tit2", "title", "©nam"),
    "artist": ("tpe1", "artist", "©art"),
    "album": ("talb", "album", "©alb"),
    "album_artist": ("tpe2", "albumartist", "album artist", "aart"),
    "genre": ("tcon", "genre", "©gen"),
    "track_number": ("trck", "tracknumber", "trkn"),
    "date": ("tdrc", "date", "©day", "tyer"),
    "rg_track_gain_db": ("replaygain_track_gain",),
    "rg_track_peak": ("replaygain_track_peak",),
    "rg_album_gain_db": ("replaygain_album_gain",),
    "rg_album_peak": ("replaygain_album_peak",),
}
_PREFIXES = ("txxx:", "----:com.apple.itunes:")
_NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?")


class TagError(Exception):
    """mutagen could not parse the file's tags."""


def _normalise_key(key: str) -> str:
    key = key.lower()
    for prefix in _PREFIXES:
        if key.startswith(prefix):
            return key[len(prefix) :]
    return key


def _first_text(value: object) -> str | None:
    if isinstance(value, list | tuple):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = getattr(value, "text", None)  # ID3 frames keep their strings in .text
    if text is not None:
        return _first_text(text)
    if isinstance(value, tuple):  # MP4 trkn is (number, total)
        return str(value[0])
    return str(value).strip() or None


def _number(text: str | None) -> float | None:
    match = _NUMBER.search(text or "")
    return float(match.group()) if match else None


def _flat(tags: object) -> dict[str, str]:
    # Vorbis comments are a list of pairs with an as_dict(); ID3 and MP4 tags are mappings.
    as_dict = getattr(tags, "as_dict", None)
    mapping: Mapping[str, object] = as_dict() if as_dict else tags  # type: ignore[assignment]
    flat: dict[str, str] = {}
    for key, value in mapping.items():
        text = _first_text(value)
        if text is not None:
            flat.setdefault(_normalise_key(str(key)), text)
    return flat


def read_tags(path: Path) -> tuple[Tags, float | None]:
    """(tags, duration in seconds per mutagen) of ``path``; raises TagError on corrupt tags."""
    try:
        audio = mutagen.File(str(path))
    except mutagen.MutagenError as e:
        raise TagError(str(e)) from e
    if audio is None:
        return Tags(), None
    length = getattr(audio.info, "length", None)
    flat = _flat(audio.tags) if audio.tags is not None else {}
    values: dict[str, object] = {}
    for field, keys in _KEYS.items():
        text = next((flat[k] for k in keys if k in flat), None)
        if field == "track_number":
            number = _number(text)
            values[field] = int(number) if number is not None else None
        elif field.startswith("rg_"):
            values[field] = _number(text)
        else:
            values[field] = text
    return Tags(**values), float(length) if length else None  # type: ignore[arg-type]


FRONT_COVER = 3
"""The picture type (ID3 APIC, FLAC PICTURE) of a front cover: preferred when there are several."""


def read_picture(path: Path) -> Picture | None:
    """The picture embedded in ``path`` (ID3 APIC, FLAC/Vorbis/Opus PICTURE, MP4 covr), the
    front cover when there are several; None when there is none or the tags cannot be read."""
    try:
        audio = mutagen.File(str(path))
    except mutagen.MutagenError:
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
        picture = mutagen.flac.Picture(base64.b64decode(str(value)))  # type: ignore[no-untyped-call]
    except (binascii.Error, mutagen.MutagenError, ValueError):
        return []
    return [(picture.type, Picture(picture.data, picture.mime))]


def _mp4_cover(cover: bytes) -> Picture:
    png = getattr(cover, "imageformat", None) == 14  # mutagen's MP4Cover.FORMAT_PNG
    return Picture(bytes(cover), "image/png" if png else "image/jpeg")
