"""Exact fades on the mixer output: ramps of the mixer, measured sample by sample on its own
output blocks (a tap), with libVLC decoding real files into it and PortAudio playing into a
private PulseAudio sink. The tracks are DC on one channel each (the first track left, the
next one right), so each block shows each track's gain directly: left = 0.5 x gain_out,
right = 0.5 x gain_in."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import soundfile as sf

from player import Player, PlayerEvent, Track, open_vlc_player
from player._mixdecks import SET_RAMP_S
from tests.player.test_mixer_gapless import mixer_decks, pulse  # noqa: F401 (a fixture)

RATE = 48_000
LEVEL = 0.5


def dc(path: Path, seconds: float, channel: int) -> Path:
    x = np.zeros((round(seconds * RATE), 2), dtype=np.float32)
    x[:, channel] = LEVEL
    sf.write(path, x, RATE, format="FLAC", subtype="PCM_16")
    return path


def tapped(player: Player) -> list[np.ndarray]:
    blocks: list[np.ndarray] = []
    mixer_decks(player).taps.append(lambda block, _dac: blocks.append(block.copy()))
    return blocks


def drive(player: Player, seconds: float, on_end: Track | None = None) -> list[PlayerEvent]:
    """Poll as the session does for ``seconds``; "ended" starts ``on_end``."""
    events: list[PlayerEvent] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for event in player.poll(timeout_s=0.01):
            events.append(event)
            if on_end is not None and event.kind == "ended" and event.track != on_end:
                player.start(on_end)
                player.prepare(None)
    return events


def test_a_crossfade_ends_its_fade_out_on_the_tracks_last_sample(
    pulse: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    first = Track(1, dc(tmp_path / "left.flac", 3.0, 0))
    then = Track(2, dc(tmp_path / "right.flac", 3.0, 1))
    player = open_vlc_player("pulse", crossfade_s=1.0)
    blocks = tapped(player)
    player.play(first)
    player.prepare(then)
    events = drive(player, 6.5, on_end=then)
    player.close()
    audio = np.concatenate(blocks)
    left, right = audio[:, 0].astype(np.float64), audio[:, 1].astype(np.float64)
    heard = np.nonzero(left)[0]
    assert events[0] == PlayerEvent("ended", first), events
    # Every sample of the first track was played (none cut, no silence added inside it) ...
    assert heard[-1] - heard[0] + 1 == round(3.0 * RATE) and len(heard) == heard[-1] - heard[0] + 1
    # ... at full level until the fade, then down to silence on its very last sample.
    fading = np.nonzero(left[heard] < LEVEL - 1e-6)[0]
    fade_frames = len(heard) - fading[0]
    print(f"\nfade-out: {fade_frames} frames, the last at gain {left[heard[-1]] / LEVEL:.2e}")
    assert left[heard[-1]] / LEVEL < 1e-3 and np.all(np.diff(left[heard[fading[0] :]]) <= 0)
    # Equal power through the overlap: the next track rises as the first falls.
    overlap = heard[fading[0] :]
    power = left[overlap] ** 2 + right[overlap] ** 2
    assert np.allclose(power, LEVEL**2, atol=2e-3), (power.min(), power.max())
    assert right[heard[-1] + 1] == np.float32(LEVEL)  # at full level right after


def test_a_duck_reaches_its_level_within_the_ramp(
    pulse: dict[str, str],  # noqa: F811
    tmp_path: Path,
) -> None:
    player = open_vlc_player("pulse")
    blocks = tapped(player)
    player.play(Track(1, dc(tmp_path / "left.flac", 3.0, 0)))
    drive(player, 0.8)
    player.duck(True, 30)
    drive(player, 0.5)
    player.close()
    left = np.concatenate(blocks)[:, 0].astype(np.float64)
    ducked = LEVEL * 0.3**3  # libVLC's cubic volume: 30 % is 0.027 in amplitude
    start = int(np.nonzero((left > 0) & (left < LEVEL - 1e-6))[0][0])
    reached = int(np.nonzero(np.abs(left - ducked) < 1e-6)[0][0])
    assert reached - start + 1 == round(SET_RAMP_S * RATE)  # the ramp's length, to the sample
    assert np.all(np.diff(left[start:reached]) < 0)
    assert np.allclose(left[reached : reached + RATE // 4], ducked, atol=1e-6)
