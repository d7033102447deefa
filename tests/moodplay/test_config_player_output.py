"""[player] output: moodplay's mixer is the default, libVLC's own output the fallback."""

from __future__ import annotations

import pytest

from moodplay._config import ConfigError, parse_config


def test_output_defaults_to_the_mixer_and_takes_libvlc() -> None:
    assert parse_config({}, "t").player.output == "mixer"
    assert parse_config({"player": {"output": "vlc"}}, "t").player.output == "vlc"


def test_an_unknown_output_is_named_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"player\.output: 'alsa' is not one of mixer, vlc"):
        parse_config({"player": {"output": "alsa"}}, "t")
