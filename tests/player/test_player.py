"""libVLC playback for real, through a private PulseAudio server, recorded at the speaker."""

from __future__ import annotations

import os
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf

from player import DUCK_LEVEL_PCT, MAX_BOOST_DB, Player, PlayerEvent, Track, gain_for
from tests.pulse import pulse_environ


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    # libVLC's pulse output reads PULSE_SERVER when it starts
    with pulse_environ(tmp_path_factory.mktemp("pulse")) as env:
        yield env


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tones")
    out = {}
    for name, freq, seconds in (("a", 440, 1.5), ("b", 880, 1.5), ("long", 440, 6.0),
                                ("a5", 440, 5.0), ("b3", 880, 3.0)):  # fmt: skip
        path = folder / f"{name}.flac"
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", str(seconds),
                        "sine", str(freq), "vol", "0.5"], check=True)  # fmt: skip
        out[name] = path
    garbage = folder / "garbage.flac"
    garbage.write_bytes(b"fLaC" + os.urandom(4000))
    out["garbage"] = garbage
    return out


@pytest.fixture
def player(pulse: dict[str, str]) -> Iterator[Player]:
    from player import open_vlc_player

    p = open_vlc_player("pulse")
    yield p
    p.close()


class Recorder:
    def __init__(self, env: dict[str, str], path: Path) -> None:
        self.path = path
        self._proc = subprocess.Popen(
            ["parecord", "--device=speaker.monitor", "--file-format=wav", "--rate=48000",
             "--channels=2", str(path)], env={**os.environ, **env},
        )  # fmt: skip
        time.sleep(0.3)

    def stop(self) -> np.ndarray:
        time.sleep(0.2)
        self._proc.terminate()
        self._proc.wait(timeout=10)
        audio, _ = sf.read(self.path, dtype="float32", always_2d=True)
        return np.asarray(audio.mean(axis=1))


def wait_event(player: Player, seconds: float) -> PlayerEvent:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events = player.poll(timeout_s=0.1)
        if events:
            return events[0]
    raise AssertionError("no player event")


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(x**2)) + 1e-12))


def test_plays_a_track_to_the_end_and_says_so(
    player: Player, pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    rec = Recorder(pulse, tmp_path / "out.wav")
    track = Track(1, tones["a"])
    player.play(track)
    event = wait_event(player, 5)
    audio = rec.stop()
    assert event == PlayerEvent("ended", track)
    loud = np.abs(audio) > 0.05
    assert 1.3 < loud.sum() / 48000 < 1.7  # the 1.5 s tone was heard


def test_next_track_is_prepared_and_follows(
    player: Player, pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    rec = Recorder(pulse, tmp_path / "out.wav")
    player.play(Track(1, tones["a"]))
    player.prepare(Track(2, tones["b"]))
    assert wait_event(player, 5).kind == "ended"
    assert player.advance() == Track(2, tones["b"])
    assert wait_event(player, 5) == PlayerEvent("ended", Track(2, tones["b"]))
    audio = rec.stop()
    spectrum = np.abs(np.fft.rfft(audio[-int(2.0 * 48000) :]))
    freqs = np.fft.rfftfreq(int(2.0 * 48000), 1 / 48000)
    assert abs(freqs[int(np.argmax(spectrum))] - 880) < 5  # the second track is what ends


def test_missing_and_undecodable_files_fail_and_playback_goes_on(
    player: Player, tones: dict[str, Path], tmp_path: Path
) -> None:
    missing = Track(3, tmp_path / "gone.flac")
    player.play(missing)
    event = wait_event(player, 3)
    assert event.kind == "failed" and "file not found" in event.reason
    player.play(Track(4, tones["garbage"]))
    assert wait_event(player, 5).track == Track(4, tones["garbage"])  # failed or ended at once
    player.play(Track(5, tones["a"]))
    assert wait_event(player, 5) == PlayerEvent("ended", Track(5, tones["a"]))


def steady_level_db(player: Player, pulse: dict[str, str], track: Track, wav: Path) -> float:
    """RMS of ``track`` played whole and recorded, its first 0.3 s left out: libVLC takes the
    volume only once its output exists (the owner's loop re-applies it on its next poll)."""
    rec = Recorder(pulse, wav)
    player.play(track)
    wait_event(player, 5)
    audio = rec.stop()
    heard = np.nonzero(np.abs(audio) > 0.002)[0]
    return rms_db(audio[heard[0] + int(0.3 * 48000) : heard[-1]])


def test_volume_follows_pulseaudios_cubic_curve(
    player: Player, pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    levels = []
    for percent in (100, 50):
        player.set_volume(percent)
        levels.append(steady_level_db(player, pulse, Track(6, tones["a"]), tmp_path / "v.wav"))
    # libVLC's pulse output sets the stream volume, which PulseAudio maps cubically:
    # 50 % is 0.5 ** 3 of the amplitude, -18 dB.
    assert levels[0] - levels[1] == pytest.approx(-60 * np.log10(0.5), abs=1.5)


def test_track_gain_in_db_is_what_is_heard(
    player: Player, pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    levels = [
        steady_level_db(player, pulse, Track(7, tones["a"], gain_db), tmp_path / "g.wav")
        for gain_db in (0.0, -6.0)
    ]
    assert levels[0] - levels[1] == pytest.approx(6.0, abs=1.0)  # not 18 dB (cubic volume)


def drive(player: Player, seconds: float) -> list[PlayerEvent]:
    """The owner's loop: poll every 20 ms (ramps and volume upkeep happen there)."""
    events: list[PlayerEvent] = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        events += player.poll(timeout_s=0.02)
    return events


def frame_levels_db(audio: np.ndarray, *freqs: float, frame_s: float = 0.05) -> np.ndarray:
    """Per frame (rows), the level of each frequency (columns), in dB of a full-scale sine."""
    n = int(frame_s * 48000)
    frames = audio[: len(audio) // n * n].reshape(-1, n) * np.hanning(n)
    spectrum = np.abs(np.fft.rfft(frames, axis=1)) / (np.hanning(n).sum() / 2)
    bins = [round(f * n / 48000) for f in freqs]
    return np.asarray(20 * np.log10(spectrum[:, bins] + 1e-9))


def test_ducking_lowers_what_is_heard_by_the_volume_curve_and_unducking_restores_it(
    player: Player, pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    rec = Recorder(pulse, tmp_path / "duck.wav")
    player.set_volume(100)
    player.play(Track(8, tones["long"]))
    player.duck(True)  # at once: before libVLC's output exists
    switches = [time.monotonic()]

    def flutter() -> None:  # quick toggles: the last one must stick
        for on in (False, True, False):
            player.duck(on)

    for step in (lambda: player.duck(False), lambda: player.duck(True), flutter):
        drive(player, 1.2)
        step()
        switches.append(time.monotonic())
    drive(player, 1.2)
    player.close()
    audio = rec.stop()
    start = int(np.nonzero(np.abs(audio) > 0.002)[0][0])
    # Each phase from 0.35 s after its switch (PulseAudio's latency, loosely) to 0.15 s before
    # the next; the first switch is the start of the sound.
    t = [s - switches[0] for s in switches] + [switches[-1] - switches[0] + 1.2]
    level = [rms_db(audio[start + int((t[i] + 0.35) * 48000) : start + int((t[i + 1] - 0.15)
             * 48000)]) for i in range(4)]  # fmt: skip
    ducked, full, ducked_again, restored = level
    # Measured: 60 * log10(0.3) = -31.4 dB, the cubic curve, in every run.
    assert ducked - full == pytest.approx(60 * np.log10(DUCK_LEVEL_PCT / 100), abs=2.0)
    assert ducked_again - full == pytest.approx(60 * np.log10(DUCK_LEVEL_PCT / 100), abs=2.0)
    assert restored == pytest.approx(full, abs=1.0)
    assert full == pytest.approx(rms_db(np.full(100, 0.5 * np.sqrt(0.5))), abs=1.0)


def test_crossfade_overlaps_the_two_tracks_in_order_at_equal_power(
    pulse: dict[str, str], tones: dict[str, Path], tmp_path: Path
) -> None:
    from player import open_vlc_player

    player = open_vlc_player("pulse", crossfade_s=1.0)
    a, b = Track(1, tones["a5"]), Track(2, tones["b3"])
    rec = Recorder(pulse, tmp_path / "fade.wav")
    player.play(a)
    player.prepare(b)
    events: list[PlayerEvent] = []
    deadline = time.monotonic() + 10
    while len(events) < 2 and time.monotonic() < deadline:
        for event in player.poll(timeout_s=0.02):
            events.append(event)
            if event.track == a:  # what the session does on "ended"
                assert player.current == b and player.crossfading
                player.play(b)
                player.prepare(None)
    player.close()
    audio = rec.stop()
    assert events == [PlayerEvent("ended", a), PlayerEvent("ended", b)]
    levels = frame_levels_db(audio, 440, 880)
    solo = levels.max(axis=0)  # each tone alone, at full volume
    present = levels > solo - 20
    both = np.nonzero(present.all(axis=1))[0]
    heard = np.nonzero(present.any(axis=1))[0]
    assert 0.5 <= len(both) * 0.05 <= 1.5  # the overlap: about crossfade_s
    assert heard[0] < both[0] and present[heard[0]].tolist() == [True, False]  # a first
    assert present[heard[-1]].tolist() == [False, True]  # b last
    # Equal power: where the two cross, each is 3 dB down; and no dip anywhere in between.
    cross = both[np.argmin(np.abs(np.diff(levels[both] - solo, axis=1)))]
    assert levels[cross] - solo == pytest.approx([-3.0, -3.0], abs=1.5)
    assert ((levels[heard[0] + 1 : heard[-1]] - solo).max(axis=1) > -6).all()


def test_gain_from_replaygain_or_loudness() -> None:
    assert gain_for(-7.5, -10.0) == -7.5
    assert gain_for(None, -12.0) == -6.0
    assert gain_for(None, -40.0) == MAX_BOOST_DB  # quiet tracks are lifted, not without limit
    assert gain_for(None, None) == 0.0
