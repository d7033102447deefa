"""Spoken answers and earcons, played: one worker thread, so callers never wait for a sound.

``AnswerOutput`` renders with :mod:`voice._speak` (espeak-ng, earcons) and plays on one
background thread, either into a ``SoundSink`` (the player's mixer: the answer is part of what
the speaker plays, so the music ducks under it as a mixer ramp and the echo canceller's
reference carries it) or, without one, through a sounddevice stream of its own (imported only
via ``voice._capture``, the module that owns it; libVLC's own output). A broken output is
logged and the sound dropped, never raised into the caller.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np

from voice._asr import Int16Array
from voice._speak import (
    DEFAULT_RATE_WPM,
    EARCON_RATE_HZ,
    EARCONS,
    SPEECH,
    Sound,
    SpeechError,
    earcon,
    render_speech,
    trim_silence,
)

log = logging.getLogger(__name__)

CHUNK_S = 0.02  # write granularity: how fast a wake earcon can cut a sentence
STALL_S = 2.0
"""A sound handed to a sink and not done this long after its own length: the output stalled
(no sound server: the mixer's stream is not pulling); it is taken back and counted dropped."""
MAX_PENDING = 4
HISTORY = 64


class PlayingSound(Protocol):
    """A sound handed to a ``SoundSink``, while it plays."""

    @property
    def done(self) -> bool:
        """True once all of it has been played (heard: the output's buffer included)."""
        ...

    def cut(self, fade_s: float = ...) -> None:
        """Stop it with a fade of ``fade_s`` (a few ms by default: no click; 0: at once);
        nothing when it is done."""
        ...


class SoundSink(Protocol):
    """Where answers play instead of a stream of their own (``player.Sounds``: the mixer)."""

    def play(self, pcm: Int16Array, rate_hz: int) -> PlayingSound:
        """Start mono int16 ``pcm`` at ``rate_hz`` now, without blocking. Any exception is
        taken for a broken output: the sound is dropped."""
        ...


@dataclass(frozen=True)
class Played:
    """What became of one requested sound (AnswerOutput.history)."""

    kind: str
    text: str
    outcome: str
    """"played"; "cut" (a wake earcon or close() interrupted it); "replaced" (a newer answer
    took its place in the queue); "dropped" (no output device); "failed" (rendering failed)."""


@dataclass
class _Job:
    kind: str
    text: str
    render: Callable[[], Sound]
    generation: int


class AnswerOutput:
    """Plays answers into ``sink`` (the player's mixer), or without one on the default (or a
    named) output device, from ONE worker thread.

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
        sink: SoundSink | None = None,
        lead_s: float = 0.08,
        release_s: float = 0.15,
    ) -> None:
        self.on_playing = on_playing
        self.device, self.sink = device, sink
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
        if self.sink is not None:
            return self._play_into(self.sink, job, sound)
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

    def _play_into(self, sink: SoundSink, job: _Job, sound: Sound) -> str:
        """Hand the sound to ``sink``; look every CHUNK_S (or at once when woken by an
        interrupt) whether it is done or cut."""
        if not self._playing:
            self._set_playing(True, sound.kind)
            self._sleep(job, self.lead_s)
        self.playing_kind = sound.kind
        if self._stale(job):
            return "cut"
        try:
            playing = sink.play(sound.pcm, sound.rate_hz)
        except Exception as e:  # the mixer's output is gone, a bug in the sink: drop it
            self._device_failed(e)
            return "dropped"
        if not self._device_ok:
            log.info("answers: the output plays again")
            self._device_ok = True
        stalled_at = time.monotonic() + sound.duration_s + STALL_S
        while not playing.done:
            if not self._sleep(job, CHUNK_S):
                playing.cut()
                return "cut"
            if time.monotonic() > stalled_at:
                playing.cut(0.0)
                self._device_failed(RuntimeError("the output does not play (stalled)"))
                return "dropped"
        return "played"

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
