"""Analysis of one file, run in a worker process: tags, one decoding pass, the mood model.

Only the excerpts are decoded (seeking), so memory stays at a few excerpts however long the
track is. Nothing is written to disk.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from library._decode import DECODERS, AudioSource
from library._fingerprint import FingerprintAccumulator
from library._tags import TagError, read_tags
from library._types import Analysed, DecodeError, Failed, FileStat, Float32Array, Tags
from mood import (
    SAMPLE_RATE_HZ,
    ExcerptPlan,
    LoudnessMeter,
    TrackAttributeModel,
    TrackMood,
    estimate_tempo,
    log_mel,
    plan_excerpts,
    segment_length,
    segment_power_spectra,
    to_model_rate,
)

FINGERPRINT_WINDOW_S = 12.8
TAIL_PROBE_S = 0.5
TAIL_MARGIN_S = 1.0  # container durations may round up a little
TRUNCATION_RATIO = 0.98
MIN_RATE_HZ = 4000
"""Lowest sample rate analysed (telephone audio is 8 kHz; below 4 kHz a header is broken)."""
MAX_RATE_HZ = 1_536_000
MAX_CHANNELS = 64
STILL_COPYING_S = 60.0
"""A file modified this recently and cut short is probably still being copied: retried later."""


class AnalysisError(Exception):
    def __init__(self, stage: str, reason: str) -> None:
        super().__init__(reason)
        self.stage = stage
        self.reason = reason


@dataclass(frozen=True)
class AnalysisSettings:
    excerpts: int = 6
    excerpt_s: float = 15.0
    max_duration_s: float = 7200.0
    providers: tuple[str, ...] = ("CPUExecutionProvider",)
    threads: int = 1
    id3v1_encoding: str = "latin-1"
    """Python codec of legacy 8-bit ID3v1 tags ([library] id3v1_encoding)."""
    file_timeout_s: float = 300.0
    """Longest one file may take in a worker (seconds, > 0): past it the worker is ended and
    the file recorded as hanging the decoder."""


SILENT_LUFS = -60.0
"""A track quieter than this (integrated, over its excerpts) is near-silent: flagged, kept out of
adaptive queues. Digital silence has no loudness at all (no block passes the -70 LUFS gate)."""
SILENT_PEAK = 10 ** (SILENT_LUFS / 20)
"""Peak sample (full scale 1.0) below which a track too short for a loudness block is silent."""


@dataclass(frozen=True)
class ExcerptResult:
    excerpts_16k: list[Float32Array]
    loudness_lufs: float | None
    fingerprint: bytes
    peak: float = 1.0
    """Largest absolute sample over the excerpts (full scale 1.0)."""

    @property
    def silent(self) -> bool:
        """Silent or near-silent: below SILENT_LUFS, or no loudness and a peak below
        SILENT_PEAK (a short loud file has no loudness either, but a peak)."""
        if self.loudness_lufs is None:
            return self.peak < SILENT_PEAK
        return self.loudness_lufs < SILENT_LUFS


def read_excerpts(source: AudioSource, plan: ExcerptPlan, duration_s: float) -> ExcerptResult:
    """Decode the planned excerpts, the fingerprint window and a check of the tail.

    The rule for short tracks: when the excerpt budget (excerpts x excerpt length) reaches the
    track's length, ``plan_excerpts`` lays non-overlapping windows from the start over the whole
    track, and the track is decoded once, start to end, in one pass: the windows, the
    fingerprint window and the truncation check are all cut from that one decode. Seeking would
    decode the same audio again (the fingerprint window, the tail) and costs most of a short
    Vorbis track's scan. A track longer than the budget is read excerpt by excerpt as before.
    """
    if _covers_track(plan, duration_s):
        return _read_whole(source, plan, duration_s)
    return _read_seeking(source, plan, duration_s)


def _covers_track(plan: ExcerptPlan, duration_s: float) -> bool:
    """Whether the plan's windows start at 0 and reach the end (a track within the budget)."""
    starts = plan.starts_s
    return bool(starts) and starts[0] == 0.0 and starts[-1] + plan.length_s >= duration_s


def _read_seeking(source: AudioSource, plan: ExcerptPlan, duration_s: float) -> ExcerptResult:
    """Decode only the planned excerpts, the fingerprint window and a probe of the tail.

    Seeking keeps decoding to about a third of a typical track (the dominant cost of a scan, see
    bench/scan.py); loudness is therefore measured over the excerpts, which are spread evenly
    over the track. A file shorter than its header says fails the tail probe.
    """
    sr = source.sample_rate
    windows = (source.read(round(s * sr), round(plan.length_s * sr)) for s in plan.starts_s)
    clips, lufs, peak = _summarise(windows, sr)
    _probe_tail(source, duration_s)
    return ExcerptResult(clips, lufs, _fingerprint(source, duration_s), peak)


def _read_whole(source: AudioSource, plan: ExcerptPlan, duration_s: float) -> ExcerptResult:
    """The whole track in one decode, cut into the plan's windows (see read_excerpts)."""
    sr = source.sample_rate
    audio = source.read(0, round(duration_s * sr) + sr)  # a second more: the length may be short
    if source.length_stated and audio.shape[0] < (duration_s - TAIL_MARGIN_S) * sr:
        raise _truncated(duration_s)
    length = round(plan.length_s * sr)
    windows = (audio[round(s * sr) : round(s * sr) + length] for s in plan.starts_s)
    start = round(max(0.0, duration_s / 2 - FINGERPRINT_WINDOW_S / 2) * sr)
    middle = audio[start : start + round(FINGERPRINT_WINDOW_S * sr)]
    clips, lufs, peak = _summarise(windows, sr)
    return ExcerptResult(clips, lufs, _print_of(middle, sr), peak)


def _summarise(
    windows: Iterable[Float32Array], sr: int
) -> tuple[list[Float32Array], float | None, float]:
    """16 kHz mono clips, integrated loudness and peak of the excerpt windows."""
    meter = LoudnessMeter(sr)
    clips, peak = [], 0.0
    for window in windows:
        audio = _finite(window)
        if audio.shape[0] == 0:
            continue
        meter.add_power_spectra(segment_power_spectra(audio, sr))
        clips.append(to_model_rate(audio.mean(axis=1), sr))
        peak = max(peak, float(np.abs(audio).max()))
    if not clips:
        raise AnalysisError("analysis", "no finite samples: every sample is NaN or infinite")
    return clips, meter.integrated_lufs(), peak


def _fingerprint(source: AudioSource, duration_s: float) -> bytes:
    """The print of a fixed window at the middle of the track, independent of the config."""
    sr = source.sample_rate
    start = max(0.0, duration_s / 2 - FINGERPRINT_WINDOW_S / 2)
    return _print_of(source.read(round(start * sr), round(FINGERPRINT_WINDOW_S * sr)), sr)


def _print_of(window: Float32Array, sr: int) -> bytes:
    audio = _finite(window)
    prints = FingerprintAccumulator(segment_length(sr), sr)
    prints.add_power_spectra(segment_power_spectra(audio, sr))
    return prints.finish()


def _finite(audio: Float32Array) -> Float32Array:
    """Samples as a player outputs them: NaN and infinities (broken float files) as silence.

    Returns an empty array when no sample is finite, so such a file has nothing to analyse.
    """
    finite = np.isfinite(audio)
    if finite.all():
        return audio
    if not finite.any():
        return audio[:0]
    return np.where(finite, audio, np.float32(0.0)).astype(np.float32)


def _probe_tail(source: AudioSource, duration_s: float) -> None:
    """Raises AnalysisError when the audio stops before a length the file states."""
    if not source.length_stated:
        return  # a measured length ends where the audio ends
    sr = source.sample_rate
    start = max(0.0, duration_s - TAIL_PROBE_S - TAIL_MARGIN_S)
    want = round(TAIL_PROBE_S * sr)
    got = source.read(round(start * sr), want).shape[0]
    if got < want:
        raise _truncated(duration_s)


def _truncated(duration_s: float) -> AnalysisError:
    return AnalysisError(
        "decode",
        f"truncated: the header declares {duration_s:.1f} s but the audio stops before that; "
        "re-rip or re-download it",
    )


class Analyser:
    """Turns a file into an Analysed or a Failed result. One per worker process.

    ``analyse`` never raises: whatever goes wrong with one file (a decoder's error, a broken
    header, a bug) becomes that file's Failed result, with the stage it happened in.
    """

    def __init__(self, settings: AnalysisSettings) -> None:
        self.settings = settings
        self.model = TrackAttributeModel(settings.providers, settings.threads)
        self._stage = "read"

    def analyse(self, file: FileStat) -> Analysed | Failed:
        self._stage = "read"
        try:
            return self._analyse(file)
        except AnalysisError as e:
            return _failed(file, e.stage, e.reason)
        except MemoryError:
            return Failed(file, self._stage, "ran out of memory")
        except Exception as e:  # one file must never stop a scan
            return Failed(
                file, self._stage,
                f"moodplay could not handle this file ({type(e).__name__}: {e}); please report it",
            )  # fmt: skip

    def _analyse(self, file: FileStat) -> Analysed:
        path = Path(file.path)
        _check_readable(path, file)
        self._stage = "tags"
        tags, tag_length = _tags(path, self.settings.id3v1_encoding)
        self._stage = "decode"
        result, duration_s, codec = self._decode(path, tag_length)
        self._stage = "analysis"
        mood, low_confidence = self._mood(result)
        return Analysed(file, tags, duration_s, codec, result.fingerprint, mood,
                        low_confidence=low_confidence, silent=result.silent)  # fmt: skip

    def _decode(self, path: Path, tag_length: float | None) -> tuple[ExcerptResult, float, str]:
        """Read the excerpts with the first decoder that gets through the whole plan.

        A decoder that opens a file may still fail on it later (libsndfile cannot seek in
        some Opus files), so the next decoder gets its turn before the file counts as bad.
        """
        reasons = []
        for opener in DECODERS:
            try:
                source = opener(path)
            except DecodeError as e:
                reasons.append(str(e))
                continue
            try:
                duration_s = _declared_duration(source)
                self._check_duration(duration_s)
                _check_pcm_length(source, duration_s, tag_length)
                plan = plan_excerpts(duration_s, self.settings.excerpts, self.settings.excerpt_s)
                return read_excerpts(source, plan, duration_s), duration_s, source.codec
            except DecodeError as e:
                reasons.append(str(e))
            finally:
                source.close()
        raise AnalysisError("decode", f"not a readable audio file ({'; '.join(reasons)})")

    def _check_duration(self, duration_s: float) -> None:
        limit = self.settings.max_duration_s
        if duration_s > limit:
            raise AnalysisError(
                "probe",
                f"{duration_s / 60:.0f} min long, over the {limit / 60:.0f} min limit; raise "
                "[library] max_duration_min to analyse it",
            )

    def _mood(self, result: ExcerptResult) -> tuple[TrackMood, bool]:
        """The mood and whether it is low-confidence: a track shorter than the model's window
        (mood.MIN_EXCERPT_S, 1 s: e.g. a 0.8 s interlude) is looped to fill it, so the model
        sees only that much music over and over; its tempo is then not estimated (the loop
        would make one)."""
        mels = [log_mel(e) for e in result.excerpts_16k if e.shape[0] >= SAMPLE_RATE_HZ]
        low_confidence = not mels
        if low_confidence:
            longest = max(result.excerpts_16k, key=len)
            mels = [log_mel(np.resize(longest, SAMPLE_RATE_HZ).astype(np.float32))]
        attrs = self.model.predict(mels)
        mood = TrackMood(
            **attrs,
            tempo_bpm=None if low_confidence else estimate_tempo(mels),
            loudness_lufs=result.loudness_lufs,
            model_name=self.model.name,
            model_version=self.model.version,
            excerpts=len(mels),
        )
        return mood, low_confidence


def _check_readable(path: Path, file: FileStat) -> None:
    if file.size_bytes == 0:
        raise AnalysisError("read", "empty file (0 bytes)")
    try:
        with path.open("rb") as f:
            f.read(1)
    except PermissionError:
        raise AnalysisError(
            "read", "permission denied; make it readable (chmod a+r) or remove it"
        ) from None
    except OSError as e:
        raise AnalysisError("read", f"cannot read: {e.strerror or e}") from None


def _tags(path: Path, id3v1_encoding: str) -> tuple[Tags, float | None]:
    # Broken tags alone do not sink a file whose audio decodes: the title falls back to the name.
    try:
        return read_tags(path, id3v1_encoding)
    except TagError:
        return Tags(), None


def _check_pcm_length(source: AudioSource, duration_s: float, tag_length: float | None) -> None:
    """A WAV/AIFF header states its data size; libsndfile silently plays what is there, so a
    cut-off file is only caught by comparing with the header's length (read by mutagen).
    Compressed formats are not checked this way: mutagen only estimates some of them, and a
    WAV written to a pipe has a placeholder size (then the source measured its length)."""
    if not source.codec.startswith(("WAV", "AIFF")) or not tag_length:
        return
    if not source.length_stated:
        return
    if duration_s < tag_length * TRUNCATION_RATIO - 1.0:
        raise AnalysisError(
            "decode",
            f"truncated: the header declares {tag_length:.1f} s but the file holds "
            f"{duration_s:.1f} s of audio; re-rip or re-download it",
        )


def _declared_duration(source: AudioSource) -> float:
    """The source's length in seconds, once its rate and channels are plausible for audio."""
    rate, channels = source.sample_rate, source.channels
    if not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise AnalysisError(
            "probe",
            f"the header gives a sample rate of {rate} Hz, which is not audio (moodplay reads "
            f"{MIN_RATE_HZ:,}-{MAX_RATE_HZ:,} Hz); the header is probably broken",
        )
    if not 1 <= channels <= MAX_CHANNELS:
        raise AnalysisError("probe", f"the header gives {channels} channels (1-{MAX_CHANNELS})")
    if not source.frames or not math.isfinite(source.frames):
        raise AnalysisError(
            "probe", "the file does not say how long it is, nor could it be measured"
        )
    return source.frames / rate  # shorter than the model's window: looped, see _mood


def _failed(file: FileStat, stage: str, reason: str) -> Failed:
    """The Failed result; a file cut short that changed in the last minute is probably still
    being copied, so it is said so and retried at the next scan instead of called truncated."""
    age_s = time.time() - file.mtime_ns / 1e9
    if reason.startswith("truncated") and age_s < STILL_COPYING_S:
        return Failed(
            file, stage,
            f"probably still being copied (modified {max(age_s, 0):.0f} s ago and shorter than "
            "its header says); it is retried at the next scan",
            retry=True,
        )  # fmt: skip
    return Failed(file, stage, reason)
