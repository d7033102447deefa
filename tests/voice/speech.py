"""Spoken test audio: flite (English) and espeak-ng (Korean) at 16 kHz, music from the corpus."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import soundfile as sf

from mood import to_model_rate
from tests.conftest import corpus_files

SR = 16_000


def say(text: str, folder: Path, voice: str = "slt") -> np.ndarray:
    """``text`` spoken by a flite voice (or espeak-ng's Korean for voice="ko"), 16 kHz int16."""
    raw = folder / f"{voice}-{abs(hash(text))}.wav"
    if not raw.exists():
        if voice == "ko":
            subprocess.run(["espeak-ng", "-v", "ko", "-w", str(raw), text], check=True)
        else:
            subprocess.run(["flite", "-voice", voice, "-t", text, "-o", str(raw)], check=True)
    audio, sr = sf.read(raw, dtype="float32", always_2d=True)
    return to_int16(to_model_rate(np.ascontiguousarray(audio.mean(axis=1)), sr))


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


def mix_at_snr(speech: np.ndarray, background: np.ndarray, snr_db: float) -> np.ndarray:
    """Speech over background at ``snr_db``: RMS of the active speech over RMS of the music."""
    s = speech.astype(np.float64)
    active = np.abs(s) > 0.02 * np.abs(s).max()
    speech_rms = np.sqrt(np.mean(s[active] ** 2))
    bg = background[: s.shape[0]].astype(np.float64)
    bg_rms = np.sqrt(np.mean(bg**2)) or 1.0
    gain = speech_rms / (bg_rms * 10 ** (snr_db / 20))
    mixed: np.ndarray = np.clip(s + bg * gain, -32768, 32767).astype(np.int16)
    return mixed
