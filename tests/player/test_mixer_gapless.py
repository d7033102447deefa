"""The mixer output for real: libVLC decoding into the mixer, PortAudio playing into a private
PulseAudio sink, the sink's monitor recorded and measured (tests/player/gapless.py says how).
Today's default output (libVLC's own pulse output) is measured on the same files beside it."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from player import Player, open_vlc_player
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
    player.stop()
    if output == "mixer":
        stats = mixer_decks(player).mixer.stats
        assert (stats.gapless_joins, stats.starved_frames) == (len(parts) - 1, 0)
        mixer_decks(player).close()
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
