"""Voice activity detection with Silero VAD (ONNX) and an endpointer that cuts utterances.

Silero VAD is a small recurrent network: it takes 512 new samples at 16 kHz (32 ms) plus the 64
before them and its state, and returns the probability of speech. Unlike energy or webrtcvad
detectors it rarely takes music for speech, which matters for a music player.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from models import SILERO_VAD, OnnxModel
from voice._asr import SAMPLE_RATE_HZ, Int16Array

CHUNK = 512
CONTEXT = 64
CHUNK_MS = CHUNK * 1000 // SAMPLE_RATE_HZ  # 32


class SileroVad:
    def __init__(self, threads: int = 1) -> None:
        self._model = OnnxModel(SILERO_VAD.path(), threads=threads)
        self.reset()

    def reset(self) -> None:
        self._state = np.zeros((2, 1, 128), dtype=np.float32)
        self._context = np.zeros(CONTEXT, dtype=np.float32)

    def probability(self, chunk: Int16Array) -> float:
        """Speech probability of the next 512 samples (int16, 16 kHz)."""
        if chunk.shape != (CHUNK,):
            raise ValueError(f"Silero VAD takes {CHUNK} samples, got {chunk.shape}")
        x = chunk.astype(np.float32) / 32768.0
        window = np.concatenate([self._context, x])[np.newaxis, :]
        prob, self._state = self._model.run(
            {"input": window, "state": self._state, "sr": np.array(SAMPLE_RATE_HZ, np.int64)}
        )
        self._context = x[-CONTEXT:]
        return float(prob.reshape(-1)[0])


@dataclass(frozen=True)
class Segment:
    """An endpointer event: speech began (``audio`` holds the pre-roll and the first speech),
    more speech audio, or the end of an utterance. ``at_s`` is the stream time of the event."""

    kind: str  # "start" | "audio" | "end"
    audio: Int16Array
    at_s: float


class Endpointer:
    """Cuts a 16 kHz int16 stream into utterances with the VAD.

    Speech starts after ``start_ms`` of consecutive speech chunks and ends after
    ``trailing_silence_ms`` without; an utterance longer than ``max_utterance_s`` is ended too.
    The ``preroll_ms`` before the start go to the recogniser with the first chunk, so the first
    phoneme is not cut.
    """

    def __init__(
        self,
        vad: SileroVad,
        *,
        threshold: float = 0.5,
        start_ms: int = 96,
        trailing_silence_ms: int = 256,
        preroll_ms: int = 320,
        max_utterance_s: float = 10.0,
    ) -> None:
        self.vad = vad
        self.threshold = threshold
        self._start_chunks = max(1, start_ms // CHUNK_MS)
        self._end_chunks = max(1, trailing_silence_ms // CHUNK_MS)
        self._max_chunks = int(max_utterance_s * 1000 // CHUNK_MS)
        self._pending = np.zeros(0, dtype=np.int16)
        self._preroll: deque[Int16Array] = deque(maxlen=max(1, preroll_ms // CHUNK_MS))
        self._samples = 0
        self._in_speech = False
        self._run = 0  # consecutive chunks of the opposite kind
        self._length = 0

    def push(self, audio: Int16Array) -> Iterator[Segment]:
        self._pending = np.concatenate([self._pending, audio.astype(np.int16, copy=False)])
        while self._pending.shape[0] >= CHUNK:
            chunk, self._pending = self._pending[:CHUNK], self._pending[CHUNK:]
            self._samples += CHUNK
            yield from self._step(chunk, self.vad.probability(chunk) >= self.threshold)

    def flush(self) -> Iterator[Segment]:
        """End of stream: close an open utterance."""
        if self._in_speech:
            yield self._end()

    def _step(self, chunk: Int16Array, speech: bool) -> Iterator[Segment]:
        now = self._samples / SAMPLE_RATE_HZ
        if not self._in_speech:
            self._preroll.append(chunk)
            self._run = self._run + 1 if speech else 0
            if self._run >= self._start_chunks:
                self._in_speech, self._run, self._length = True, 0, len(self._preroll)
                audio = np.concatenate(list(self._preroll))
                self._preroll.clear()
                yield Segment("start", audio, now)
            return
        self._length += 1
        yield Segment("audio", chunk, now)
        self._run = 0 if speech else self._run + 1
        if self._run >= self._end_chunks or self._length >= self._max_chunks:
            yield self._end()

    def _end(self) -> Segment:
        self._in_speech, self._run = False, 0
        return Segment("end", np.zeros(0, dtype=np.int16), self._samples / SAMPLE_RATE_HZ)


def speech_probabilities(vad: SileroVad, audio: Int16Array) -> npt.NDArray[np.float32]:
    """Per-chunk speech probability of a whole clip (for tests and benchmarks)."""
    vad.reset()
    n = audio.shape[0] // CHUNK
    return np.array([vad.probability(audio[i * CHUNK : (i + 1) * CHUNK]) for i in range(n)],
                    dtype=np.float32)  # fmt: skip
