"""Spoken answers and earcons: espeak-ng rendered into memory, played by one worker thread.

espeak-ng runs as a subprocess with the text on stdin and its WAV on stdout, parsed here from
memory: audio is never written to disk. Earcons are synthesised with numpy. ``AnswerOutput``
plays both through sounddevice (imported only via ``voice._capture``, the module that owns it)
on one background thread, so callers never wait for a sound; a broken output device is logged
and the sound dropped, never raised into the caller.
"""

from __future__ import annotations

import logging
import os
import shutil
import struct
import subprocess
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from voice._asr import EngineError, Int16Array

log = logging.getLogger(__name__)

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


@dataclass(frozen=True)
class Played:
    """What became of one requested sound (AnswerOutput.history)."""

    kind: str
    text: str
    outcome: str
    """"played"; "cut" (a wake earcon or close() interrupted it); "replaced" (a newer answer
    took its place in the queue); "dropped" (no output device); "failed" (rendering failed)."""


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


# --- playback ---------------------------------------------------------------------------------

CHUNK_S = 0.02  # write granularity: how fast a wake earcon can cut a sentence
MAX_PENDING = 4
HISTORY = 64


@dataclass
class _Job:
    kind: str
    text: str
    render: Callable[[], Sound]
    generation: int


class AnswerOutput:
    """Plays answers on the default (or a named) output device from ONE worker thread.

    ``speak()`` and ``play_earcon()`` return at once; espeak-ng renders on the worker. Queue
    policy: at most MAX_PENDING sounds wait; a new sentence replaces sentences still waiting
    (the newest answer wins); ``play_earcon(kind, interrupt=True)`` (the daemon uses it for
    "wake") cuts what is playing and drops everything waiting.

    ``on_playing(True)`` is called on the worker before a sound starts and ``on_playing(False)``
    ``release_s`` after the last queued sound has left the speaker (sounds back to back stay one
    True..False span, so the music is not pumped between a cue and a sentence). The daemon ducks
    the music and ignores the microphone in between (half duplex). ``lead_s`` is waited after
    True, so the duck has begun before the first sample. ``playing_kind`` names the sound
    playing while True (an earcon name or "speech"). An exception in the callback is logged.

    No output device (or a device that fails mid-sound) is logged once per outage and the sound
    dropped. ``history`` keeps the last HISTORY outcomes for tests and ``moodplay doctor``.
    PortAudio lists devices once: set PULSE_SERVER before the first sounddevice use.
    """

    def __init__(
        self,
        on_playing: Callable[[bool], None] | None = None,
        device: str | int | None = None,
        *,
        lead_s: float = 0.08,
        release_s: float = 0.15,
    ) -> None:
        self.on_playing = on_playing
        self.device = device
        self.lead_s, self.release_s = lead_s, release_s
        self.playing_kind: str | None = None
        self._pending: deque[_Job] = deque()
        self._history: deque[Played] = deque(maxlen=HISTORY)
        self._cond = threading.Condition()
        self._generation = 0  # bumped by an interrupt: older jobs stop at their next chunk
        self._busy = False  # a job taken off the queue is being rendered or played
        self._playing = False
        self._closed = False
        self._device_ok = True
        self._thread = threading.Thread(target=self._run, name="answers", daemon=True)
        self._thread.start()

    # -- caller side (any thread) --

    def speak(self, text: str, voice: str = "en-us", rate_wpm: int = DEFAULT_RATE_WPM) -> None:
        """Queue a sentence; espeak-ng renders it on the worker (errors end in ``history``)."""

        def render() -> Sound:
            pcm, rate = render_speech(text, voice, rate_wpm)
            return Sound(SPEECH, trim_silence(pcm, rate), rate, text)

        self._submit(SPEECH, text, render, interrupt=False)

    def play_earcon(self, kind: str, *, interrupt: bool = False) -> None:
        """Queue an earcon (EARCONS); ``interrupt`` cuts the sound playing and the queue."""
        if kind not in EARCONS:
            raise ValueError(f"no earcon {kind!r}; one of {', '.join(EARCONS)}")
        self._submit(kind, "", lambda: Sound(kind, earcon(kind), EARCON_RATE_HZ), interrupt)

    @property
    def is_playing(self) -> bool:
        """True between on_playing(True) and on_playing(False)."""
        return self._playing

    @property
    def history(self) -> tuple[Played, ...]:
        """The last HISTORY requested sounds and their outcomes, oldest first."""
        with self._cond:
            return tuple(self._history)

    def wait_idle(self, timeout_s: float = 10.0) -> bool:
        """Block until nothing is queued or playing (on_playing(False) was told); False on
        timeout. For shutdown ("say goodbye, then close") and tests."""
        with self._cond:
            return self._cond.wait_for(
                lambda: not (self._pending or self._busy or self._playing), timeout_s
            )

    def close(self, timeout_s: float = 2.0) -> None:
        """Cut what plays, drop the queue, stop the worker (on_playing(False) if it was True)."""
        with self._cond:
            self._closed = True
            self._generation += 1
            self._drop_pending(lambda job: True, "cut")
            self._cond.notify_all()
        self._thread.join(timeout=timeout_s)

    def _submit(self, kind: str, text: str, render: Callable[[], Sound], interrupt: bool) -> None:
        with self._cond:
            if self._closed:
                return
            if interrupt:
                self._generation += 1
                self._drop_pending(lambda job: True, "cut")
            elif kind == SPEECH:
                self._drop_pending(lambda job: job.kind == SPEECH, "replaced")
            while len(self._pending) >= MAX_PENDING:
                old = self._pending.popleft()
                self._history.append(Played(old.kind, old.text, "replaced"))
            self._pending.append(_Job(kind, text, render, self._generation))
            self._cond.notify_all()

    def _drop_pending(self, which: Callable[[_Job], bool], outcome: str) -> None:
        keep = [job for job in self._pending if not which(job)]
        for job in self._pending:
            if which(job):
                self._history.append(Played(job.kind, job.text, outcome))
        self._pending = deque(keep)

    # -- worker side --

    def _run(self) -> None:
        try:
            while (job := self._next_job()) is not None:
                outcome = self._do(job)
                with self._cond:
                    self._history.append(Played(job.kind, job.text, outcome))
                    self._busy = False
                    self._cond.notify_all()
        finally:
            self._set_playing(False, None)

    def _next_job(self) -> _Job | None:
        """The next job; when none comes within release_s of a sound, on_playing(False)."""
        with self._cond:
            if self._playing:
                self._cond.wait_for(lambda: self._pending or self._closed, self.release_s)
            idle = not self._pending
        if idle:
            self._set_playing(False, None)  # outside the lock: never call out holding it
        with self._cond:
            self._cond.wait_for(lambda: self._pending or self._closed)
            if self._closed:
                return None
            self._busy = True
            return self._pending.popleft()

    def _do(self, job: _Job) -> str:
        try:
            sound = job.render()
        except (SpeechError, ValueError) as e:
            log.warning("answers: cannot render %s %r: %s", job.kind, job.text, e)
            return "failed"
        except Exception:  # a bug must not end the worker: later answers still play
            log.exception("answers: rendering %s %r", job.kind, job.text)
            return "failed"
        if sound.pcm.shape[0] == 0:
            log.warning("answers: %s %r rendered to silence", job.kind, job.text)
            return "failed"
        if self._stale(job):
            return "cut"
        return self._play(job, sound)

    def _stale(self, job: _Job) -> bool:
        return job.generation != self._generation

    def _play(self, job: _Job, sound: Sound) -> str:
        stream, pcm = self._open(sound)
        if stream is None:
            return "dropped"
        try:
            if not self._playing:
                self._set_playing(True, sound.kind)
                self._sleep(job, self.lead_s)
            self.playing_kind = sound.kind
            return self._write(job, stream, pcm)
        except Exception as e:  # the server went away mid-sound: PortAudioError and kin
            self._device_failed(e)
            return "dropped"
        finally:
            _close(stream)

    def _write(self, job: _Job, stream: Any, pcm: Int16Array) -> str:
        if self._stale(job):
            return "cut"
        stream.start()
        step = max(1, int(stream.samplerate * CHUNK_S))
        for at in range(0, pcm.shape[0], step):
            if self._stale(job):
                stream.abort()
                return "cut"
            stream.write(pcm[at : at + step].reshape(-1, 1))
        # What was written still sits in the device's buffer for about its latency.
        if not self._sleep(job, float(stream.latency)):
            stream.abort()
            return "cut"
        stream.stop()
        return "played"

    def _sleep(self, job: _Job, seconds: float) -> bool:
        """Wait ``seconds`` unless the job is cut first (False then)."""
        deadline = time.monotonic() + seconds
        with self._cond:
            while not self._stale(job) and (left := deadline - time.monotonic()) > 0:
                self._cond.wait(left)
            return not self._stale(job)

    def _open(self, sound: Sound) -> tuple[Any, Int16Array]:
        """An unstarted blocking output stream for ``sound`` and the PCM at the stream's rate;
        (None, pcm) when no device opens (logged once per outage)."""
        try:
            from voice._capture import _sounddevice

            sd = _sounddevice()
            info = sd.query_devices(self.device, "output")
            stream, pcm = _stream(sd, self.device, sound, float(info["default_samplerate"]))
        except Exception as e:  # ValueError (no such device), PortAudioError, EngineError
            self._device_failed(e)
            return None, sound.pcm
        if not self._device_ok:
            log.info("answers: output device %r is back", str(info["name"]))
            self._device_ok = True
        return stream, pcm

    def _device_failed(self, error: Exception) -> None:
        if self._device_ok:
            log.warning("answers: no output device (%s); answers are dropped until it works",
                        error)  # fmt: skip
        self._device_ok = False

    def _set_playing(self, on: bool, kind: str | None) -> None:
        # True is recorded before the callback and False after it, so that whoever sees
        # is_playing False (wait_idle) knows the daemon has been told.
        if on == self._playing:
            return
        if on:
            self._mark(on, kind)
        if self.on_playing is not None:
            try:
                self.on_playing(on)
            except Exception:  # a failing listener is logged, never fatal (CONVENTIONS 5)
                log.exception("answers: on_playing(%s) failed", on)
        if not on:
            self._mark(on, kind)

    def _mark(self, on: bool, kind: str | None) -> None:
        with self._cond:
            self._playing, self.playing_kind = on, kind
            self._cond.notify_all()


def _stream(
    sd: Any, device: str | int | None, sound: Sound, fallback_hz: float
) -> tuple[Any, Int16Array]:
    """Open at the sound's own rate; a device that refuses it gets the PCM resampled."""
    try:
        return sd.OutputStream(samplerate=sound.rate_hz, channels=1, dtype="int16",
                               device=device), sound.pcm  # fmt: skip
    except sd.PortAudioError:
        rate = int(fallback_hz)
        stream = sd.OutputStream(samplerate=rate, channels=1, dtype="int16", device=device)
        return stream, _resample(sound.pcm, sound.rate_hz, rate)


def _resample(pcm: Int16Array, src_hz: int, dst_hz: int) -> Int16Array:
    # Linear interpolation: enough for a voice prompt on a device that cannot take 22.05 kHz.
    n = round(pcm.shape[0] * dst_hz / src_hz)
    x = np.arange(n) * (src_hz / dst_hz)
    return np.round(np.interp(x, np.arange(pcm.shape[0]), pcm)).astype(np.int16)


def _close(stream: Any) -> None:
    try:
        stream.close()
    except Exception as e:  # closing a broken stream: nothing more to do
        log.info("answers: closing the output stream: %s", e)
