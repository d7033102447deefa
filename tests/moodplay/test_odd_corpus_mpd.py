"""The whole odd corpus (tests/library/oddfiles.py) side by side with Debian's MPD 0.23, and
through the daemon's ``update`` (issue 13): every file moodplay lists has MPD's length (within
1 %) and tags, unless it is listed below with the reason and the side that is right; no file
stops ``mpc update``, and the daemon answers all the while."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest

from tests.conftest import run_moodplay, short_library
from tests.library import oddfiles
from tests.moodplay.daemon import mpc, running
from tests.moodplay.mpd_reference import Raw, pairs, real_mpd

TAG_KEYS = ("Title", "Artist", "Album", "Date", "Genre", "Track", "Disc")

MPD_LENGTH_WRONG = {
    "vbr no xing.mp3": "MPD 0.23 takes the first frame's bitrate times the file size (40.8 s); "
    "the file holds 80 s (a full decode; moodplay counts the frames)",
    "zero sizes.wav": "MPD trusts the WAV's zero data size (0 s); FFmpeg decodes 30 s",
    "chained.ogg": "MPD gives no length for chained Ogg; moodplay measures both streams (45 s)",
    "chained.opus": "as chained.ogg",
}
"""Intended length differences: moodplay's is the full decode's, MPD's is not."""

MPD_ONLY = {
    "2 Hz.wav": "a header saying 2 Hz: MPD lists 50 s of it; moodplay records 'not audio'",
    "all nan.wav": "nothing but NaN samples: MPD lists it; moodplay records 'no finite samples'",
    "truncated.mp3": "cut to 40 % of what its Xing header states: MPD lists the stated 60 s; "
    "moodplay records it as truncated (re-rip it)",
    "copying.mp3": "the same, modified within the last minute: moodplay says it is probably "
    "still being copied and retries it at the next scan",
}
"""Files MPD lists that are recorded failures in moodplay (each with a reason it can show)."""

# Skipped files: moodplay leaves out ._* AppleDouble files and hidden folders ([library]
# skip_hidden); MPD 0.23 lists .AppleDouble/ and .Trash-1000/ as folders, and ._raw.aac as a
# song in some runs (when a decoder plugin claims it), though it holds no audio.

UNTAGGED = {"Title": "the file name without its extension", "Artist": "unknown"}
"""What moodplay shows for a file with no title or artist tag (MPD shows no such line)."""

TAG_DIFFERENCES = {
    "latin1 tag.aac": "its ID3v2 title is Latin-1 bytes marked UTF-8: MPD shows the part before "
    "the bad byte ('Beyonc'), mutagen drops the frame and moodplay shows the file name",
}


@pytest.fixture(scope="module")
def odd(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, oddfiles.Expect]]:
    folder = tmp_path_factory.mktemp("odd_mpd")
    music = folder / "music"
    music.mkdir()
    expected = oddfiles.build(music)
    db = folder / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(music))
    assert result.returncode == 0, result.stderr
    return db, music, expected


def _songs(port: int) -> dict[str, dict[str, list[str]]]:
    """The top folder's songs: {file: {key: values}}."""
    client = Raw(port)
    lines = client.ask("lsinfo")
    client.close()
    out: dict[str, dict[str, list[str]]] = {}
    song: dict[str, list[str]] | None = None
    for key, value in pairs(lines):
        if key in ("file", "directory", "playlist"):
            song = out.setdefault(value, {}) if key == "file" else None
        elif song is not None:
            song.setdefault(key, []).append(value)
    return out


def _seconds(song: dict[str, list[str]]) -> float | None:
    return float(song["duration"][0]) if "duration" in song else None


@pytest.mark.slow
def test_every_odd_file_has_mpds_length_and_tags_or_a_stated_reason(
    odd: tuple[Path, Path, dict[str, oddfiles.Expect]], tmp_path: Path
) -> None:
    db, music, expected = odd
    tracks = {name for name, want in expected.items() if want.kind == "track"}
    daemon_db = Path(shutil.copy(db, tmp_path / "lib.db"))
    with (
        real_mpd(music, tmp_path / "mpd") as mpd_port,
        running(daemon_db, tmp_path / "daemon", "--no-voice") as daemon,
    ):
        theirs, ours = _songs(mpd_port), _songs(daemon.mpd_port)
    skipped = {name for name, want in expected.items() if want.kind == "skipped"}
    assert set(ours) == tracks
    assert set(theirs) - skipped == tracks | set(MPD_ONLY)  # MPD may list ._raw.aac (below)
    for name in sorted(tracks):
        mine, reference = _seconds(ours[name]), _seconds(theirs[name])
        assert mine is not None, name
        if name in MPD_LENGTH_WRONG:
            decoded = oddfiles.decoded_seconds(music / name)
            assert mine == pytest.approx(decoded, rel=0.01), name
            assert reference is None or reference != pytest.approx(decoded, rel=0.01), name
        else:
            assert mine == pytest.approx(reference, rel=0.01), (name, mine, reference)
        their_tags = {k: v for k, v in theirs[name].items() if k in TAG_KEYS}
        our_tags = {k: v for k, v in ours[name].items() if k in TAG_KEYS}
        if name in TAG_DIFFERENCES:
            assert our_tags == {"Title": [Path(name).stem], "Artist": ["unknown"]}, name
            assert their_tags == {"Title": ["Beyonc"]}, name
            continue
        for key, shown in UNTAGGED.items():
            if key not in their_tags:
                want = Path(name).stem if key == "Title" else shown
                assert our_tags.pop(key) == [want], (name, key)
        assert our_tags == their_tags, name


def _status(port: int) -> tuple[str, float]:
    started = time.monotonic()
    answer = mpc(port, "status")
    return answer, time.monotonic() - started


@pytest.mark.slow
def test_mpc_update_of_the_odd_corpus_finishes_and_the_daemon_answers_throughout(
    odd: tuple[Path, Path, dict[str, oddfiles.Expect]], tmp_path: Path
) -> None:
    """A daemon playing a two-track library; the odd corpus is copied into its music folder
    (times kept: the truncated MP3 stays a day old) and ``mpc update`` rescans it twice."""
    _, music, expected = odd
    db = short_library(tmp_path, ("Nebula", "Awakening"), seconds=8)
    shutil.copytree(music, tmp_path / "music" / "odd")
    tracks = sum(want.kind == "track" for want in expected.values())
    with running(db, tmp_path / "daemon", "--no-voice") as daemon:
        port = daemon.mpd_port
        mpc(port, "play")
        slowest = 0.0
        for _ in range(2):  # the second rescan retries the file still being copied
            mpc(port, "update")
            deadline = time.monotonic() + 300
            status, took = _status(port)
            while "Updating DB" in status:
                assert time.monotonic() < deadline, "the rescan never finished"
                slowest = max(slowest, took)
                time.sleep(0.2)
                status, took = _status(port)
            assert "[playing]" in status
            assert re.search(rf"Songs:\s+{2 + tracks}\n", mpc(port, "stats"))
        assert slowest < 2.0, f"mpc status took {slowest:.1f} s during the rescan"
        listed = mpc(port, "ls", "odd").splitlines()
        assert len(listed) == tracks and "odd/vbr no xing.mp3" in listed
