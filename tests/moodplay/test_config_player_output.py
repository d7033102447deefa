"""[player] output: the experimental mixer is a choice, the default stays libVLC's output."""

from __future__ import annotations

import pytest

from moodplay._config import ConfigError, parse_config


def test_output_defaults_to_libvlc_and_takes_the_mixer() -> None:
    assert parse_config({}, "t").player.output == "vlc"
    assert parse_config({"player": {"output": "mixer"}}, "t").player.output == "mixer"


def test_an_unknown_output_is_named_with_the_choices() -> None:
    with pytest.raises(ConfigError, match=r"player\.output: 'alsa' is not one of vlc, mixer"):
        parse_config({"player": {"output": "alsa"}}, "t")
