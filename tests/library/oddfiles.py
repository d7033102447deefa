"""Odd-but-real files a music collection holds, generated in a test's folder.

Each maker writes one file (ffmpeg, numpy, mutagen or raw bytes) and returns what a scan must
make of it: a track whose stored length is within 1 % of a full FFmpeg decode, a recorded
failure (stage and a fragment of a true reason), or nothing at all (skipped by the walk).
"""

from __future__ import annotations

import base64
import os
import struct
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import mutagen
import mutagen.apev2
import mutagen.flac
import mutagen.id3
import mutagen.mp4
import mutagen.oggvorbis
import numpy as np
import soundfile as sf

from tests.conftest import corpus_files, ffmpeg


@dataclass(frozen=True)
class Expect:
    """``kind`` is "track", "failed" or "skipped"; ``stage``/``reason`` for failures."""

    kind: str
    stage: str = ""
    reason: str = ""


TRACK = Expect("track")
SKIPPED = Expect("skipped")


def _source() -> Path:
    return next(p for p in corpus_files() if p.stem == "Advanced Simulacra")


def _cut(dst: Path, start_s: float, seconds: float, *args: str) -> Path:
    return ffmpeg(_source(), dst, "-ss", str(start_s), *args, seconds=seconds)


def chained_opus(folder: Path) -> Expect:
    """Two Opus streams joined with cat, as radio dumps are."""
    return _chained(folder, "chained.opus", ["-c:a", "libopus", "-b:a", "64k"])


def chained_vorbis(folder: Path) -> Expect:
    return _chained(folder, "chained.ogg", ["-c:a", "libvorbis", "-q:a", "2"])


def _chained(folder: Path, name: str, codec: list[str]) -> Expect:
    ext = name.rsplit(".", 1)[1]
    a = _cut(folder / f"a.{ext}.part", 0, 20, *codec, "-f", "ogg")
    b = _cut(folder / f"b.{ext}.part", 30, 25, *codec, "-f", "ogg")
    (folder / name).write_bytes(a.read_bytes() + b.read_bytes())
    a.unlink()
    b.unlink()
    return TRACK


def raw_adts(folder: Path) -> Expect:
    """Raw ADTS AAC: no header, so no stated length (FFmpeg estimates one from the bitrate)."""
    _cut(folder / "raw.aac", 0, 40, "-c:a", "aac", "-b:a", "96k", "-f", "adts")
    return TRACK


def tagged_adts(folder: Path) -> Expect:
    """Raw ADTS AAC led by an ID3v2 tag (ffmpeg's ``-write_id3v2 1``, stream rippers): mutagen
    scores it as an MP3, which it is not; MPD shows its tags."""
    _cut(folder / "tagged.aac", 0, 20, "-c:a", "aac", "-b:a", "96k", "-f", "adts",
         "-write_id3v2", "1", "-map_metadata", "-1", "-metadata", "title=Tagged AAC",
         "-metadata", "artist=Raw Artist")  # fmt: skip
    return TRACK


def pipe_wav(folder: Path) -> Expect:
    """A WAV written to a pipe: RIFF and data sizes 0xFFFFFFFF."""
    out = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(_source()), "-t", "40", "-c:a", "pcm_s16le",
         "-f", "wav", "pipe:1"],
        check=True, capture_output=True,
    ).stdout  # fmt: skip
    (folder / "pipe.wav").write_bytes(out)
    return TRACK


def zero_size_wav(folder: Path) -> Expect:
    """RIFF and data sizes both zero (a recorder that never went back to fill them in)."""
    data = bytearray(_cut(folder / "z.part", 0, 30, "-c:a", "pcm_s16le", "-f", "wav").read_bytes())
    (folder / "z.part").unlink()
    data[4:8] = b"\0\0\0\0"
    at = data.index(b"data")
    data[at + 4 : at + 8] = b"\0\0\0\0"
    (folder / "zero sizes.wav").write_bytes(bytes(data))
    return TRACK


def vbr_mp3_no_xing(folder: Path) -> Expect:
    """VBR MP3 without a Xing header: its length can only be measured."""
    _cut(folder / "vbr no xing.mp3", 0, 80, "-c:a", "libmp3lame", "-q:a", "4", "-write_xing", "0")
    return TRACK


def float_wav_nan(folder: Path) -> Expect:
    """32-bit float WAV with one NaN and one Inf sample in otherwise real music."""
    return _float_wav(folder, "float nan.wav", [np.nan, np.inf, -np.inf])


def float_wav_all_nan(folder: Path) -> Expect:
    """Nothing but NaN: no audio to analyse at all."""
    path = folder / "all nan.wav"
    sf.write(path, np.full((8000 * 10, 1), np.nan, dtype=np.float32), 8000, subtype="FLOAT")
    return Expect("failed", "analysis", "no finite samples")


def _float_wav(folder: Path, name: str, bad: list[float]) -> Expect:
    pcm = _cut(folder / "f.part", 0, 20, "-c:a", "pcm_f32le", "-f", "wav")
    audio, sr = sf.read(pcm, dtype="float32")
    pcm.unlink()
    for i, value in enumerate(bad):
        audio[sr * (3 + i)] = value
    sf.write(folder / name, audio, sr, subtype="FLOAT")
    return TRACK


def two_hertz_wav(folder: Path) -> Expect:
    """A WAV whose header says 2 Hz (100 frames): 50 s that are not audio."""
    (folder / "2 Hz.wav").write_bytes(_wav_header(2, 1, 100 * 2) + bytes(200))
    return Expect("failed", "probe", "sample rate of 2 Hz")


def _wav_header(rate: int, channels: int, data_bytes: int) -> bytes:
    return (b"RIFF" + struct.pack("<I", 36 + data_bytes) + b"WAVEfmt "
            + struct.pack("<IHHIIHH", 16, 1, channels, rate, rate * channels * 2, channels * 2, 16)
            + b"data" + struct.pack("<I", data_bytes))  # fmt: skip


def latin1_id3(folder: Path) -> Expect:
    """ADTS AAC (read by FFmpeg only) whose ID3v2 title is Latin-1 bytes marked as UTF-8."""
    path = _cut(folder / "latin1 tag.aac", 0, 20, "-c:a", "aac", "-b:a", "96k", "-f", "adts")
    body = path.read_bytes()
    text = b"\x03Beyonc\xe9\x00"  # encoding byte 3 says UTF-8; 0xE9 is Latin-1 "é"
    frame = b"TIT2" + struct.pack(">I", len(text)) + b"\0\0" + text
    size = len(frame)
    syncsafe = bytes([(size >> 21) & 0x7F, (size >> 14) & 0x7F, (size >> 7) & 0x7F, size & 0x7F])
    path.write_bytes(b"ID3\x04\x00\x00" + syncsafe + frame + body)
    return TRACK


def latin1_id3v1_mp3(folder: Path) -> Expect:
    """An MP3 with a Latin-1 ID3v1 tag (artist "Beyoncé")."""
    path = _cut(folder / "id3v1 latin1.mp3", 0, 20, "-c:a", "libmp3lame", "-q:a", "5")
    mutagen.id3.ID3(path).delete()
    tag = b"TAG" + b"Halo".ljust(30, b"\0") + b"Beyonc\xe9".ljust(30, b"\0")
    tag += b"I Am".ljust(30, b"\0") + b"2008" + bytes(30) + b"\xff"
    with path.open("ab") as f:
        f.write(tag)
    return TRACK


def apple_double(folder: Path) -> Expect:
    """A macOS ._name file beside a real one (starts with 00 05 16 07)."""
    (folder / "._raw.aac").write_bytes(b"\x00\x05\x16\x07" + bytes(4092))
    sub = folder / ".AppleDouble"
    sub.mkdir(exist_ok=True)
    (sub / "raw.aac").write_bytes(b"\x00\x05\x16\x07" + bytes(4092))
    return SKIPPED


def trash_folder(folder: Path) -> Expect:
    """A deleted track in a desktop trash folder is not part of the library."""
    trash = folder / ".Trash-1000" / "files"
    trash.mkdir(parents=True, exist_ok=True)
    _cut(trash / "deleted.ogg", 0, 5, "-c:a", "copy")
    return SKIPPED


def still_copying(folder: Path) -> Expect:
    """An MP3 cut short (its Xing header states more) that was modified just now."""
    full = _cut(folder / "c.part", 0, 60, "-c:a", "libmp3lame", "-q:a", "5", "-f", "mp3")
    data = full.read_bytes()
    full.unlink()
    (folder / "copying.mp3").write_bytes(data[: len(data) * 4 // 10])
    return Expect("failed", "decode", "probably still being copied")


def truncated_old(folder: Path) -> Expect:
    """The same cut-off MP3, last modified a day ago: now it is truncated, re-rip it."""
    full = _cut(folder / "t.part", 0, 60, "-c:a", "libmp3lame", "-q:a", "5", "-f", "mp3")
    data = full.read_bytes()
    full.unlink()
    path = folder / "truncated.mp3"
    path.write_bytes(data[: len(data) * 4 // 10])
    day_ago = path.stat().st_mtime - 86400
    os.utime(path, (day_ago, day_ago))
    return Expect("failed", "decode", "re-rip")


def big_covers(folder: Path) -> Expect:
    """40 MB of embedded pictures in each tag family (MP3, FLAC, Ogg Vorbis, Opus, M4A)."""
    big_cover_mp3(folder)
    for ext in BIG_COVER_CODECS:
        big_cover(folder, ext)
    return TRACK


MAKERS: tuple[Callable[[Path], Expect], ...] = (
    chained_opus, chained_vorbis, raw_adts, tagged_adts, pipe_wav, zero_size_wav, vbr_mp3_no_xing,
    float_wav_nan, float_wav_all_nan, two_hertz_wav, latin1_id3, latin1_id3v1_mp3,
    apple_double, trash_folder, still_copying, truncated_old, big_covers,
)  # fmt: skip


def build(folder: Path) -> dict[str, Expect]:
    """Every odd file in ``folder``; {file name: what a scan must make of it}."""
    out = {}
    for make in MAKERS:
        before = set(folder.iterdir())
        expect = make(folder)
        for path in set(folder.iterdir()) - before:
            out[path.name] = expect
    return out


def decoded_seconds(path: Path) -> float:
    """The length of ``path`` by a full FFmpeg decode (the reference for stored lengths)."""
    pcm = subprocess.run(
        ["ffmpeg", "-v", "quiet", "-i", str(path), "-map", "0:a", "-f", "f32le", "-ac", "1",
         "-ar", "8000", "pipe:1"],
        check=False, capture_output=True,
    ).stdout  # fmt: skip
    return len(pcm) / 4 / 8000


# -- tags as real collections write them (issue 13, "Albums, artists and tags") -------------------

ALBUM = "Odd Album"
ALBUM_FILES: dict[str, dict[str, object]] = {
    "a zeta.ogg": {"title": "Zeta", "tracknumber": "1", "discnumber": "2"},
    "b ten.ogg": {"title": "Ten", "tracknumber": "10/12", "discnumber": "1/2"},
    "c alpha.ogg": {"title": "Alpha", "tracknumber": "2", "discnumber": "1"},
    "d side.ogg": {"title": "Side", "tracknumber": "A1"},
    "e three.mp3": {"title": "Three", "tracknumber": "3/12", "discnumber": "1/2"},
    "f minus.ogg": {"title": "Minus", "tracknumber": "-1"},
    "g none.ogg": {"title": "None"},
    "h empty.ogg": {"title": "Empty", "tracknumber": ""},
    "M multi.mp3": {"title": "Multi", "artist": ["Alpha", "Beta"], "genre": ["Rock", "Jazz"],
                    "tracknumber": "4", "discnumber": "1"},
    "v multi.ogg": {"title": "Vorbis Multi", "artist": ["Alpha", "Gamma"],
                    "genre": ["Ambient", "Drone"], "tracknumber": "1", "discnumber": "1"},
}  # fmt: skip
"""One album folder whose file-name, title and track orders all differ: disc/track numbers as
"N/TOTAL", "A1" (vinyl side), "-1", "" and none; ID3v2.4 NUL-separated and repeated Vorbis
multi-value ARTIST/GENRE."""
ALBUM_ORDER = ["d side.ogg", "f minus.ogg", "g none.ogg", "h empty.ogg", "v multi.ogg",
               "c alpha.ogg", "e three.mp3", "M multi.mp3", "b ten.ogg", "a zeta.ogg"]  # fmt: skip
"""By disc, track (none first: "A1", "-1", "" are none), then file name: MPD 0.23's order."""


def album(folder: Path, seconds: float = 3.0) -> Path:
    """ALBUM_FILES in ``folder``/ALBUM (cuts of a corpus track, tagged); the album folder."""
    where = folder / ALBUM
    where.mkdir(parents=True)
    for i, (name, tags) in enumerate(ALBUM_FILES.items()):
        path = where / name
        if name.endswith(".mp3"):
            _cut(path, i, seconds, "-c:a", "libmp3lame", "-q:a", "7", "-map_metadata", "-1")
            _id3_tags(path, tags)
        else:
            _cut(path, i, seconds, "-c:a", "libvorbis", "-q:a", "0", "-map_metadata", "-1")
            comments = mutagen.oggvorbis.OggVorbis(path)
            for key, value in {"album": ALBUM, "artist": "Odd", **tags}.items():
                comments[key] = value if isinstance(value, list) else [str(value)]
            comments.save()
    return where


def _id3_tags(path: Path, tags: dict[str, object]) -> None:
    id3 = mutagen.id3.ID3()
    frames = {"title": mutagen.id3.TIT2, "artist": mutagen.id3.TPE1, "genre": mutagen.id3.TCON,
              "tracknumber": mutagen.id3.TRCK, "discnumber": mutagen.id3.TPOS}  # fmt: skip
    id3.add(mutagen.id3.TALB(encoding=3, text=ALBUM))
    for key, value in {"artist": "Odd", **tags}.items():
        id3.add(frames[key](encoding=3, text=value if isinstance(value, list) else [str(value)]))
    id3.save(path, v2_version=4)  # v2.4 writes several values NUL-separated


def ape_mp3(folder: Path) -> Path:
    """An MP3 with an ID3v2 title and an APEv2 tag (as mp3gain and foobar2000 write) holding
    the artist, track, ReplayGain and a binary cover item."""
    path = _cut(folder / "ape.mp3", 0, 3, "-c:a", "libmp3lame", "-q:a", "7", "-map_metadata", "-1")
    id3 = mutagen.id3.ID3()
    id3.add(mutagen.id3.TIT2(encoding=3, text="From ID3"))
    id3.save(path)
    ape = mutagen.apev2.APEv2()
    ape["Title"], ape["Artist"], ape["Track"] = "From APE", "Ape Artist\0Second", "5/9"
    ape["REPLAYGAIN_TRACK_GAIN"], ape["REPLAYGAIN_TRACK_PEAK"] = "-7.25 dB", "0.912"
    ape["Cover Art (Front)"] = mutagen.apev2.APEValue(b"front.jpg\0" + bytes(50_000),
                                                      mutagen.apev2.BINARY)  # fmt: skip
    ape.save(path)
    return path


def rva2_mp3(folder: Path) -> Path:
    """An MP3 whose ReplayGain is in RVA2 frames (track and album), not TXXX."""
    path = _cut(folder / "rva2.mp3", 0, 3, "-c:a", "libmp3lame", "-q:a", "7", "-map_metadata", "-1")
    id3 = mutagen.id3.ID3()
    id3.add(mutagen.id3.RVA2(desc="track", channel=1, gain=-3.5, peak=0.75))
    id3.add(mutagen.id3.RVA2(desc="album", channel=1, gain=-4.25, peak=0.5))
    id3.save(path)
    return path


def cp1251_id3v1_mp3(folder: Path) -> Path:
    """An MP3 whose only tag is an ID3v1 tag in Windows-1251 (artist "Кино", title "Группа
    крови"): right only when read with id3v1_encoding = "cp1251"."""
    path = _cut(folder / "id3v1 cp1251.mp3", 0, 3, "-c:a", "libmp3lame", "-q:a", "7",
                "-map_metadata", "-1", "-write_id3v1", "0", "-id3v2_version", "0")  # fmt: skip
    tag = b"TAG" + "Группа крови".encode("cp1251").ljust(30, b"\0")
    tag += "Кино".encode("cp1251").ljust(30, b"\0") + bytes(30) + b"1988" + bytes(28)
    tag += b"\0\x07\x11"  # ID3v1.1 track 7, genre 17 (Rock)
    with path.open("ab") as f:
        f.write(tag)
    return path


def big_cover_mp3(folder: Path, cover_mb: int = 40) -> Path:
    """An MP3 carrying a ``cover_mb`` MB APIC cover, a 5 MB GEOB and a 5 MB PRIV frame."""
    path = _cut(folder / "big cover.mp3", 0, 8, "-c:a", "libmp3lame", "-q:a", "7",
                "-map_metadata", "-1")  # fmt: skip
    id3 = mutagen.id3.ID3()
    id3.add(mutagen.id3.TIT2(encoding=3, text="Big Cover"))
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=3, desc="",
                             data=os.urandom(cover_mb << 20)))  # fmt: skip
    id3.add(mutagen.id3.GEOB(encoding=3, mime="application/octet-stream", filename="x.bin",
                             desc="", data=os.urandom(5 << 20)))  # fmt: skip
    id3.add(mutagen.id3.PRIV(owner="moodplay-test", data=os.urandom(5 << 20)))
    id3.add(mutagen.id3.TPE1(encoding=3, text="Heavy"))
    id3.save(path)
    return path


BIG_COVER_CODECS = {
    "flac": ("-c:a", "flac"),
    "ogg": ("-c:a", "libvorbis", "-q:a", "0"),
    "opus": ("-c:a", "libopus", "-b:a", "48k"),
    "m4a": ("-c:a", "aac", "-b:a", "64k"),
}
"""The other tag families a big embedded cover comes in (FLAC PICTURE blocks, Vorbis/Opus
METADATA_BLOCK_PICTURE comments, MP4 ``covr``)."""


def big_cover(folder: Path, ext: str, cover_mb: int = 40) -> Path:
    """A short track of kind ``ext`` (a BIG_COVER_CODECS key) titled "Big Cover" by "Heavy",
    carrying ``cover_mb`` MB of embedded pictures: in FLAC three PICTURE blocks (a block holds
    at most 16 MiB: front, back and booklet, as rippers write them), in Vorbis/Opus one
    base64 METADATA_BLOCK_PICTURE comment (~1.33x the picture), in MP4 one ``covr`` atom."""
    path = folder / f"big cover.{ext}"
    if ext in ("ogg", "opus"):  # ffmpeg writes the comment packet (mutagen's is quadratic)
        picture = _flac_picture(_jpeg(cover_mb << 20), 3).write()
        meta = folder / "big cover.ffmeta"
        b64 = base64.b64encode(picture).decode().replace("=", "\\=")
        meta.write_text(f";FFMETADATA1\ntitle=Big Cover\nartist=Heavy\n"
                        f"METADATA_BLOCK_PICTURE={b64}\n")  # fmt: skip
        ffmpeg(_source(), path, "-i", str(meta), "-map", "0:a", "-map_metadata", "-1",
               "-map_metadata:s:a:0", "1:g", "-t", "8", *BIG_COVER_CODECS[ext])  # fmt: skip
        meta.unlink()
        return path
    _cut(path, 0, 8, *BIG_COVER_CODECS[ext], "-map_metadata", "-1")
    audio = mutagen.File(path)
    if ext == "m4a":
        cover = mutagen.mp4.MP4Cover(_jpeg(cover_mb << 20), mutagen.mp4.MP4Cover.FORMAT_JPEG)
        audio.tags["©nam"], audio.tags["©ART"], audio.tags["covr"] = "Big Cover", "Heavy", [cover]
    else:
        for kind in (3, 4, 6):  # front, back, booklet
            audio.add_picture(_flac_picture(_jpeg((cover_mb << 20) // 3), kind))
        audio["title"], audio["artist"] = "Big Cover", "Heavy"
    audio.save()
    return path


def _jpeg(size: int) -> bytes:
    return b"\xff\xd8\xff\xe0" + os.urandom(size - 4)


def _flac_picture(data: bytes, kind: int) -> mutagen.flac.Picture:
    picture = mutagen.flac.Picture()
    picture.type, picture.mime, picture.data = kind, "image/jpeg", data
    return picture


def interlude(folder: Path, seconds: float = 0.8) -> Path:
    """A 0.8 s album interlude (Vorbis, track 2 of "Odd Album"): shorter than the model's
    1 s window, so a track whose mood is low-confidence."""
    path = _cut(folder / "interlude.ogg", 60, seconds, "-c:a", "libvorbis", "-map_metadata", "-1")
    comments = mutagen.oggvorbis.OggVorbis(path)
    comments["album"], comments["tracknumber"], comments["title"] = ALBUM, "2", "Interlude"
    comments.save()
    return path


def digital_silence(folder: Path, seconds: float = 20.0) -> Path:
    """Pure digital silence (a WAV of zeros): the happiest track of a library, say the models."""
    path = folder / "silence.wav"
    sf.write(path, np.zeros((int(44100 * seconds), 2), dtype=np.int16), 44100)
    return path


def near_silence(folder: Path, seconds: float = 20.0) -> Path:
    """Hiss at -72 dBFS RMS, about -66 LUFS (a run-out groove, a hidden-track gap): near-silent."""
    rng = np.random.default_rng(13)
    audio = (rng.standard_normal((int(44100 * seconds), 2)) * 10 ** (-72 / 20)).astype(np.float32)
    path = folder / "near silence.wav"
    sf.write(path, audio, 44100, subtype="PCM_24")
    return path
