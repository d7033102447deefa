"""The one mutagen adapter (tests/test_import_contract.py). How mutagen opens a file for its
tags: lean on memory, and the tag families a plain
``mutagen.File`` leaves out (APEv2 on MP3, ID3 RVA2 ReplayGain, ID3v1 in a chosen encoding).

A 40 MB cover in an ID3 APIC frame cost a worker ~270 MB when the whole tag was read, every
frame parsed and stringified. Here the ID3v2 tag of an MP3 is walked frame header by frame
header and only text frames and RVA2 are read (APIC, GEOB, PRIV are seeked over, never in
memory); where the walk cannot be trusted (whole-tag unsynchronisation, an extended header,
sizes that do not add up) mutagen reads the tag, parsing only those frames (~3x the tag's size).
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
import mutagen.aac
import mutagen.aiff
import mutagen.apev2
import mutagen.asf
import mutagen.flac
import mutagen.id3
import mutagen.monkeysaudio
import mutagen.mp3
import mutagen.mp4
import mutagen.musepack
import mutagen.oggflac
import mutagen.oggopus
import mutagen.oggspeex
import mutagen.oggvorbis
import mutagen.trueaudio
import mutagen.wave
import mutagen.wavpack

MutagenError = mutagen.MutagenError
"""What mutagen raises for a file it cannot read."""
APE_TEXT = mutagen.apev2.TEXT
"""The kind of an APEv2 text item (others are binary or external links)."""


def is_mp3(audio: object) -> bool:
    """Whether ``audio`` (from :func:`open_tags`) is an MPEG audio file."""
    return isinstance(audio, mutagen.mp3.MP3)


def open_any(path: Path) -> Any:
    """mutagen's whole view of ``path`` (pictures included), or None when it knows no such
    file; raises :data:`MutagenError`."""
    return mutagen.File(str(path))


def flac_picture(data: bytes) -> Any:
    """A FLAC PICTURE block (``.type``, ``.data``, ``.mime``); raises :data:`MutagenError`."""
    return mutagen.flac.Picture(data)  # type: ignore[no-untyped-call]


_KINDS: tuple[type[Any], ...] = (
    mutagen.mp3.MP3, mutagen.trueaudio.TrueAudio, mutagen.oggspeex.OggSpeex,
    mutagen.oggvorbis.OggVorbis, mutagen.oggflac.OggFLAC, mutagen.flac.FLAC, mutagen.aiff.AIFF,
    mutagen.apev2.APEv2File, mutagen.mp4.MP4, mutagen.id3.ID3FileType, mutagen.wavpack.WavPack,
    mutagen.musepack.Musepack, mutagen.monkeysaudio.MonkeysAudio, mutagen.asf.ASF,
    mutagen.oggopus.OggOpus, mutagen.aac.AAC, mutagen.wave.WAVE,
)  # fmt: skip
"""The audio kinds of ``mutagen.File`` (less video, MIDI and DSD), chosen the same way."""
_WITH_ID3 = (mutagen.aiff.AIFF, mutagen.wave.WAVE)
KNOWN_FRAMES: dict[str, type[Any]] = {
    name: frame
    for name, frame in {**mutagen.id3.Frames, **mutagen.id3.Frames_2_2}.items()
    if name.startswith("T") or name == "RVA2"
}
"""The ID3 frames parsed: text frames (TXXX too, of v2.2 as well) and RVA2."""
MASTER_VOLUME = 1
"""RVA2's channel type for the master volume (the one ReplayGain writers fill in)."""


class LeanID3(mutagen.id3.ID3):
    """An ID3 tag loaded from only its KNOWN_FRAMES' bytes; ``size`` stays the tag's size in
    the file (where the audio starts)."""

    def load(self, filething: Any, **kwargs: Any) -> None:
        start = filething.tell()
        lean = lean_tag(filething)
        filething.seek(start)
        if lean is None:
            super().load(filething, **kwargs)
            return
        size, data = lean
        super().load(io.BytesIO(data), **kwargs)
        assert self._header is not None  # load raised ID3NoHeaderError otherwise
        self._header.size = size


def lean_tag(f: BinaryIO) -> tuple[int, bytes] | None:
    """(size in the file, an equivalent tag holding only KNOWN_FRAMES) of the ID3v2 tag at
    ``f``'s position; None when there is none or it cannot be walked safely."""
    start = f.tell()
    header = f.read(10)
    if len(header) < 10 or header[:3] != b"ID3" or header[3] not in (2, 3, 4):
        return None
    major, flags = header[3], header[5]
    if flags & 0xC0:  # whole-tag unsynchronisation or an extended header
        return None
    end = 10 + _syncsafe(header[6:10])
    head = 6 if major == 2 else 10
    kept, pos = [], 10
    while pos + head <= end:
        f.seek(start + pos)
        frame = f.read(head)
        if len(frame) < head or frame[0] == 0:  # padding
            break
        name, raw = (frame[:3], frame[3:6]) if major == 2 else (frame[:4], frame[4:8])
        size = _syncsafe(raw) if major == 4 else int.from_bytes(raw, "big")
        if not name.isalnum() or pos + head + size > end:
            return None
        if name.decode("ascii") in KNOWN_FRAMES:
            kept.append(frame + f.read(size))
        pos += head + size
    body = b"".join(kept)
    footer = 10 if major == 4 and flags & 0x10 else 0
    lean_header = header[:5] + bytes([flags & ~0x10]) + _to_syncsafe(len(body))
    return end + footer, lean_header + body


def _syncsafe(raw: bytes) -> int:
    return sum((b & 0x7F) << (7 * i) for i, b in enumerate(reversed(raw)))


def _to_syncsafe(n: int) -> bytes:
    return bytes((n >> shift) & 0x7F for shift in (21, 14, 7, 0))


def open_tags(path: Path) -> Any:
    """The mutagen file object of ``path`` (None when mutagen knows no such kind), its ID3 tag
    without ID3v1 and with only KNOWN_FRAMES parsed. Raises mutagen.MutagenError."""
    with path.open("rb") as f:
        header = f.read(128)
        scores = sorted(((kind.score(str(path), f, header), kind.__name__), kind)
                        for kind in _KINDS)  # fmt: skip
    (score, _), kind = scores[-1]
    if score <= 0:
        return None
    if issubclass(kind, mutagen.id3.ID3FileType):
        return kind(str(path), ID3=LeanID3, known_frames=KNOWN_FRAMES, load_v1=False)
    if issubclass(kind, _WITH_ID3):
        return kind(str(path), known_frames=KNOWN_FRAMES, load_v1=False)
    return kind(str(path))


def rva2_gains(tags: Any) -> dict[str, float]:
    """ReplayGain from RVA2 master-volume frames: ``rg_track_gain_db``/``rg_track_peak`` from
    the one described "track" (or undescribed), ``rg_album_…`` from "album"."""
    out: dict[str, float] = {}
    for frame in tags.getall("RVA2") if hasattr(tags, "getall") else []:
        if frame.channel != MASTER_VOLUME:
            continue
        which = "album" if frame.desc.lower() == "album" else "track"
        out.setdefault(f"rg_{which}_gain_db", float(frame.gain))
        out.setdefault(f"rg_{which}_peak", float(frame.peak))
    return out


def ape_tags(path: Path) -> Any:
    """The APEv2 tag of ``path`` (mp3gain and foobar2000 write one onto MP3s), or None."""
    try:
        return mutagen.apev2.APEv2(str(path))  # type: ignore[no-untyped-call]
    except (mutagen.MutagenError, OSError):
        return None


ID3V1_SIZE = 128


def id3v1_tags(path: Path, encoding: str) -> dict[str, list[str]]:
    """The legacy ID3v1 tag at the end of ``path`` decoded with ``encoding`` (a Python codec
    name: "latin-1", "cp1251", …): {"title"/"artist"/"album"/"date"/"tracknumber"/"genre":
    [value]}, only the fields that are set; empty when there is no ID3v1 tag."""
    try:
        with path.open("rb") as f:
            f.seek(-ID3V1_SIZE, os.SEEK_END)
            tag = f.read(ID3V1_SIZE)
    except OSError:
        return {}
    if len(tag) != ID3V1_SIZE or not tag.startswith(b"TAG"):
        return {}

    def text(start: int, end: int) -> str:
        return tag[start:end].split(b"\0")[0].decode(encoding, "replace").strip()

    fields = {"title": text(3, 33), "artist": text(33, 63), "album": text(63, 93),
              "date": text(93, 97)}  # fmt: skip
    if tag[125] == 0 and tag[126]:  # ID3v1.1: a track number after the short comment
        fields["tracknumber"] = str(tag[126])
    genres = mutagen.id3.TCON.GENRES
    if tag[127] < len(genres):
        fields["genre"] = genres[tag[127]]
    return {key: [value] for key, value in fields.items() if value}
