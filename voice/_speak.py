"""Spoken answers and earcons, rendered: espeak-ng into memory, earcons synthesised with numpy.

espeak-ng runs as a subprocess with the text on stdin and its WAV on stdout, parsed here from
memory: audio is never written to disk. What is rendered here is played by
:class:`voice._answer_output.AnswerOutput`.
"""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
from dataclasses import dataclass

import numpy as np

from voice._asr import EngineError, Int16Array

ESPEAK = "espeak-ng"
SPEECH_TIMEOUT_S = 10.0
DEFAULT_RATE_WPM = 175  # espeak-ng's own default
MAX_TEXT_CHARS = 600
EARCON_RATE_HZ = 22_050  # espeak-ng's rate: every sound we play has one format
EARCON_PEAK_DBFS = -12.0
EARCONS = ("wake", "not_understood", "done", "error")
SPEECH = "speech"
"""``Sound.kind`` and ``Played.kind`` of a spoken sentence (earcons use their own name)."""


class SpeechError(EngineError):
    """espeak-ng is missing, failed, timed out or returned no audio; the message says which."""


@dataclass(frozen=True)
class Sound:
    """Mono int16 PCM ready to play: an earcon or a rendered sentence."""

    kind: str
    """An earcon name from EARCONS, or SPEECH."""
    pcm: Int16Array
    rate_hz: int
    text: str = ""

    @property
    def duration_s(self) -> float:
        return int(self.pcm.shape[0]) / self.rate_hz


# --- espeak-ng --------------------------------------------------------------------------------


def render_speech(
    text: str,
    voice: str = "en-us",
    rate_wpm: int = DEFAULT_RATE_WPM,
    timeout_s: float = SPEECH_TIMEOUT_S,
) -> tuple[Int16Array, int]:
    """Speak ``text`` with espeak-ng into memory: (mono int16 samples, sample rate in Hz).

    The text goes on stdin (never the command line: a title may start with '-'), UTF-8, at most
    MAX_TEXT_CHARS after control characters are removed. ``voice`` is an espeak-ng voice name
    (``espeak-ng --voices``), ``rate_wpm`` 80..450 words a minute. espeak-ng 1.51 gives 22050 Hz.
    Raises ValueError for empty/too long text or a bad voice/rate, SpeechError when espeak-ng is
    not installed, fails (e.g. unknown voice), exceeds ``timeout_s`` or gives no audio.
    """
    clean = _clean_text(text)
    _check_args(voice, rate_wpm)
    exe = shutil.which(ESPEAK)
    if exe is None:
        raise SpeechError("espeak-ng is not installed; apt-get install espeak-ng")
    cmd = [exe, "--stdout", "-d", "null", "-b", "1", "-v", voice, "-s", str(rate_wpm)]
    env = {**os.environ, "PULSE_SERVER": NO_SOUND_SERVER}
    try:
        done = subprocess.run(cmd, input=clean.encode(), capture_output=True, env=env,
                              timeout=timeout_s, check=False)  # fmt: skip
    except subprocess.TimeoutExpired as e:
        raise SpeechError(f"espeak-ng took longer than {timeout_s:g} s") from e
    except OSError as e:
        raise SpeechError(f"espeak-ng cannot run ({e}); apt-get install espeak-ng") from e
    if done.returncode != 0:
        why = done.stderr.decode(errors="replace").strip().splitlines()
        raise SpeechError(f"espeak-ng -v {voice} failed: {why[-1] if why else done.returncode}")
    return parse_wav(done.stdout)


# espeak-ng 1.51 creates an audio device (libpcaudio) even with --stdout: on PulseAudio that is
# a client and a silent playback stream on the user's server for every sentence. "-d null" makes
# it ALSA's discard device, and a server address that cannot exist keeps libpulse from
# connecting at all (and from creating its runtime files).
NO_SOUND_SERVER = "unix:/dev/null/no-sound-server"


def _clean_text(text: str) -> str:
    clean = " ".join("".join(c if c.isprintable() else " " for c in text).split())
    if not clean:
        raise ValueError("nothing to say: the text is empty")
    if len(clean) > MAX_TEXT_CHARS:
        raise ValueError(f"text of {len(clean)} characters; at most {MAX_TEXT_CHARS} are spoken")
    return clean


def _check_args(voice: str, rate_wpm: int) -> None:
    if not voice or voice.startswith("-") or any(c.isspace() for c in voice):
        raise ValueError(f"{voice!r} is not an espeak-ng voice name (e.g. 'en-us', 'en-gb+f3')")
    if not 80 <= rate_wpm <= 450:
        raise ValueError(f"speech rate {rate_wpm} wpm is outside 80..450")


def parse_wav(data: bytes) -> tuple[Int16Array, int]:
    """16-bit PCM WAV bytes -> (mono int16 samples, rate in Hz); channels are averaged.

    A WAV written to a pipe cannot state its length: its RIFF and data sizes may be 0xFFFFFFFF
    (or espeak-ng's 0x7FFFF000), so the data chunk runs to the end of what was read.
    Raises SpeechError when the bytes are not such a WAV or hold no samples.
    """
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise SpeechError(f"espeak-ng gave no WAV audio ({len(data)} bytes)")
    fmt: tuple[int, int, int, int] | None = None
    pos = 12
    while pos + 8 <= len(data):
        tag, size = data[pos : pos + 4], struct.unpack_from("<I", data, pos + 4)[0]
        body = data[pos + 8 : pos + 8 + size]  # a slice past the end is just the rest
        if tag == b"fmt " and len(body) >= 16:
            code, channels, rate, _, _, bits = struct.unpack_from("<HHIIHH", body)
            fmt = (code, channels, rate, bits)
        elif tag == b"data":
            return _samples(body, fmt)
        pos += 8 + size + (size & 1)
    raise SpeechError("espeak-ng's WAV has no data chunk")


def _samples(body: bytes, fmt: tuple[int, int, int, int] | None) -> tuple[Int16Array, int]:
    if fmt is None or fmt[0] != 1 or fmt[3] != 16 or fmt[1] < 1:
        raise SpeechError(f"espeak-ng's WAV is not 16-bit PCM (format {fmt})")
    _, channels, rate, _ = fmt
    usable = len(body) - len(body) % (2 * channels)
    frames = np.frombuffer(body[:usable], dtype="<i2").reshape(-1, channels)
    if frames.shape[0] == 0:
        raise SpeechError("espeak-ng gave no samples (nothing it could pronounce?)")
    mono = frames[:, 0] if channels == 1 else frames.mean(axis=1)
    return mono.astype(np.int16), int(rate)


def trim_silence(pcm: Int16Array, rate_hz: int, keep_s: float = 0.05) -> Int16Array:
    """``pcm`` without the silence before and after the sound (below -50 dBFS), ``keep_s``
    left at each end. espeak-ng ends every sentence with 0.3 s of silence: trimmed, the
    microphone is given back that much sooner. All-silent audio comes back empty."""
    loud = np.flatnonzero(np.abs(pcm) > SILENCE_LEVEL)
    if loud.size == 0:
        return pcm[:0]
    keep = int(keep_s * rate_hz)
    return pcm[max(0, int(loud[0]) - keep) : int(loud[-1]) + 1 + keep]


SILENCE_LEVEL = 104  # -50 dBFS on the int16 scale


# --- earcons ----------------------------------------------------------------------------------


def earcon(kind: str) -> Int16Array:
    """A short synthetic cue at EARCON_RATE_HZ, mono int16, peak EARCON_PEAK_DBFS (-12 dBFS).

    "wake": rising two-note chime, 150 ms; "not_understood": falling two notes, 200 ms;
    "done": a soft tick, 60 ms; "error": a low double beep, 240 ms. Every note has a raised-
    cosine fade in and out, so the cue starts and ends at 0 (no clicks). ValueError otherwise.
    """
    notes = _EARCON_NOTES.get(kind)
    if notes is None:
        raise ValueError(f"no earcon {kind!r}; one of {', '.join(EARCONS)}")
    wave = np.concatenate([_note(freq, ms, decay) for freq, ms, decay in notes])
    peak = 10 ** (EARCON_PEAK_DBFS / 20) * 32767 / float(np.max(np.abs(wave)))
    pcm: Int16Array = np.round(wave * peak).astype(np.int16)
    return pcm


# (frequency Hz, length ms, decay time constant ms); a frequency of 0 is a pause.
_EARCON_NOTES: dict[str, tuple[tuple[float, float, float], ...]] = {
    "wake": ((659.3, 70, 60), (987.8, 80, 50)),  # E5 -> B5
    "not_understood": ((523.3, 100, 80), (392.0, 100, 60)),  # C5 -> G4
    "done": ((1318.5, 60, 15),),  # E6, decays fast: a tick
    "error": ((220.0, 90, 200), (0, 60, 1), (220.0, 90, 200)),  # A3, pause, A3
}


def _note(freq_hz: float, length_ms: float, decay_ms: float) -> np.ndarray:
    t = np.arange(int(EARCON_RATE_HZ * length_ms / 1000)) / EARCON_RATE_HZ
    if freq_hz == 0:
        return np.zeros_like(t)
    # A touch of the octave makes a chime rather than a test tone.
    tone = np.sin(2 * np.pi * freq_hz * t) + 0.25 * np.sin(4 * np.pi * freq_hz * t)
    fade = min(int(EARCON_RATE_HZ * 0.008), t.shape[0] // 2)  # 8 ms raised cosine each end
    ramp = 0.5 - 0.5 * np.cos(np.linspace(0, np.pi, fade))
    env = np.exp(-t / (decay_ms / 1000))
    env[:fade] *= ramp
    env[-fade:] *= ramp[::-1]
    return np.asarray(tone * env)
