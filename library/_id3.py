"""How mutagen opens a file for its tags: lean on memory, and the tag families a plain
``mutagen.File`` leaves out (APEv2 on MP3, ID3 RVA2 ReplayGain, ID3v1 in a chosen encoding).

A 40 MB cover in an ID3 APIC frame costs ~270 MB when every frame is parsed and stringified;
here ID3 keeps only its text frames and RVA2 parsed (other frames, APIC, GEOB, PRIV, stay the
raw bytes mutagen read), so a worker's peak grows by a few times the tag's size at most.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

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

_KINDS: tuple[type[Any], ...] = (
    mutagen.mp3.MP3, mutagen.trueaudio.TrueAudio, mutagen.oggspeex.OggSpeex,
    mutagen.oggvorbis.OggVorbis, mutagen.oggflac.OggFLAC, mutagen.flac.FLAC, mutagen.aiff.AIFF,
    mutagen.apev2.APEv2File, mutagen.mp4.MP4, mutagen.id3.ID3FileType, mutagen.wavpack.WavPack,
    mutagen.musepack.Musepack, mutagen.monkeysaudio.MonkeysAudio, mutagen.asf.ASF,
    mutagen.oggopus.OggOpus, mutagen.aac.AAC, mutagen.wave.WAVE,
)  # fmt: skip
"""The audio kinds of ``mutagen.File`` (less video, MIDI and DSD), chosen the same way."""
_WITH_ID3 = (mutagen.id3.ID3FileType, mutagen.aiff.AIFF, mutagen.wave.WAVE)
KNOWN_FRAMES: dict[str, type[Any]] = {
    name: frame
    for name, frame in {**mutagen.id3.Frames, **mutagen.id3.Frames_2_2}.items()
    if name.startswith("T") or name == "RVA2"
}
"""The ID3 frames parsed: text frames (TXXX too, of v2.2 as well) and RVA2."""
MASTER_VOLUME = 1
"""RVA2's channel type for the master volume (the one ReplayGain writers fill in)."""


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
