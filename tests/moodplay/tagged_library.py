"""A small library with folders, cover art and the tags the plain corpus lacks, for the MPD
playlist, cover-art and tag tests: cuts of real corpus tracks, tagged with mutagen.

::

    Nebula.ogg                  Vorbis: Maxstack, Date 2012-12-15, no AlbumArtist, no picture
    Soundtrack/cover.jpg        the folder's cover (a JPEG ffmpeg draws)
    Soundtrack/Awakening.ogg    Vorbis, as in the corpus
    Soundtrack/Coherence.mp3    ID3: AlbumArtist "Various Artists", Date 2013, track 2,
                                an embedded PNG picture
    Soundtrack/Inevitable.flac  FLAC: AlbumArtist "Maxstack", Date 2014-03, an embedded JPEG
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import mutagen.flac
import mutagen.id3

from tests.conftest import corpus_files, ffmpeg, run_moodplay

SECONDS = 10
FILES = ("Nebula.ogg", "Soundtrack/Awakening.ogg", "Soundtrack/Coherence.mp3",
         "Soundtrack/Inevitable.flac")  # fmt: skip


def _corpus(stem: str) -> Path:
    return next(p for p in corpus_files() if p.stem == stem)


def _image(path: Path, source: str) -> bytes:
    """A small picture from one of ffmpeg's test sources; its bytes."""
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", f"{source}=size=48x32",
                    "-frames:v", "1", str(path)], check=True)  # fmt: skip
    return path.read_bytes()


def build(folder: Path) -> Path:
    """The music in ``folder``/music, scanned into ``folder``/lib.db (returned)."""
    music = folder / "music"
    (music / "Soundtrack").mkdir(parents=True)
    cut = {"seconds": SECONDS}
    ffmpeg(_corpus("Nebula"), music / "Nebula.ogg", "-c:a", "copy", **cut)
    ffmpeg(_corpus("Awakening"), music / "Soundtrack/Awakening.ogg", "-c:a", "copy", **cut)
    _image(music / "Soundtrack/cover.jpg", "testsrc")
    mp3 = ffmpeg(_corpus("Coherence"), music / "Soundtrack/Coherence.mp3", "-map_metadata",
                 "0:s:a:0", "-c:a", "libmp3lame", "-q:a", "6", **cut)  # fmt: skip
    png = _image(folder / "embedded.png", "testsrc2")
    id3 = mutagen.id3.ID3(mp3)
    id3.add(mutagen.id3.TPE2(encoding=3, text="Various Artists"))
    id3.add(mutagen.id3.TDRC(encoding=3, text="2013"))
    id3.add(mutagen.id3.TRCK(encoding=3, text="2"))
    id3.add(mutagen.id3.APIC(encoding=3, mime="image/png", type=3, desc="", data=png))
    id3.save()
    flac = ffmpeg(_corpus("Inevitable"), music / "Soundtrack/Inevitable.flac", "-map_metadata",
                  "0:s:a:0", "-c:a", "flac", **cut)  # fmt: skip
    tags = mutagen.flac.FLAC(flac)
    tags["albumartist"], tags["date"] = "Maxstack", "2014-03"
    picture = mutagen.flac.Picture()
    picture.type, picture.mime = 3, "image/jpeg"
    picture.data = _image(folder / "embedded.jpg", "rgbtestsrc")
    tags.add_picture(picture)
    tags.save()
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db
