"""The one mutagen adapter (tests/test_import_contract.py). How mutagen opens a file for its
tags: lean on memory, and the tag families a plain
``mutagen.File`` leaves out (APEv2 on MP3, ID3 RVA2 ReplayGain, ID3v1 in a chosen encoding).

A 40 MB cover in an ID3 APIC frame cost a worker ~270 MB when the whole tag was read, every
frame parsed and stringified. Here the ID3v2 tag of an MP3 is walked frame header by frame
header and only text frames and RVA2 are read (APIC, GEOB, PRIV are seeked over, never in
memory); where the walk cannot be trusted (whole-tag unsynchronisation, an extended header,
sizes that do not add up) mutagen reads the tag, parsing only those frames (~3x the tag's size).

The other families are read leanly too (40 MB of pictures cost a process 39 MB in FLAC, 119 MB
in MP4, 213 MB in Ogg Vorbis/Opus when mutagen read them whole): FLAC PICTURE blocks are read
as far as their header and seeked over; Vorbis comments (Ogg Vorbis, Opus, FLAC) are walked one
at a time and a METADATA_BLOCK_PICTURE or COVERART comment is skipped (an Ogg packet page by
page, so a 53 MB comment packet is never whole in memory); an MP4 ``covr`` atom is not read.
These readers are for reading only: the objects they make are never saved.
"""

from __future__ import annotations

import io
import os
import struct
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import mutagen
import mutagen._vorbis
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
import mutagen.ogg
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
    without ID3v1 and with only KNOWN_FRAMES parsed. Kinds are tried best score first: an ADTS
    AAC file that starts with an ID3v2 tag (as ffmpeg and stream rippers write them) scores as
    an MP3 but is none; mutagen's plain ID3 kind then reads its tag (MPD shows it too).
    Raises mutagen.MutagenError (the best kind's) when none opens it."""
    with path.open("rb") as f:
        header = f.read(128)
        scores = sorted(((kind.score(str(path), f, header), kind.__name__), kind)
                        for kind in _KINDS)  # fmt: skip
    candidates = [kind for (score, _), kind in reversed(scores) if score > 0]
    first_error: mutagen.MutagenError | None = None
    for kind in candidates:
        try:
            return _open_kind(path, kind)
        except mutagen.MutagenError as e:
            first_error = first_error or e
    if first_error is not None:
        raise first_error
    return None


def _open_kind(path: Path, kind: type[Any]) -> Any:
    if issubclass(kind, mutagen.id3.ID3FileType):
        return kind(str(path), ID3=LeanID3, known_frames=KNOWN_FRAMES, load_v1=False)
    if issubclass(kind, _WITH_ID3):
        return kind(str(path), known_frames=KNOWN_FRAMES, load_v1=False)
    return _LEAN.get(kind, kind)(str(path))


PICTURE_COMMENTS = (b"metadata_block_picture", b"coverart")
"""Vorbis comment keys whose values are base64 pictures (the standard one and its forerunner)."""
_KEY_PEEK = 32
"""Bytes of a comment read before deciding whether it is a picture (its key and the "=")."""


def lean_comments(read: Callable[[int], bytes], skip: Callable[[int], object]) -> bytes:
    """The Vorbis comment block at ``read`` (vendor, count, comments; no framing bit) with its
    picture comments left out: each is read as far as its key, then ``skip``-ped. ``read(n)``
    must return n bytes or raise."""
    vendor = read(_u32(read(4)))
    count = _u32(read(4))
    kept = []
    for _ in range(count):
        size = _u32(read(4))
        head = read(min(size, _KEY_PEEK))
        key, equals, _ = head.partition(b"=")
        if equals and key.lower() in PICTURE_COMMENTS:
            skip(size - len(head))
        else:
            kept.append(head + read(size - len(head)))
    return b"".join([_p32(len(vendor)), vendor, _p32(len(kept)),
                     *(_p32(len(c)) + c for c in kept)])  # fmt: skip


def _u32(raw: bytes) -> int:
    return int(struct.unpack("<I", raw)[0])


def _p32(n: int) -> bytes:
    return struct.pack("<I", n)


class _PacketReader:
    """``read``/``skip`` over the pieces of one Ogg packet, pulled page by page (a page holds
    at most ~64 KB), so a packet of many megabytes is never joined in memory."""

    def __init__(self, pieces: Iterator[bytes]) -> None:
        self._pieces, self._buffer = pieces, b""

    def _more(self) -> None:
        piece = next(self._pieces, None)
        if piece is None:
            raise mutagen.ogg.error("the comment packet ends early")
        self._buffer += piece

    def read(self, n: int) -> bytes:
        while len(self._buffer) < n:
            self._more()
        out, self._buffer = self._buffer[:n], self._buffer[n:]
        return out

    def skip(self, n: int) -> None:
        while len(self._buffer) < n:
            n -= len(self._buffer)
            self._buffer = b""
            self._more()
        self._buffer = self._buffer[n:]


def _packet_pieces(fileobj: BinaryIO, serial: int, magic: bytes) -> Iterator[bytes]:
    """The pieces of the first packet of stream ``serial`` from ``fileobj``'s position on
    that starts with ``magic`` (the comment header begins a page of its own)."""
    page = mutagen.ogg.OggPage(fileobj)  # type: ignore[no-untyped-call]
    while page.serial != serial or not page.packets or not page.packets[0].startswith(magic):
        page = mutagen.ogg.OggPage(fileobj)  # type: ignore[no-untyped-call]
    yield page.packets[0]
    while not (page.complete or len(page.packets) > 1):
        page = mutagen.ogg.OggPage(fileobj)  # type: ignore[no-untyped-call]
        if page.serial == serial:
            yield page.packets[0]


def _ogg_comments(fileobj: BinaryIO, serial: int, magic: bytes) -> bytes:
    packet = _PacketReader(_packet_pieces(fileobj, serial, magic))
    packet.skip(len(magic))
    return lean_comments(packet.read, packet.skip)


class _LeanVorbisComments(mutagen.oggvorbis.OggVCommentDict):
    def __init__(self, fileobj: BinaryIO, info: Any) -> None:
        lean = _ogg_comments(fileobj, info.serial, b"\x03vorbis") + b"\x01"  # framing bit
        mutagen._vorbis.VCommentDict.__init__(self, lean)  # type: ignore[no-untyped-call]


class _LeanOpusComments(mutagen.oggopus.OggOpusVComment):
    def __init__(self, fileobj: BinaryIO, info: Any) -> None:
        lean = io.BytesIO(_ogg_comments(fileobj, info.serial, b"OpusTags"))
        mutagen._vorbis.VCommentDict.__init__(self, lean, framing=False)  # type: ignore[no-untyped-call]


class _LeanFLACComments(mutagen.flac.VCFLACDict):
    def load(self, data: Any, errors: str = "replace", framing: bool = False) -> None:
        lean = lean_comments(data.read, lambda n: data.seek(n, os.SEEK_CUR))
        super().load(io.BytesIO(lean), errors, framing)  # type: ignore[no-untyped-call]


class _SkippedPicture(mutagen.flac.Picture):
    """A FLAC PICTURE block read as far as its header: the picture's bytes are seeked over."""

    def load(self, data: Any) -> None:
        self.type, size = struct.unpack(">2I", data.read(8))
        self.mime = data.read(size).decode("utf-8", "replace")
        (size,) = struct.unpack(">I", data.read(4))
        data.seek(size, os.SEEK_CUR)  # the description
        *_, size = struct.unpack(">5I", data.read(20))
        data.seek(size, os.SEEK_CUR)


class _LeanMP4Tags(mutagen.mp4.MP4Tags):
    def load(self, atoms: Any, fileobj: BinaryIO) -> None:
        try:
            ilst = atoms.path(b"moov", b"udta", b"meta", b"ilst")[-1]
        except KeyError:
            pass  # mutagen says what is missing
        else:
            ilst.children = [atom for atom in ilst.children if atom.name != b"covr"]
        super().load(atoms, fileobj)  # type: ignore[no-untyped-call]


_FLAC_BLOCKS = [*mutagen.flac.FLAC.METADATA_BLOCKS]
_FLAC_BLOCKS[_LeanFLACComments.code] = _LeanFLACComments
_FLAC_BLOCKS[_SkippedPicture.code] = _SkippedPicture


class _LeanFLAC(mutagen.flac.FLAC):
    METADATA_BLOCKS = _FLAC_BLOCKS


class _LeanOggVorbis(mutagen.oggvorbis.OggVorbis):
    _Tags = _LeanVorbisComments


class _LeanOggOpus(mutagen.oggopus.OggOpus):
    _Tags = _LeanOpusComments


class _LeanMP4(mutagen.mp4.MP4):
    MP4Tags = _LeanMP4Tags


_LEAN: dict[type[Any], type[Any]] = {
    mutagen.flac.FLAC: _LeanFLAC, mutagen.oggvorbis.OggVorbis: _LeanOggVorbis,
    mutagen.oggopus.OggOpus: _LeanOggOpus, mutagen.mp4.MP4: _LeanMP4,
}  # fmt: skip
"""The kinds whose pictures are left unread (see the module's docstring)."""


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
