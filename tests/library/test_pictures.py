"""Embedded pictures read with mutagen from real files of each tag family."""

from __future__ import annotations

import base64
import subprocess
from pathlib import Path

import mutagen
import mutagen.flac
import mutagen.id3

from library import Picture, read_picture
from tests.conftest import corpus_files, ffmpeg

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 3
JPEG = b"\xff\xd8\xff\xe0" + b"\x00\n\xff" * 100


def _cut(folder: Path, name: str, *args: str) -> Path:
    return ffmpeg(corpus_files()[0], folder / name, *args, seconds=2)


def test_each_tag_family(tmp_path: Path) -> None:
    mp3 = _cut(tmp_path, "a.mp3", "-c:a", "libmp3lame")
    id3 = mutagen.id3.ID3(mp3)
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/jpeg", type=4, desc="back", data=JPEG))
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/png", type=3, desc="front", data=PNG))
    id3.save()
    assert read_picture(mp3) == Picture(PNG, "image/png")  # the front cover, not the first

    flac = _cut(tmp_path, "a.flac", "-c:a", "flac")
    tags = mutagen.flac.FLAC(flac)
    picture = mutagen.flac.Picture()
    picture.type, picture.mime, picture.data = 0, "image/jpeg", JPEG
    tags.add_picture(picture)
    tags.save()
    assert read_picture(flac) == Picture(JPEG, "image/jpeg")  # the only one, whatever its type

    opus = _cut(tmp_path, "a.opus", "-c:a", "libopus")
    picture.type, picture.mime, picture.data = 3, "image/png", PNG
    audio = mutagen.File(opus)
    audio["metadata_block_picture"] = [base64.b64encode(picture.write()).decode()]
    audio.save()
    assert read_picture(opus) == Picture(PNG, "image/png")

    cover = tmp_path / "cover.png"
    subprocess.run(["ffmpeg", "-v", "error", "-f", "lavfi", "-i", "testsrc=size=16x16",
                    "-frames:v", "1", str(cover)], check=True)  # fmt: skip
    m4a = ffmpeg(corpus_files()[0], tmp_path / "a.m4a", "-i", str(cover), "-map", "0:a",
                 "-map", "1", "-c:a", "aac", "-c:v", "copy", "-disposition:v",
                 "attached_pic", seconds=2)  # fmt: skip
    assert read_picture(m4a) == Picture(cover.read_bytes(), "image/png")


def test_no_picture_and_broken_files(tmp_path: Path) -> None:
    assert read_picture(corpus_files()[0]) is None
    broken = tmp_path / "broken.flac"
    broken.write_bytes(b"fLaC" + b"\x00" * 40)
    assert read_picture(broken) is None
    text = tmp_path / "notes.txt"
    text.write_text("not audio")
    assert read_picture(text) is None
