"""``[library] file_time_limit_s``: validated at load and handed to every scan (the CLI's and
the daemon's ``update`` both build their settings with ``analysis_settings``); that the scanner
ends a worker past it is tests/library/test_no_file_stops_a_scan.py's."""

from __future__ import annotations

import pytest

from moodplay import ConfigError, parse_config
from moodplay._rescan import analysis_settings


def test_the_default_is_five_minutes_and_a_set_limit_reaches_the_scan() -> None:
    assert analysis_settings(parse_config({})).file_timeout_s == 300.0
    config = parse_config({"library": {"file_time_limit_s": 12.5}})
    assert analysis_settings(config).file_timeout_s == 12.5


@pytest.mark.parametrize(
    ("value", "problem"),
    [(0, "0 is out of range 1..3600 seconds"), (7200, "7200 is out of range 1..3600 seconds"),
     ("300", "expected a number, got a string '300'")],
)  # fmt: skip
def test_a_limit_out_of_range_is_a_config_error_with_its_key(value: object, problem: str) -> None:
    with pytest.raises(ConfigError) as err:
        parse_config({"library": {"file_time_limit_s": value}}, "test.toml")
    assert err.value.problems == [f"library.file_time_limit_s: {problem}"]
