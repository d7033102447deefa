"""The acoustic testbed: what the speaker plays reaches the microphone through a room.

``Room`` is the path (a delay, a synthetic impulse response, a loudspeaker's soft clipping, a
noise floor); ``Room.echo`` applies it offline (bench/aec.py, the unit tests), and
``LiveRoom`` applies it live on the private PulseAudio server of tests/pulse.py: it records
``speaker.monitor`` (parec, 16 kHz mono), convolves block by block (overlap-add) and plays the
result with the talker's speech into ``micfeed`` (pacat), so the daemon's microphone hears its
own music as from a loudspeaker across a room, while the test speaks commands into it.

The true delay the live room adds between the speaker and the microphone is the room's own
``delay_s`` plus the sound server's path (parec's and pacat's buffers, ``LATENCY_MS`` and
``PLAY_LATENCY_MS`` asked, and one block of processing): ``LiveRoom.path_s`` is what was asked
(262 ms with the defaults and a 50 ms room). The daemon measures what its timestamps do not
see (voice._echo, from the music): 137-149 ms past the timestamps' alignment in the end-to-end
test here, steady within a run.
"""

from __future__ import annotations

import fcntl
import os
import struct
import subprocess
import termios
import threading
from collections import deque
from dataclasses import dataclass

import numpy as np

from tests.voice.speech import SR, active_rms, room_ir

LATENCY_MS = 30
"""Latency parec is asked for (PulseAudio's buffer)."""
PLAY_LATENCY_MS = 150
"""Latency pacat is asked for: a buffer that rides out this thread being late on a loaded
machine (an underrun would grow the path's delay by its length)."""
BLOCK = 512
"""Samples per live block (32 ms at 16 kHz)."""
LONG_BLOCKS = round(10 * SR / BLOCK)
"""Blocks (10 s) of the echo's level kept for ``echo_rms_long``: a track's loudness moves by
10 dB and more between its intro and its chorus, so a ratio set from the last second is not
the ratio heard over the next minute."""
BACKLOG_BLOCKS = 2
"""Recorded blocks allowed to wait for this thread: more (it was late, on a loaded machine) are
dropped, so the path's delay stays what it was instead of growing by every stall for the
rest of the run (measured before: 104 -> 710 ms in one run under a concurrent test suite)."""


@dataclass(frozen=True)
class Room:
    """Loudspeaker to microphone: ``delay_s`` of flight, an impulse response of ``rt60_s``
    (direct-to-reverberant ratio ``drr_db``), a soft clipping of the loudspeaker
    (``tanh(drive x) / drive`` on full scale 1.0: ~1 % distortion at -6 dBFS for drive 1.5),
    ``gain_db`` of level at the microphone and white noise at ``noise_dbfs``."""

    delay_s: float = 0.04
    rt60_s: float = 0.45
    drr_db: float = 0.0
    drive: float = 1.5
    gain_db: float = -6.0
    noise_dbfs: float = -70.0
    seed: int = 0

    def impulse_response(self) -> np.ndarray:
        """The path as one impulse response at 16 kHz (delay included), float64."""
        ir = room_ir(self.rt60_s, self.drr_db, self.seed) * 10 ** (self.gain_db / 20)
        return np.concatenate([np.zeros(round(self.delay_s * SR)), ir])

    def speaker(self, x: np.ndarray) -> np.ndarray:
        """The loudspeaker's mild non-linearity, on float samples (full scale 1.0)."""
        return np.tanh(self.drive * x) / self.drive

    def echo(self, played: np.ndarray) -> np.ndarray:
        """What the microphone hears of ``played`` (16 kHz, full scale 1.0), same length,
        float64, noise included."""
        from scipy.signal import fftconvolve

        wet = fftconvolve(self.speaker(np.asarray(played, np.float64)), self.impulse_response())
        wet = wet[: played.shape[0]]
        rng = np.random.default_rng(self.seed + 1)
        out: np.ndarray = wet + rng.standard_normal(wet.shape[0]) * 10 ** (self.noise_dbfs / 20)
        return out


def at_ratio(speech: np.ndarray, echo: np.ndarray, music_to_speech_db: float) -> float:
    """Factor for ``speech`` so that the echo's RMS over the speech's active RMS (both over the
    speech's span) is ``music_to_speech_db`` (0 dB: as loud as the talker)."""
    e = float(np.sqrt(np.mean(np.square(echo, dtype=np.float64)))) or 1.0
    return e / (active_rms(speech) * 10 ** (music_to_speech_db / 20))


def erle_db(mic: np.ndarray, out: np.ndarray) -> float:
    """Echo-return-loss enhancement: power of the microphone over power after cancellation, dB
    (over an echo-only stretch)."""
    p_in = float(np.mean(np.square(mic, dtype=np.float64)))
    p_out = float(np.mean(np.square(out, dtype=np.float64))) or 1e-12
    return 10 * float(np.log10(p_in / p_out))


class OverlapAdd:
    """Block convolution with a fixed impulse response (overlap-add, FFT of a power of two):
    ``push(block)`` returns the same number of output samples, the tail carried over."""

    def __init__(self, ir: np.ndarray, block: int = BLOCK) -> None:
        self.block = block
        self.size = 1 << int(np.ceil(np.log2(block + ir.shape[0] - 1)))
        self._h = np.fft.rfft(ir, self.size)
        self._tail = np.zeros(self.size)

    def push(self, x: np.ndarray) -> np.ndarray:
        y = np.fft.irfft(np.fft.rfft(x, self.size) * self._h, self.size)
        y[: self.size - x.shape[0]] += self._tail[x.shape[0] :]
        out = y[: x.shape[0]].copy()
        self._tail = y
        self._tail[: x.shape[0]] = 0.0
        return out


class LiveRoom:
    """The live acoustic path on a private PulseAudio server (``env``: tests.pulse's
    variables): a thread reads the speaker's monitor, puts it through ``room`` and writes it,
    plus whatever ``say`` queued (speech, 16 kHz int16 scale), into the microphone feed.
    ``music_gain`` scales the echo (1.0: the room's own level)."""

    def __init__(self, env: dict[str, str], room: Room | None = None) -> None:
        self.room = room or Room()
        self.music_gain = 1.0
        self._env = {**os.environ, **env}
        self._speech: deque[np.ndarray] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._rec: subprocess.Popen[bytes] | None = None
        self._play: subprocess.Popen[bytes] | None = None
        self.echo_rms = 0.0
        """Running RMS of the echo written (int16 scale, ~1.5 s memory)."""
        self._powers: deque[float] = deque(maxlen=LONG_BLOCKS)
        self._while_speaking: list[float] = []
        """Echo power of each block that carried speech, since ``speaking_echo`` was called."""
        self.dropped_s = 0.0
        """Seconds of the speaker's sound dropped to hold the path's delay (BACKLOG_BLOCKS)."""

    @property
    def echo_rms_long(self) -> float:
        """RMS of the echo written over the last 10 s (int16 scale, before ``music_gain`` is
        changed: the gain in force when each block was written)."""
        powers = list(self._powers)
        return float(np.sqrt(np.mean(powers))) if powers else 0.0

    def speaking_echo(self) -> np.ndarray:
        """Echo power (int16 scale squared) of each block that carried speech since the last
        call, in order, shape (blocks,): with the speech's active level, the ratio the
        microphone really heard (the music moves; ducking lowers it while they talk)."""
        with self._lock:
            powers, self._while_speaking = self._while_speaking, []
        return np.asarray(powers, np.float64)

    @property
    def path_s(self) -> float:
        """The delay asked for: the room's, parec's and pacat's buffers, one block."""
        return self.room.delay_s + (LATENCY_MS + PLAY_LATENCY_MS) / 1000 + BLOCK / SR

    def start(self) -> LiveRoom:
        raw = ["--raw", "--format=s16le", f"--rate={SR}", "--channels=1"]
        self._rec = subprocess.Popen(["parec", "--device=speaker.monitor", *raw,
                                      f"--latency-msec={LATENCY_MS}"],
                                     env=self._env, stdout=subprocess.PIPE,
                                     bufsize=0)  # fmt: skip
        self._play = subprocess.Popen(["pacat", "--playback", "--device=micfeed", *raw,
                                       f"--latency-msec={PLAY_LATENCY_MS}"],
                                      env=self._env, stdin=subprocess.PIPE)  # fmt: skip
        self._thread = threading.Thread(target=self._run, name="room", daemon=True)
        self._thread.start()
        return self

    def say(self, speech: np.ndarray) -> float:
        """Queue ``speech`` (int16 scale, 16 kHz) into the microphone; returns its length (s)."""
        with self._lock:
            self._speech.append(np.asarray(speech, np.float64))
        return float(speech.shape[0] / SR)

    def speaking(self) -> bool:
        with self._lock:
            return bool(self._speech)

    def _next_speech(self, n: int) -> np.ndarray:
        out = np.zeros(n)
        with self._lock:
            filled = 0
            while self._speech and filled < n:
                clip = self._speech[0]
                take = min(n - filled, clip.shape[0])
                out[filled : filled + take] = clip[:take]
                filled += take
                if take == clip.shape[0]:
                    self._speech.popleft()
                else:
                    self._speech[0] = clip[take:]
        return out

    def _run(self) -> None:
        assert self._rec is not None and self._rec.stdout is not None
        assert self._play is not None and self._play.stdin is not None
        conv = OverlapAdd(self.room.impulse_response())
        rng = np.random.default_rng(self.room.seed + 1)
        noise = 32768.0 * 10 ** (self.room.noise_dbfs / 20)
        while not self._stop.is_set():
            raw = self._read(BLOCK * 2)
            if len(raw) < BLOCK * 2:
                return
            self._hold_delay()
            x = np.frombuffer(raw, np.int16).astype(np.float64) / 32768.0
            echo = conv.push(self.room.speaker(x)) * 32768.0 * self.music_gain
            power = float(np.mean(echo**2))
            self.echo_rms = 0.98 * self.echo_rms + 0.02 * np.sqrt(power)
            self._powers.append(power)
            speech = self._next_speech(BLOCK)
            if speech.any():
                with self._lock:
                    self._while_speaking.append(power)
            mic = echo + speech + rng.standard_normal(BLOCK) * noise
            pcm = np.clip(np.round(mic), -32768, 32767).astype(np.int16)
            try:
                self._play.stdin.write(pcm.tobytes())
                self._play.stdin.flush()
            except (BrokenPipeError, ValueError):
                return

    def _hold_delay(self) -> None:
        """Drop what parec recorded while this thread was late, beyond BACKLOG_BLOCKS."""
        assert self._rec is not None and self._rec.stdout is not None
        fd = self._rec.stdout.fileno()
        waiting = struct.unpack("i", fcntl.ioctl(fd, termios.FIONREAD, b"\0\0\0\0"))[0]
        extra = (waiting // 2 - BACKLOG_BLOCKS * BLOCK) // BLOCK * BLOCK
        if extra > 0:
            self._read(extra * 2)
            self.dropped_s += extra / SR

    def _read(self, n: int) -> bytes:
        """``n`` bytes from parec (unbuffered: FIONREAD sees all that waits); fewer at its end."""
        assert self._rec is not None and self._rec.stdout is not None
        out = b""
        while len(out) < n:
            got = self._rec.stdout.read(n - len(out))
            if not got:
                break
            out += got
        return out

    def stop(self) -> None:
        self._stop.set()
        for proc in (self._rec, self._play):
            if proc is not None:
                proc.terminate()
                proc.wait(timeout=10)
        if self._thread is not None:
            self._thread.join(timeout=5)
