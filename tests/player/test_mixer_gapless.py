"""The mixer output for real: libVLC decoding into the mixer, PortAudio playing into a private
PulseAudio sink, the sink's monitor recorded and measured (tests/player/gapless.py says how).
Today's default output (libVLC's own pulse output) is measured on the same files beside it."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player import Player, Track, open_vlc_player
from player._mixdecks import MixerDecks
from tests.player.gapless import RATE, Breaks, Recorder, measure, play_in_turn, split_sine
from tests.pulse import pulse_environ

PARTS, PART_S = 4, 1.0


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    # PortAudio lists the devices (reading PULSE_SERVER) when it is initialised, at
    # sounddevice's import; another test of the run may have imported it already, without this
    # server: PortAudio is initialised again (sounddevice's own private calls) to see it.
    with pulse_environ(tmp_path_factory.mktemp("pulse")) as env:
        if (sd := sys.modules.get("sounddevice")) is not None:
            sd._terminate()
            sd._initialize()
        yield env


def mixer_decks(player: Player) -> MixerDecks:
    decks = player._decks._decks  # type: ignore[attr-defined]  # under player._bounded
    assert isinstance(decks, MixerDecks)
    return decks


def play_parts(env: dict[str, str], output: str, parts: list[Path], rec: Path) -> Breaks:
    player = open_vlc_player("pulse", output=output)
    recorder = Recorder(env, rec)
    if output == "mixer":
        decks = mixer_decks(player)
        changes = play_in_turn(player, parts, 0.3, lambda: decks.mixer.voices == 0)
    else:  # libVLC reports the end ~1-2 s before its output has played it (player._vlc)
        changes = play_in_turn(player, parts, 2.5)
    audio = recorder.stop()
    player.close()
    if output == "mixer":
        stats = mixer_decks(player).mixer.stats
        assert (stats.gapless_joins, stats.starved_frames) == (len(parts) - 1, 0)
    assert changes == len(parts) - 1
    return measure(audio, len(parts) * round(PART_S * RATE))


def test_split_sine_plays_through_the_mixer_without_a_break(
    pulse: dict[str, str], tmp_path: Path
) -> None:
    parts = split_sine(tmp_path, PARTS, PART_S, "FLAC")
    mixer = play_parts(pulse, "mixer", parts, tmp_path / "mixer.wav")
    # Not one sample added, lost or out of place: see tests/player/gapless.py for the bounds.
    assert mixer.gaps_ms == [] and mixer.steps == 0, mixer
    assert abs(mixer.extra_samples) <= 1, mixer  # the first/last loud sample: +-1 by threshold
    assert mixer.worst_residual < 1e-3


@pytest.mark.slow
def test_todays_output_breaks_where_the_mixer_does_not(
    pulse: dict[str, str], tmp_path: Path
) -> None:
    """Side by side, same files, same run: the figures for the README."""
    parts = split_sine(tmp_path, PARTS, PART_S, "FLAC")
    default = play_parts(pulse, "vlc", parts, tmp_path / "vlc.wav")
    mixer = play_parts(pulse, "mixer", parts, tmp_path / "mixer.wav")
    print(f"\ngap per track change, FLAC: libVLC output {np.round(default.gaps_ms, 1)} ms, "
          f"{default.extra_samples} samples added; mixer {mixer.gaps_ms} ms, {mixer.steps} "
          f"breaks, {mixer.extra_samples} added")  # fmt: skip
    assert mixer.gaps_ms == [] and mixer.steps == 0, mixer
    # The same measure sees today's breaks (it is not blind): libVLC opens each file anew, and
    # the sine comes back with silence added (gaps) or cut short (samples lost).
    assert default.gaps_ms or abs(default.extra_samples) > 480, default
    assert abs(mixer.extra_samples) <= 1, mixer


def tone(path: Path, seconds: float, amplitude: float) -> Path:
    t = np.arange(round(seconds * RATE)) / RATE
    x = (amplitude * np.sin(2 * np.pi * 1000.0 * t)).astype(np.float32)
    sf.write(path, np.stack([x, x], axis=1), RATE, format="FLAC", subtype="PCM_16")
    return path


def test_ended_comes_when_the_last_sample_is_rendered(
    pulse: dict[str, str], tmp_path: Path
) -> None:
    """libVLC reports a track's end up to a second before it is heard; the player's "ended"
    (and its current track) must wait for the mixer to render the last sample, while the next
    track is still chained gapless. Measured on the mixer's own output blocks (a tap)."""
    loud = Track(1, tone(tmp_path / "loud.flac", 1.5, 0.5))
    quiet = Track(2, tone(tmp_path / "quiet.flac", 1.0, 0.1))
    player = open_vlc_player("pulse")
    decks = mixer_decks(player)
    blocks: list[np.ndarray] = []
    decks.taps.append(lambda block, _dac: blocks.append(block[:, 0].copy()))
    player.play(loud)
    player.prepare(quiet)
    ended_at: list[int] = []
    deadline = time.monotonic() + 15
    while len(ended_at) < 2 and time.monotonic() < deadline:
        for event in player.poll(timeout_s=0.002):
            assert event.kind == "ended", event
            ended_at.append(sum(len(b) for b in blocks))  # frames rendered by then
            assert player.current == event.track  # it changes only now
            if event.track == loud:
                player.start(quiet)
                assert player.current == quiet
    player.close()
    audio = np.concatenate(blocks)
    last_loud = int(np.nonzero(np.abs(audio) > 0.3)[0][-1])  # within half a cycle (24) of it
    heard = np.nonzero(np.abs(audio) > 0.01)[0]
    lateness = [ended_at[0] - last_loud, ended_at[1] - int(heard[-1])]
    print(f"\n'ended' after the last sample rendered: {lateness} frames (10 ms blocks: 480)")
    assert len(ended_at) == 2 and decks.mixer.stats.gapless_joins == 1
    assert all(late >= 0 for late in lateness), lateness  # never before it is played
    assert ended_at[0] < int(heard[-1])  # and the first came before the second track's end
