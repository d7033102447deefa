from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from moodplay import Config, ConfigError, load_config, parse_config
from moodplay._config import describe_defaults
from moodplay._paths import database_path, library_roots
from tests.conftest import REPO, run_moodplay


def _documented() -> dict[str, object]:
    with (REPO / "config.toml").open("rb") as f:
        raw = tomllib.load(f)
    return {f"{t}.{k}": v for t, table in raw.items() for k, v in table.items()}


def _plain(value: object) -> object:
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def test_repo_config_toml_is_exactly_the_defaults() -> None:
    documented = _documented()
    defaults = {k: _plain(v) for k, v in describe_defaults()}
    assert documented == defaults
    assert parse_config(tomllib.loads((REPO / "config.toml").read_text())) == Config()


def test_every_key_in_config_toml_has_a_comment_with_unit_or_kind() -> None:
    lines = (REPO / "config.toml").read_text().splitlines()
    in_word_table = False
    for i, line in enumerate(lines):
        if line.startswith("["):
            in_word_table = line.startswith("[moods.")
        if re.match(r"^[a-z_]+\s*=", line) and not in_word_table:
            comment: list[str] = []
            j = i - 1
            while j >= 0 and lines[j].startswith("#"):
                comment.insert(0, lines[j])
                j -= 1
            text = " ".join(comment)
            assert comment, f"config.toml key {line!r} has no comment"
            kinds = r"Unit:|List of|Empty|One of|one of|true or false|Text:|Table of"
            assert re.search(kinds, text), f"{line!r}: say its unit or kind"


def test_all_errors_reported_at_once_with_key_paths() -> None:
    raw = {
        "library": {"jobs": 1000, "max_duration_min": "long", "extensoins": ["mp3"]},
        "analysis": {"excerpts": 0},
        "inference": {"threads": True},
        "player": {"duck_pct": 101},
        "speaker": {},
    }
    with pytest.raises(ConfigError) as err:
        parse_config(raw, "test.toml")
    problems = err.value.problems
    assert len(problems) == 7
    text = str(err.value)
    assert "library.jobs: 1000 is out of range 0..64 processes" in text
    assert "library.max_duration_min: expected a number, got a string 'long'" in text
    assert 'library.extensoins: unknown key; did you mean "extensions"?' in text
    assert "analysis.excerpts: 0 is out of range 1..32" in text
    assert "inference.threads: expected an integer, got a boolean" in text
    assert "player.duck_pct: 101 is out of range 0..100" in text
    assert "speaker: unknown key" in text


def test_times_of_day_are_checked() -> None:
    with pytest.raises(
        ConfigError, match=r"context.quiet_end: '7pm' is not a time of day as HH:MM"
    ):
        parse_config({"context": {"quiet_end": "7pm"}})
    assert parse_config({"context": {"quiet_end": "06:30"}}).context.quiet_end == "06:30"


def test_mood_tables_merge_user_words_and_check_points() -> None:
    cfg = parse_config({"moods": {"targets": {"calm": [0.7, 0.1], "cosy": [0.7, 0.2]}}})
    assert cfg.moods.targets["calm"] == (0.7, 0.1)
    assert cfg.moods.targets["cosy"] == (0.7, 0.2)
    assert cfg.moods.targets["dark"] == (0.15, 0.55)  # defaults kept
    with pytest.raises(ConfigError, match=r"moods.feelings.meh: expected \[valence, energy\]"):
        parse_config({"moods": {"feelings": {"meh": [0.5]}}})


def test_user_config_overrides_defaults_key_by_key(isolated_home: Path) -> None:
    user = isolated_home / ".config" / "moodplay" / "config.toml"
    user.parent.mkdir(parents=True)
    user.write_text("[analysis]\nexcerpts = 3\n")
    cfg = load_config()
    assert cfg.analysis.excerpts == 3
    assert cfg.analysis.excerpt_s == 15.0  # untouched keys keep the default
    assert database_path(cfg) == isolated_home / ".local/share/moodplay/moodplay.db"


def test_missing_explicit_config_and_bad_toml_are_clear(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[library\npaths = 3")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad)


def test_cli_reports_config_errors_and_exits_1(tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text("[library]\njbos = 2\n")
    result = run_moodplay("library", "stats", "--config", str(cfg), "--db", str(tmp_path / "x.db"))
    assert result.returncode == 1
    assert 'library.jbos: unknown key; did you mean "jobs"?' in result.stderr
    assert "Traceback" not in result.stderr


def test_library_roots_fall_back_to_music_then_demo(isolated_home: Path) -> None:
    cfg = Config()
    roots = library_roots(cfg)
    assert roots == ["/usr/share/games/singularity/music"]
    (isolated_home / "Music").mkdir()
    assert library_roots(cfg) == [str(isolated_home / "Music")]
    assert library_roots(cfg, ["~/x"]) == [str(isolated_home / "x")]


def test_id3v1_encoding_is_a_known_character_set() -> None:
    assert parse_config({}).library.id3v1_encoding == "latin-1"
    assert (
        parse_config({"library": {"id3v1_encoding": "cp1251"}}).library.id3v1_encoding == "cp1251"
    )
    with pytest.raises(ConfigError, match=r"library.id3v1_encoding: 'klingon' is not a character"):
        parse_config({"library": {"id3v1_encoding": "klingon"}})
