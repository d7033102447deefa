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

from player import MAX_BOOST_DB, Player, PlayerEvent, Track, gain_for
from tests.pulse import pulse_server


@pytest.fixture(scope="module")
def pulse(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    with pulse_server(tmp_path_factory.mktemp("pulse")) as env:
        old = {k: os.environ.get(k) for k in env}
        os.environ.update(env)  # libVLC's pulse output reads PULSE_SERVER when it starts
        yield env
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


@pytest.fixture(scope="module")
def tones(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("tones")
    out = {}
    for name, freq in (("a", 440), ("b", 880)):
        path = folder / f"{name}.flac"
        subprocess.run(["sox", "-n", "-r", "44100", "-c", "2", str(path), "synth", "1.5", "sine",
                        str(freq), "vol", "0.5"], check=True)  # fmt: skip
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
    p.stop()


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
    assert wait_event(player, 5).track.track_id == 4  # failed or ended at once, never hangs
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


def test_gain_from_replaygain_or_loudness() -> None:
    assert gain_for(-7.5, -10.0) == -7.5
    assert gain_for(None, -12.0) == -6.0
    assert gain_for(None, -40.0) == MAX_BOOST_DB  # quiet tracks are lifted, not without limit
    assert gain_for(None, None) == 0.0
