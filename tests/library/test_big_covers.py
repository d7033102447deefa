"""40 MB of embedded pictures in FLAC, Ogg Vorbis, Opus and M4A (issue 13): reading the tags
costs a process almost nothing on top of what it used (mutagen read whole: FLAC +39 MB, M4A
+119 MB, Ogg Vorbis and Opus +213 MB), and the covers are still there for ``readpicture``."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import mutagen.flac
import mutagen.oggopus
import pytest

from library import read_picture
from library._tags import TagError, read_tags
from tests.conftest import REPO
from tests.library import oddfiles

KINDS = (*oddfiles.BIG_COVER_CODECS, "mp3")
COVER_MB = 40
GROWTH_MB = 20
"""Half the cover: a reader that holds the picture once, even without stringifying it, fails."""

READER = """
import sys
from pathlib import Path
from library._tags import read_tags

def mb(key):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(key)) >> 10

with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # the peak (VmHWM) starts again from the RSS now
before = mb("VmRSS")
tags, seconds = read_tags(Path(sys.argv[1]))
print(tags.title, "|", tags.artist, "|", round(seconds), "|", mb("VmHWM") - before)
"""


@pytest.fixture(scope="module")
def covers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("covers")
    made = {ext: oddfiles.big_cover(folder, ext, COVER_MB) for ext in oddfiles.BIG_COVER_CODECS}
    return {**made, "mp3": oddfiles.big_cover_mp3(folder, COVER_MB)}


@pytest.mark.parametrize("kind", KINDS)
def test_reading_the_tags_of_a_40_mb_cover_costs_little_memory(
    covers: dict[str, Path], kind: str
) -> None:
    out = subprocess.run([sys.executable, "-c", READER, str(covers[kind])], capture_output=True,
                         text=True, check=True, cwd=REPO).stdout  # fmt: skip
    title, artist, seconds, grown = out.strip().split(" | ")
    assert (title, artist, seconds) == ("Big Cover", "Heavy", "8")
    assert int(grown) < GROWTH_MB, f"{kind}: peak RSS grew by {grown} MB reading the tags"


@pytest.mark.parametrize("kind", ["flac", "ogg", "m4a"])
def test_the_covers_are_still_read_for_readpicture(covers: dict[str, Path], kind: str) -> None:
    picture = read_picture(covers[kind])
    assert picture is not None and picture.mime == "image/jpeg"
    assert picture.data[:4] == b"\xff\xd8\xff\xe0"
    share = 3 if kind == "flac" else 1  # FLAC: the front cover, the first of three blocks
    assert len(picture.data) == (COVER_MB << 20) // share


def test_text_comments_around_a_picture_comment_are_all_kept(tmp_path: Path) -> None:
    """Comments before and after the skipped picture, keys in any case, several values."""
    path = oddfiles.big_cover(tmp_path, "opus", cover_mb=1)
    audio = mutagen.oggopus.OggOpus(path)
    picture = mutagen.flac.Picture()
    picture.data = b"x" * 1000
    audio["Coverart"] = [base64.b64encode(b"y" * 500).decode()]
    audio["GENRE"] = ["Drone", "Noise"]
    audio["album"] = ["After"]
    audio["metadata_block_picture"] += [base64.b64encode(picture.write()).decode()]
    audio.save()
    tags = read_tags(path)[0]
    assert (tags.title, tags.artists, tags.genres, tags.album) == (
        "Big Cover", ("Heavy",), ("Drone", "Noise"), "After")  # fmt: skip


@pytest.mark.parametrize("kind", ["flac", "ogg", "opus"])
def test_a_file_cut_inside_its_pictures_is_a_tag_error_not_a_crash(
    covers: dict[str, Path], kind: str, tmp_path: Path
) -> None:
    cut = tmp_path / covers[kind].name
    with covers[kind].open("rb") as f:
        cut.write_bytes(f.read(5 << 20))
    with pytest.raises(TagError):
        read_tags(cut)
