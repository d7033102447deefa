"""The echo canceller (Speex, through ctypes) and its alignment, on real music in a synthetic room.

The room: tests/room.py (delay, RT60 0.45 s, a loudspeaker's soft clipping, a noise floor).
Figures are asserted loosely (measured here: 22-41 dB of ERLE after convergence; bench/aec.py
gives the figures).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from scipy.signal import resample_poly

from player._tap import EchoReference
from tests.room import Room, at_ratio, erle_db
from tests.voice.speech import SR, at_level, music, say, to_pcm
from voice._aec import FRAME, SpeexCanceller
from voice._echo import PRE_S, EchoCancel, gcc_phat_lag

SECONDS = 16.0


@pytest.fixture(scope="module")
def played() -> np.ndarray:
    """Real music as the speaker plays it: 16 kHz, full scale 1.0."""
    return music(SECONDS, "Coherence", 60.0).astype(np.float64) / 32768.0


def test_speex_cancels_the_room_echo_after_convergence(played: np.ndarray) -> None:
    echo = to_pcm(Room(delay_s=0.04).echo(played) * 32768)
    ref = to_pcm(played * 32768)
    n = echo.shape[0] // FRAME * FRAME
    out = SpeexCanceller().process(echo[:n], ref[:n])
    late = slice(n - 6 * SR, n)  # after 10 s
    assert erle_db(echo[late], out[late]) >= 20


def test_speech_is_kept_while_the_music_is_cancelled(played: np.ndarray, tmp_path: Path) -> None:
    """Double talk: a command at 0 dB music-to-speech, said after the filter converged; what
    comes out is the speech (its error small), not the speech turned down."""
    room = Room(delay_s=0.06)
    echo = room.echo(played) * 32768
    speech = np.zeros_like(echo)
    clip = at_level(say("hey mycroft, skip this song", tmp_path), -25.0)
    at = 10 * SR
    speech[at : at + clip.shape[0]] = clip
    span = slice(at, at + clip.shape[0])
    speech *= at_ratio(clip, echo[span], 0.0)
    n = echo.shape[0] // FRAME * FRAME
    out = SpeexCanceller().process(to_pcm(echo + speech)[:n], to_pcm(played * 32768)[:n])
    kept = out[span].astype(np.float64)
    gain = float(np.dot(kept, speech[span]) / np.dot(speech[span], speech[span]))
    # Speech over what is not speech, after and before (measured: 5.7 vs -1.8 dB: the filter
    # is disturbed by the double talk, but keeps most of what it learned).
    after = erle_db(speech[span], kept - speech[span])
    before = erle_db(speech[span], echo[span])
    assert gain > 0.8  # not turned down by more than 2 dB
    assert after > before + 5


def test_gcc_phat_finds_the_delay(played: np.ndarray) -> None:
    echo = Room(delay_s=0.137).echo(played)
    lag = int(0.5 * SR)
    found = gcc_phat_lag(echo[lag + SR : lag + 3 * SR], played[SR : 3 * SR + lag], lag)
    assert found is not None
    assert abs(found[0] - round(0.137 * SR)) <= 2


def _reference(played: np.ndarray, dac0: float) -> tuple[EchoReference, np.ndarray]:
    """The tap fed with ``played`` as the mixer's output (48 kHz stereo blocks from ``dac0``),
    and what the speaker played at 16 kHz (from the tap itself)."""
    ref = EchoReference(seconds=SECONDS + 1)
    loud = resample_poly(played, 3, 1).astype(np.float32)
    stereo = np.stack([loud, loud], axis=1)
    for i in range(0, stereo.shape[0], 480):
        ref(stereo[i : i + 480], dac0 + i / 48_000)
    return ref, ref.read_index(0, ref.written)


def test_alignment_by_timestamps_and_the_measured_delay(played: np.ndarray) -> None:
    """The microphone's clock starts 0.3 s after the speaker's; the sound reaches it 0.2 s
    after it was played: more than the filter holds (0.256 s with the room's tail), so only
    the measured delay lets it converge."""
    ref, heard = _reference(played, 50.0)
    echo = to_pcm(Room(delay_s=0.2).echo(heard) * 32768)
    lead = int(0.3 * SR)
    mic = echo[lead:]
    aec = EchoCancel(ref)
    out = np.concatenate([aec.process(mic[i : i + 512], 50.3 + i / SR)
                          for i in range(0, mic.shape[0] - 511, 512)])  # fmt: skip
    assert abs(aec.delay - round((0.2 - PRE_S) * SR)) <= 16
    late = slice(out.shape[0] - 4 * SR, out.shape[0])
    assert erle_db(mic[late], out[late]) >= 20


def test_a_silent_reference_passes_the_microphone_untouched(tmp_path: Path) -> None:
    ref, _ = _reference(np.zeros(2 * SR), 10.0)
    aec = EchoCancel(ref)
    mic = to_pcm(at_level(say("volume down", tmp_path), -25.0))[: 40 * 512]
    out = [aec.process(mic[i : i + 512], 10.5 + i / SR) for i in range(0, mic.shape[0], 512)]
    np.testing.assert_array_equal(np.concatenate(out)[512 * 10 :], mic[512 * 10 :])


def test_no_reference_yet_passes_through() -> None:
    aec = EchoCancel(EchoReference())
    block = (np.arange(512) % 100).astype(np.int16)
    np.testing.assert_array_equal(aec.process(block, 3.0), block)
