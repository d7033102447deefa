"""mp3, flac, wav, opus and m4a/AAC copies of a real track, and ReplayGain tags."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import mutagen.flac
import mutagen.id3
import mutagen.wave
import pytest

from library._decode import open_audio
from library._tags import read_tags
from tests.conftest import corpus_files, ffmpeg, run_moodplay

FORMATS = {
    "mp3": ["-c:a", "libmp3lame", "-q:a", "4"],
    "flac": ["-c:a", "flac"],
    "wav": ["-c:a", "pcm_s16le"],
    "opus": ["-c:a", "libopus", "-b:a", "96k"],
    "m4a": ["-c:a", "aac", "-b:a", "128k"],
}


@pytest.fixture(scope="module")
def format_library(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    source = next(p for p in corpus_files() if p.stem == "Coherence")
    original = Path(shutil.copy2(source, folder / "original.ogg"))
    for ext, args in FORMATS.items():
        # Vorbis comments are stream metadata to ffmpeg: map them to the output's tags.
        ffmpeg(original, folder / f"copy.{ext}", *args, "-map_metadata", "0:s:a:0")
    # ffmpeg tags WAV with a RIFF INFO chunk, which mutagen does not read; taggers write ID3.
    wav = mutagen.wave.WAVE(folder / "copy.wav")
    wav.add_tags()
    assert wav.tags is not None
    wav.tags.add(mutagen.id3.TIT2(encoding=3, text=["Coherence"]))
    wav.save()
    rg_flac = ffmpeg(original, folder / "replaygain.flac", "-c:a", "flac")
    tags = mutagen.flac.FLAC(rg_flac)
    tags["REPLAYGAIN_TRACK_GAIN"] = "-7.25 dB"
    tags["REPLAYGAIN_TRACK_PEAK"] = "0.987654"
    tags["REPLAYGAIN_ALBUM_GAIN"] = "-6.50 dB"
    tags["TITLE"] = "Coherence (RG)"
    tags.save()
    rg_mp3 = ffmpeg(original, folder / "replaygain.mp3", "-c:a", "libmp3lame", "-q:a", "5")
    id3 = mutagen.id3.ID3(rg_mp3)
    id3.add(mutagen.id3.TXXX(encoding=3, desc="REPLAYGAIN_TRACK_GAIN", text=["+1.50 dB"]))
    id3.add(mutagen.id3.TXXX(encoding=3, desc="replaygain_track_peak", text=["0.5"]))
    id3.add(mutagen.id3.TRCK(encoding=3, text=["3/12"]))
    id3.save()
    return folder


@pytest.fixture(scope="module")
def scanned(format_library: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("formats-db") / "lib.db"
    result = run_moodplay("scan", "--plain", "--db", str(db), str(format_library))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "8 analysed" in result.stdout and "0 failed" in result.stdout, result.stdout
    return db


def _show(db: Path, query: str) -> dict[str, object]:
    result = run_moodplay("library", "show", query, "--json", "--db", str(db))
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert isinstance(data, dict), f"{query!r} matched several tracks"
    return data


def test_every_format_is_analysed_and_agrees_with_the_original(scanned: Path) -> None:
    original = _show(scanned, "original.ogg")
    for ext in FORMATS:
        copy = _show(scanned, f"copy.{ext}")
        assert copy["title"] == "Coherence", ext  # tags carried over by ffmpeg, read by mutagen
        assert copy["duration_s"] == pytest.approx(original["duration_s"], abs=0.2), ext
        for attr in ("valence", "energy", "danceability"):
            assert copy[attr] == pytest.approx(original[attr], abs=0.05), (ext, attr)
        assert copy["loudness_lufs"] == pytest.approx(original["loudness_lufs"], abs=0.7), ext


def test_m4a_goes_through_the_fallback_decoder(scanned: Path, format_library: Path) -> None:
    assert str(_show(scanned, "copy.m4a")["codec"]).startswith("ffmpeg/aac")
    assert str(_show(scanned, "copy.flac")["codec"]).startswith("FLAC")
    source = open_audio(format_library / "copy.m4a")
    try:
        block = source.read(source.sample_rate * 10, source.sample_rate)
    finally:
        source.close()
    assert block.shape == (source.sample_rate, 2)
    assert float(abs(block).max()) > 0.01


def test_replaygain_tags_are_stored(scanned: Path) -> None:
    flac = _show(scanned, "replaygain.flac")
    assert flac["title"] == "Coherence (RG)"
    assert flac["rg_track_gain_db"] == -7.25
    assert flac["rg_track_peak"] == pytest.approx(0.987654)
    assert flac["rg_album_gain_db"] == -6.5
    mp3 = _show(scanned, "replaygain.mp3")
    assert mp3["rg_track_gain_db"] == 1.5
    assert mp3["rg_track_peak"] == 0.5
    assert mp3["track_number"] == 3


def test_files_without_tags_fall_back_to_the_file_name(tmp_path: Path) -> None:
    source = next(p for p in corpus_files() if p.stem == "Awakening")
    bare = ffmpeg(source, tmp_path / "no tags here.wav", "-map_metadata", "-1", seconds=5)
    tags, length = read_tags(bare)
    assert tags.title is None and tags.artist is None
    assert length == pytest.approx(5.0, abs=0.05)
