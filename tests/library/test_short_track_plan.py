"""A track within the excerpt budget (excerpts x excerpt length) is decoded once, start to end,
and cut into non-overlapping windows; a longer track is read excerpt by excerpt, unchanged.
Both on real files, through libsndfile."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from library._analyse import (
    FINGERPRINT_WINDOW_S,
    TAIL_MARGIN_S,
    TAIL_PROBE_S,
    ExcerptResult,
    _read_seeking,
    read_excerpts,
)
from library._decode import open_audio
from library._types import Float32Array
from mood import plan_excerpts
from tests.conftest import CORPUS
from tests.library import oddfiles

EXCERPTS, EXCERPT_S = 6, 15.0


class Recording:
    """A real AudioSource that notes every read (start, frames)."""

    def __init__(self, path: Path) -> None:
        self._source = open_audio(path)
        self.sample_rate = self._source.sample_rate
        self.channels = self._source.channels
        self.frames = self._source.frames
        self.length_stated = self._source.length_stated
        self.codec = self._source.codec
        self.reads: list[tuple[int, int]] = []

    def read(self, start: int, frames: int) -> Float32Array:
        self.reads.append((start, frames))
        return self._source.read(start, frames)

    def close(self) -> None:
        self._source.close()


def _read(path: Path, reader=read_excerpts) -> tuple[ExcerptResult, Recording]:  # type: ignore[no-untyped-def]
    source = Recording(path)
    assert source.frames
    duration_s = source.frames / source.sample_rate
    try:
        return reader(source, plan_excerpts(duration_s, EXCERPTS, EXCERPT_S), duration_s), source
    finally:
        source.close()


def _assert_same(a: ExcerptResult, b: ExcerptResult) -> None:
    assert len(a.excerpts_16k) == len(b.excerpts_16k)
    for x, y in zip(a.excerpts_16k, b.excerpts_16k, strict=True):
        np.testing.assert_array_equal(x, y)
    assert (a.fingerprint, a.loudness_lufs, a.peak) == (b.fingerprint, b.loudness_lufs, b.peak)


@pytest.fixture(scope="module")
def short_track(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """80 s of a corpus track: under the 90 s budget (6 x 15 s), as a game soundtrack's are."""
    return oddfiles._cut(
        tmp_path_factory.mktemp("short") / "short.ogg", 30, 80, "-c:a", "libvorbis"
    )


def test_a_track_within_the_budget_is_decoded_once(short_track: Path) -> None:
    result, source = _read(short_track)
    sr = source.sample_rate
    assert source.reads == [(0, 81 * sr)]
    assert len(result.excerpts_16k) == 6  # windows at 0, 15, ..., 75 s: the last one 5 s
    assert [len(c) for c in result.excerpts_16k] == [15 * 16000] * 5 + [
        pytest.approx(5 * 16000, abs=2)
    ]


def test_the_single_decode_gives_what_seeking_gave(short_track: Path) -> None:
    once, _ = _read(short_track)
    seeking, _ = _read(short_track, _read_seeking)
    _assert_same(once, seeking)


def test_a_track_longer_than_the_budget_is_read_as_before() -> None:
    path = CORPUS / "Awakening.ogg"  # 208 s
    result, source = _read(path)
    sr, frames = source.sample_rate, source.frames
    assert frames is not None
    duration_s = frames / sr
    plan = plan_excerpts(duration_s, EXCERPTS, EXCERPT_S)
    middle = duration_s / 2 - FINGERPRINT_WINDOW_S / 2
    tail = duration_s - TAIL_PROBE_S - TAIL_MARGIN_S
    assert source.reads == [
        *((round(s * sr), round(EXCERPT_S * sr)) for s in plan.starts_s),
        (round(tail * sr), round(TAIL_PROBE_S * sr)),
        (round(middle * sr), round(FINGERPRINT_WINDOW_S * sr)),
    ]
    seeking, _ = _read(path, _read_seeking)
    _assert_same(result, seeking)


def test_a_short_file_cut_off_before_its_stated_length_is_truncated(tmp_path: Path) -> None:
    expect = oddfiles.truncated_old(tmp_path)  # a 60 s MP3 whose Xing header states 60 s
    with pytest.raises(Exception, match=expect.reason):
        _read(tmp_path / "truncated.mp3")
