"""Spoken test audio at 16 kHz int16 mono: many synthetic voices, music, noise, rooms.

Voices: flite (slt, rms, kal16, awb, kal), espeak-ng (English variants; Korean as "ko"),
festival (Debian ``festival`` + ``festvox-kdlpc16k``) and sox pitch/tempo shifts of flite.
Renderings are cached in the caller's folder by voice and text (a content hash, so separate
processes share the cache). Backgrounds: real music (singularity-music), pink noise, a second
talker (pocketsphinx-testdata read speech), a synthetic room, and a faint noise floor; a
:class:`Scene` puts a spoken clip into one :class:`Condition` of these, in parts, so that a
listening loop can duck the music block by block as the player would.
"""

from __future__ import annotations

import functools
import hashlib
import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import soundfile as sf

from mood import to_model_rate
from tests.conftest import corpus_files

SR = 16_000
LIBRIVOX = Path("/usr/share/pocketsphinx/test/data/librivox")
FLOOR_DBFS = -70.0
"""Level of the white noise floor under test audio: exact digital zeros are not a microphone,
and a wake-word model under-reports on them."""


@dataclass(frozen=True)
class Voice:
    """How to speak a text: a synthesiser, its voice, and sox effects applied afterwards."""

    engine: str
    """flite, espeak-ng or festival."""
    model: str
    """The synthesiser's own voice name."""
    effects: tuple[str, ...] = ()
    """sox effect arguments, e.g. ("pitch", "-300") (cents) or ("tempo", "1.15")."""


VOICES: dict[str, Voice] = {
    **{v: Voice("flite", v) for v in ("slt", "rms", "kal16", "awb", "kal")},
    "ko": Voice("espeak-ng", "ko"),
    "espeak-m3": Voice("espeak-ng", "en-us+m3"),
    "espeak-f3": Voice("espeak-ng", "en-us+f3"),
    "espeak-rp": Voice("espeak-ng", "en-gb-x-rp"),
    "festival-kd": Voice("festival", "ked_diphone"),
    "slt-pitch-300": Voice("flite", "slt", ("pitch", "-300")),
    "rms-pitch+200": Voice("flite", "rms", ("pitch", "200")),
    "awb-tempo-1.15": Voice("flite", "awb", ("tempo", "1.15")),
}
TUNE_VOICES = ("slt", "awb")
"""Voices the phrase table and thresholds may be tuned on."""
HELDOUT_VOICES = ("rms", "kal16", "espeak-m3", "espeak-f3", "espeak-rp", "festival-kd",
                  "slt-pitch-300", "rms-pitch+200", "awb-tempo-1.15")  # fmt: skip
"""Voices nobody tunes on."""


def say(text: str, folder: Path, voice: str = "slt") -> np.ndarray:
    """``text`` spoken by ``voice`` (a key of VOICES, or any flite voice), 16 kHz int16, clean
    (no noise floor: add one with :func:`with_floor`)."""
    key = hashlib.sha1(f"{voice}\n{text}".encode()).hexdigest()[:20]
    cached = folder / f"{voice}-{key}.wav"
    if not cached.exists():
        _write_atomic(cached, _render(text, VOICES.get(voice, Voice("flite", voice)), folder))
    audio, _ = sf.read(cached, dtype="int16")
    return np.asarray(audio, dtype=np.int16)


def _render(text: str, voice: Voice, folder: Path) -> np.ndarray:
    with tempfile.TemporaryDirectory(dir=folder) as tmp:
        raw = Path(tmp) / "raw.wav"
        _synthesise(text, voice, raw)
        if voice.effects:
            shifted = Path(tmp) / "fx.wav"
            subprocess.run(["sox", str(raw), str(shifted), *voice.effects], check=True)
            raw = shifted
        audio, sr = sf.read(raw, dtype="float32", always_2d=True)
    return to_int16(to_model_rate(np.ascontiguousarray(audio.mean(axis=1)), sr))


def _synthesise(text: str, voice: Voice, out: Path) -> None:
    if voice.engine == "flite":
        cmd = ["flite", "-voice", voice.model, "-t", text, "-o", str(out)]
    elif voice.engine == "espeak-ng":
        cmd = ["espeak-ng", "-v", voice.model, "-w", str(out), text]
    elif voice.engine == "festival":
        cmd = ["text2wave", "-eval", f"(voice_{voice.model})", "-o", str(out)]
    else:
        raise ValueError(f"unknown speech synthesiser {voice.engine!r}")
    stdin = text if voice.engine == "festival" else None
    done = subprocess.run(cmd, input=stdin, text=True, check=True, capture_output=True)
    if not out.exists():  # text2wave reports its own errors with exit status 0
        raise RuntimeError(f"{voice.engine} {voice.model} said nothing: {done.stderr.strip()}")


def _write_atomic(path: Path, audio: np.ndarray) -> None:
    """Temp file + rename: two benchmark workers may render the same clip at once."""
    fd, tmp = tempfile.mkstemp(suffix=".wav", dir=path.parent)
    os.close(fd)
    sf.write(tmp, audio, SR, subtype="PCM_16")
    os.replace(tmp, path)


def to_int16(x: np.ndarray) -> np.ndarray:
    return np.clip(x * 32768.0, -32768, 32767).astype(np.int16)


def silence(seconds: float) -> np.ndarray:
    return np.zeros(int(seconds * SR), dtype=np.int16)


def music(seconds: float, track: str = "Coherence", offset_s: float = 60.0) -> np.ndarray:
    """Real music (singularity-music), 16 kHz mono int16."""
    path = next(p for p in corpus_files() if p.stem == track)
    info = sf.info(path)
    start, frames = int(offset_s * info.samplerate), int(seconds * info.samplerate)
    audio, sr = sf.read(path, dtype="float32", always_2d=True, start=start, frames=frames)
    return to_int16(to_model_rate(np.ascontiguousarray(audio.mean(axis=1)), sr))


def music_bed(seconds: float, seed: int) -> np.ndarray:
    """``seconds`` of music from a track and offset picked by ``seed`` (tracks long enough to
    skip their first and last 20 s)."""
    tracks = [(p.stem, sf.info(p).duration) for p in corpus_files()]
    tracks = [(name, length) for name, length in tracks if length > seconds + 60]
    rng = np.random.default_rng(seed)
    name, length = tracks[int(rng.integers(len(tracks)))]
    return music(seconds, name, float(rng.uniform(20.0, length - seconds - 20.0)))


def active_rms(speech: np.ndarray) -> float:
    """RMS of the samples above 2 % of the peak: the level of the speech, not of its pauses."""
    s = np.asarray(speech, dtype=np.float64)
    active = np.abs(s) > 0.02 * np.abs(s).max()
    return float(np.sqrt(np.mean(s[active] ** 2)))


def at_level(audio: np.ndarray, dbfs: float) -> np.ndarray:
    """``audio`` scaled so that its active RMS (see :func:`active_rms`) is ``dbfs``, float."""
    x = np.asarray(audio, dtype=np.float64)
    rms = active_rms(x)
    return x * (32768.0 * 10 ** (dbfs / 20) / rms) if rms > 0 else x


def snr_gain(speech: np.ndarray, background: np.ndarray, snr_db: float) -> float:
    """Factor for ``background`` (over the speech's length) so that the active speech RMS over
    the background RMS is ``snr_db``."""
    bg = np.asarray(background[: speech.shape[0]], dtype=np.float64)
    bg_rms = float(np.sqrt(np.mean(bg**2))) or 1.0
    return active_rms(speech) / (bg_rms * 10 ** (snr_db / 20))


def mix_at_snr(speech: np.ndarray, background: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech over background at ``snr_db``: RMS of the active speech over RMS of the music."""
    s = speech.astype(np.float64)
    bg = background[: s.shape[0]].astype(np.float64)
    mixed: np.ndarray = np.clip(s + bg * snr_gain(speech, bg, snr_db), -32768, 32767)
    return mixed.astype(np.int16)


def noise_floor(samples: int, seed: int, dbfs: float = FLOOR_DBFS) -> np.ndarray:
    """White noise at ``dbfs`` RMS (float, int16 scale)."""
    rms = 32768.0 * 10 ** (dbfs / 20)
    return np.random.default_rng(seed).standard_normal(samples) * rms


def with_floor(audio: np.ndarray, seed: int = 0, dbfs: float = FLOOR_DBFS) -> np.ndarray:
    """``audio`` with a faint white noise floor added, int16."""
    return to_pcm(audio.astype(np.float64) + noise_floor(audio.shape[0], seed, dbfs))


def to_pcm(x: np.ndarray) -> np.ndarray:
    """Float samples on the int16 scale, rounded and clipped to int16."""
    pcm: np.ndarray = np.clip(np.round(x), -32768, 32767).astype(np.int16)
    return pcm


def pink_noise(samples: int, seed: int) -> np.ndarray:
    """Pink (1/f power) noise with RMS 1, shaped in the frequency domain."""
    spectrum = np.fft.rfft(np.random.default_rng(seed).standard_normal(samples))
    freqs = np.fft.rfftfreq(samples, 1 / SR)
    spectrum[1:] /= np.sqrt(freqs[1:])
    spectrum[0] = 0.0
    pink = np.fft.irfft(spectrum, samples)
    return np.asarray(pink / np.sqrt(np.mean(pink**2)), dtype=np.float64)


@functools.cache
def _read_speech() -> np.ndarray:
    clips = [sf.read(p, dtype="int16")[0] for p in sorted(LIBRIVOX.glob("*.wav"))]
    return np.concatenate(clips).astype(np.float64)


def read_speech() -> list[np.ndarray]:
    """Real read speech (librivox, pocketsphinx-testdata), one int16 array per recording."""
    return [sf.read(p, dtype="int16")[0] for p in sorted(LIBRIVOX.glob("*.wav"))]


def talker(samples: int, seed: int) -> np.ndarray:
    """A second talker: ``samples`` of the read speech, looped, from an offset picked by
    ``seed`` (float, int16 scale)."""
    speech = _read_speech()
    start = int(np.random.default_rng(seed).integers(speech.shape[0]))
    reps = (start + samples) // speech.shape[0] + 1
    return np.tile(speech, reps)[start : start + samples]


def room_ir(rt60_s: float = 0.5, drr_db: float = 0.0, seed: int = 0) -> np.ndarray:
    """Synthetic room impulse response: the direct path (1.0) then exponentially decaying
    white noise from 2.5 ms on (-60 dB after ``rt60_s``), its energy ``drr_db`` below the
    direct path's."""
    t = np.arange(int(rt60_s * SR)) / SR
    tail = np.random.default_rng(seed).standard_normal(t.shape[0]) * np.exp(-6.9078 * t / rt60_s)
    tail[: int(0.0025 * SR)] = 0.0
    tail *= 10 ** (-drr_db / 20) / np.sqrt(np.sum(tail**2))
    tail[0] = 1.0
    return tail


def reverberate(audio: np.ndarray, ir: np.ndarray) -> np.ndarray:
    """``audio`` in the room of ``ir``, same length (the tail past the end is cut), float."""
    from scipy.signal import fftconvolve

    wet = fftconvolve(np.asarray(audio, dtype=np.float64), ir)
    return np.asarray(wet[: audio.shape[0]], dtype=np.float64)


def speech_end(audio: np.ndarray, below_db: float = 40.0) -> int:
    """Sample index where the speech in a clean rendering ends: the end of the last 10 ms
    frame whose RMS is within ``below_db`` of the loudest frame's."""
    frame = SR // 100
    n = audio.shape[0] // frame
    frames = np.asarray(audio[: n * frame], dtype=np.float64).reshape(n, frame)
    rms = np.sqrt(np.mean(frames**2, axis=1))
    loud = np.flatnonzero(rms >= rms.max() * 10 ** (-below_db / 20))
    return int((loud[-1] + 1) * frame) if loud.size else 0


def corpus_names() -> dict[str, list[str]]:
    """Artist, album and title names of the demo library (singularity-music's tags)."""
    import mutagen

    names: dict[str, set[str]] = {"artist": set(), "album": set(), "title": set()}
    for path in corpus_files():
        tags = mutagen.File(path) or {}
        for field, values in names.items():
            values.update(tags.get(field, []))
    return {field: sorted(values) for field, values in names.items()}


# ---- a listening scene ----

SCENE_LEAD_S, SCENE_TAIL_S = 1.0, 2.0
"""Audio before the speech of a scene and after it."""
TALKER_EARLY_S = 0.5
"""A second talker starts this long before the speech and goes on past it."""


@dataclass(frozen=True)
class Condition:
    """A listening condition: a background at an SNR, a room, a distance."""

    name: str
    background: str = ""
    """"music" (real, from the corpus), "pink" noise or a second "talker" (read speech)."""
    snr_db: float = 0.0
    """Active speech RMS over background RMS, as :func:`mix_at_snr`."""
    reverb: bool = False
    gain_db: float = 0.0
    """Speech level change after the room (far field: -12 dB)."""


@dataclass
class Scene:
    """What reaches the microphone, in parts, so that a listener's loop can duck the music."""

    speech: np.ndarray
    steady: np.ndarray
    """Noise floor plus what nobody ducks (noise, another talker)."""
    bed: np.ndarray | None
    """The player's music (its volume follows the player)."""
    end_s: float
    """True end of the spoken command on the stream clock (from the clean rendering)."""

    def mix(self, duck: float = 1.0) -> np.ndarray:
        return to_pcm(self.speech + self.steady + (0.0 if self.bed is None else duck * self.bed))


def scene(clip: np.ndarray, cond: Condition, seed: int) -> Scene:
    """``clip`` (speech, int16 scale) in ``cond``, with SCENE_LEAD_S before it and
    SCENE_TAIL_S after it; every part seeded by ``seed``."""
    lead = int(SCENE_LEAD_S * SR)
    n = lead + clip.shape[0] + int(SCENE_TAIL_S * SR)
    dry = np.zeros(n)
    dry[lead : lead + clip.shape[0]] = clip
    speech = reverberate(dry, room_ir(seed=seed)) if cond.reverb else dry
    speech *= 10 ** (cond.gain_db / 20)
    out = Scene(speech, noise_floor(n, seed), None, (lead + speech_end(clip)) / SR)
    if cond.background:
        bg = background(cond.background, n, lead, seed)
        bg *= snr_gain(clip, bg[lead : lead + clip.shape[0]], cond.snr_db)
        if cond.background == "music":
            out.bed = bg
        else:
            out.steady += bg
    return out


def background(kind: str, n: int, lead: int, seed: int) -> np.ndarray:
    if kind == "music":
        bed = music_bed(n / SR + 0.1, seed).astype(np.float64)
        return np.pad(bed, (0, max(0, n - bed.shape[0])))[:n]
    if kind == "pink":
        return pink_noise(n, seed)
    start = lead - int(TALKER_EARLY_S * SR)  # the other talker starts first and goes on
    out = np.zeros(n)
    out[start:] = talker(n - start, seed)
    return out
