"""Analysis of one file, run in a worker process: tags, one decoding pass, the mood model.

Only the excerpts are decoded (seeking), so memory stays at a few excerpts however long the
track is. Nothing is written to disk.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from library._decode import DECODERS, AudioSource
from library._fingerprint import FingerprintAccumulator
from library._tags import TagError, read_tags
from library._types import Analysed, DecodeError, Failed, FileStat, Float32Array, Tags
from mood import (
    MIN_EXCERPT_S,
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


@dataclass(frozen=True)
class ExcerptResult:
    excerpts_16k: list[Float32Array]
    loudness_lufs: float | None
    fingerprint: bytes


def read_excerpts(source: AudioSource, plan: ExcerptPlan, duration_s: float) -> ExcerptResult:
    """Decode only the planned excerpts, the fingerprint window and a probe of the tail.

    Seeking keeps decoding to about a third of a typical track (the dominant cost of a scan, see
    bench/scan.py); loudness is therefore measured over the excerpts, which are spread evenly
    over the track. A file shorter than its header says fails the tail probe.
    """
    sr = source.sample_rate
    meter = LoudnessMeter(sr)
    clips = []
    for start_s in plan.starts_s:
        audio = source.read(round(start_s * sr), round(plan.length_s * sr))
        if audio.shape[0] == 0:
            continue
        meter.add_power_spectra(segment_power_spectra(audio, sr))
        clips.append(to_model_rate(audio.mean(axis=1), sr))
    _probe_tail(source, duration_s)
    return ExcerptResult(clips, meter.integrated_lufs(), _fingerprint(source, duration_s))


def _fingerprint(source: AudioSource, duration_s: float) -> bytes:
    """The print of a fixed window at the middle of the track, independent of the config."""
    sr = source.sample_rate
    start = max(0.0, duration_s / 2 - FINGERPRINT_WINDOW_S / 2)
    audio = source.read(round(start * sr), round(FINGERPRINT_WINDOW_S * sr))
    prints = FingerprintAccumulator(segment_length(sr), sr)
    prints.add_power_spectra(segment_power_spectra(audio, sr))
    return prints.finish()


def _probe_tail(source: AudioSource, duration_s: float) -> None:
    sr = source.sample_rate
    start = max(0.0, duration_s - TAIL_PROBE_S - TAIL_MARGIN_S)
    want = round(TAIL_PROBE_S * sr)
    got = source.read(round(start * sr), want).shape[0]
    if got < want:
        raise AnalysisError(
            "decode",
            f"truncated: the header declares {duration_s:.1f} s but the audio stops before "
            "that; re-rip or re-download it",
        )


class Analyser:
    """Turns a file into an Analysed or a Failed result. One per worker process."""

    def __init__(self, settings: AnalysisSettings) -> None:
        self.settings = settings
        self.model = TrackAttributeModel(settings.providers, settings.threads)

    def analyse(self, file: FileStat) -> Analysed | Failed:
        try:
            return self._analyse(file)
        except AnalysisError as e:
            return Failed(file, e.stage, e.reason)
        except MemoryError:
            return Failed(file, "analysis", "ran out of memory")

    def _analyse(self, file: FileStat) -> Analysed:
        path = Path(file.path)
        _check_readable(path, file)
        tags, tag_length = _tags(path)
        result, duration_s, codec = self._decode(path, tag_length)
        return Analysed(file, tags, duration_s, codec, result.fingerprint, self._mood(result))

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
                duration_s = _declared_duration(source, tag_length)
                self._check_duration(max(duration_s, tag_length or 0.0))
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

    def _mood(self, result: ExcerptResult) -> TrackMood:
        mels = [log_mel(e) for e in result.excerpts_16k if e.shape[0] >= SAMPLE_RATE_HZ]
        if not mels:
            raise AnalysisError("analysis", f"too short to analyse (needs {MIN_EXCERPT_S:g} s)")
        attrs = self.model.predict(mels)
        return TrackMood(
            **attrs,
            tempo_bpm=estimate_tempo(mels),
            loudness_lufs=result.loudness_lufs,
            model_name=self.model.name,
            model_version=self.model.version,
            excerpts=len(mels),
        )


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


def _tags(path: Path) -> tuple[Tags, float | None]:
    # Broken tags alone do not sink a file whose audio decodes: the title falls back to the name.
    try:
        return read_tags(path)
    except TagError:
        return Tags(), None


def _check_pcm_length(source: AudioSource, duration_s: float, tag_length: float | None) -> None:
    """A WAV/AIFF header states its data size; libsndfile silently plays what is there, so a
    cut-off file is only caught by comparing with the header's length (read by mutagen).
    Compressed formats are not checked this way: mutagen only estimates some of them."""
    if not source.codec.startswith(("WAV", "AIFF")) or not tag_length:
        return
    if duration_s < tag_length * TRUNCATION_RATIO - 1.0:
        raise AnalysisError(
            "decode",
            f"truncated: the header declares {tag_length:.1f} s but the file holds "
            f"{duration_s:.1f} s of audio; re-rip or re-download it",
        )


def _declared_duration(source: AudioSource, tag_length: float | None) -> float:
    if source.frames:
        duration_s = source.frames / source.sample_rate
    elif tag_length and math.isfinite(tag_length):
        duration_s = tag_length
    else:
        raise AnalysisError("probe", "the file does not say how long it is")
    if duration_s < MIN_EXCERPT_S:
        raise AnalysisError("probe", f"too short to analyse ({duration_s:.2f} s)")
    return duration_s
