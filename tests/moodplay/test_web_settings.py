"""The page's settings and its clickable mood plane: GET/POST /api/settings against a real
daemon (the config checker's own messages, the daemon's --config file edited in place and
replaced atomically), the TOML line editor, and the page driven in headless Chromium."""

from __future__ import annotations

import os
import time
import tomllib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from moodplay._config import ConfigError, parse_config
from moodplay.web import _settings
from moodplay.web._settings import set_keys, write_atomically
from tests.conftest import short_library
from tests.moodplay import test_web_page as page
from tests.moodplay.daemon import Daemon, running, wait_for
from tests.moodplay.test_http import call
from tests.moodplay.test_web_page import api, press, tab_to

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator")
CONFIG = """# my moodplay
[context]
# never quiet
quiet_start = "00:00"
quiet_end = "00:00"

[recommend]
queue_length = 12  # short
"""
browser = page.browser


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("web-settings"), NAMES, seconds=20)


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "conf" / "config.toml"
    path.parent.mkdir()
    path.write_text(CONFIG)
    return path


@pytest.fixture
def daemon(db: Path, tmp_path: Path, config: Path) -> Iterator[Daemon]:
    with running(db, tmp_path, "--no-voice", "--config", str(config)) as d:
        yield d


def checker_says(raw: dict[str, Any]) -> list[str]:
    """What the config checker itself reports for ``raw`` (as `moodplay --config` would)."""
    with pytest.raises(ConfigError) as caught:
        parse_config(raw)
    return caught.value.problems


def test_settings_change_is_saved_read_back_and_refused_when_bad(
    daemon: Daemon, config: Path
) -> None:
    status, read = call(daemon.web, "/api/settings")
    assert status == 200 and read["file"] == str(config) and read["problem"] == ""
    fade = read["settings"]["player.crossfade_s"]
    assert (fade["value"], fade["min"], fade["max"], fade["unit"]) == (0.0, 0, 12, "seconds")
    assert read["settings"]["context.quiet_start"]["value"] == "00:00"  # the file's
    assert read["settings"]["voice.wake_phrase"]["applies"] == "on the next start"
    assert set(read["settings"]) == set(_settings.SETTINGS)

    status, saved = call(daemon.web, "/api/settings", {"player.crossfade_s": 3,
                                                       "player.quiet_volume_pct": 25,
                                                       "voice.enabled": False,
                                                       "context.quiet_end": "00:00"})  # fmt: skip
    assert status == 200, saved
    assert saved["saved"] == ["player.crossfade_s", "player.quiet_volume_pct", "voice.enabled"]
    assert saved["now"] == ["player.crossfade_s", "player.quiet_volume_pct"]
    assert saved["next_start"] == ["voice.enabled"]
    text = config.read_text()
    assert text.startswith(CONFIG)  # the rest of the file, comments and all, as it was
    assert text[len(CONFIG):] == "\n[player]\ncrossfade_s = 3\nquiet_volume_pct = 25\n\n" \
        "[voice]\nenabled = false\n"  # fmt: skip
    assert [p.name for p in config.parent.iterdir()] == ["config.toml"]  # no temp file left
    read = call(daemon.web, "/api/settings")[1]["settings"]
    assert (read["player.crossfade_s"]["value"], read["player.crossfade_s"]["running"]) == (3, 3)
    assert (read["voice.enabled"]["value"], read["voice.enabled"]["running"]) == (False, True)

    # Quiet hours from an hour ago to an hour from now: the cap (25 %) is in force at once.
    now = time.localtime()
    minute = now.tm_hour * 60 + now.tm_min
    start, end = (f"{m // 60 % 24:02d}:{m % 60:02d}" for m in (minute - 60 + 1440, minute + 60))
    answer = call(daemon.web, "/api/settings", {"context.quiet_start": start,
                                                "context.quiet_end": end})[1]  # fmt: skip
    assert answer["now"] == ["context.quiet_start", "context.quiet_end"]
    assert wait_for(lambda: api(daemon, "/api/status")["volume"] == 25)

    before = config.read_bytes()
    bad: list[tuple[dict[str, Any], list[str]]] = [
        ({"player.crossfade_s": 20}, checker_says({"player": {"crossfade_s": 20}})),
        ({"context.quiet_start": "25:00"}, checker_says({"context": {"quiet_start": "25:00"}})),
        ({"player.crosfade_s": 2}, ['player.crosfade_s: unknown key; did you mean "crossfade_s"?']),
        (
            {"library.jobs": 2},
            [f"library.jobs: not a setting the page changes (edit {config} for it)"],
        ),
        ({"voice.enabled": "yes"}, ["voice.enabled: expected a boolean, got a string"]),
    ]
    assert bad[0][1] == ["player.crossfade_s: 20 is out of range 0..12 seconds"]
    for body, problems in bad:
        status, answer = call(daemon.web, "/api/settings", body)
        assert (status, answer["problems"]) == (400, problems)
        assert problems[0] in answer["error"]
    assert config.read_bytes() == before  # a refused change writes nothing
    assert api(daemon, "/api/status")["volume"] == 25  # the daemon runs on
    off_plane = {"command": "mood_point", "args": {"valence": 1.5, "energy": 0.2}}
    status, answer = call(daemon.web, "/api/command", off_plane)
    assert (status, answer["error"]) == (422, "1.5 is outside 0..1 (the mood plane)")


def test_set_keys_replaces_lines_and_keeps_the_rest() -> None:
    text = CONFIG + "\n[player]\ncrossfade_s = 1.5\n# the cap\nquiet_volume_pct = 30\n"
    edited = set_keys(text, {"player.crossfade_s": 4.5, "voice.wake_phrase": 'hey "pi"\n',
                             "context.quiet_end": "06:30"})  # fmt: skip
    assert "# the cap\nquiet_volume_pct = 30\n" in edited and "# never quiet\n" in edited
    assert tomllib.loads(edited) == {
        "context": {"quiet_start": "00:00", "quiet_end": "06:30"},
        "recommend": {"queue_length": 12},
        "player": {"crossfade_s": 4.5, "quiet_volume_pct": 30},
        "voice": {"wake_phrase": 'hey "pi"\n'},
    }
    # A layout it does not edit (an inline table) does not read back as asked: the route
    # checks that and refuses (409) instead of writing it.
    inline = set_keys("player = { crossfade_s = 1.0 }\n", {"player.crossfade_s": 2})
    with pytest.raises(tomllib.TOMLDecodeError):
        tomllib.loads(inline)


def test_write_is_atomic(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "config.toml"
    path.write_text("old = 1\n")
    path.chmod(0o600)
    replaced: list[tuple[str, str]] = []
    real = os.replace

    def spy(src: str, dst: Path) -> None:
        assert Path(src).parent == tmp_path and Path(src).read_text() == "new = 2\n"
        assert path.read_text() == "old = 1\n"  # untouched until the rename
        replaced.append((Path(src).name, Path(dst).name))
        real(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    write_atomically(path, b"new = 2\n")
    assert path.read_text() == "new = 2\n" and replaced[0][1] == "config.toml"
    assert path.stat().st_mode & 0o777 == 0o600

    def broken(src: str, dst: Path) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken)
    with pytest.raises(OSError):
        write_atomically(path, b"half")
    assert path.read_text() == "new = 2\n"
    assert [p.name for p in tmp_path.iterdir()] == ["config.toml"]


def test_settings_form_by_keyboard_and_the_clickable_plane(
    daemon: Daemon, browser: Any, config: Path
) -> None:
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.get(daemon.web)
    wait_for(lambda: browser.find_elements("id", "set-player-crossfade_s"))
    tab_to(browser, lambda a: a["id"] == "set-player-crossfade_s", 120)
    press(browser, Keys.CONTROL, "a", Keys.NULL, "4.5", Keys.ENTER)  # Enter submits the form
    wait_for(lambda: "saved player.crossfade_s" in browser.find_element("id", "settings-note").text)
    assert "in force now: player.crossfade_s" in browser.find_element("id", "settings-note").text
    assert tomllib.loads(config.read_text())["player"]["crossfade_s"] == 4.5

    tab_to(browser, lambda a: a["id"] == "set-player-crossfade_s", 120)
    press(browser, Keys.CONTROL, "a", Keys.NULL, "99", Keys.ENTER)
    wait_for(lambda: "out of range 0..12" in browser.find_element("id", "settings-note").text)

    before = api(daemon, "/api/status")["target"]
    plane = browser.find_element("id", "plane")
    # The plane's drawing: valence 0..1 is x 20..270, energy 0..1 is y 260..10 (280 px wide).
    ActionChains(browser).move_to_element_with_offset(plane, 90, -90).click().perform()
    target = wait_for(lambda: (t := api(daemon, "/api/status")["target"])["request"] and t)
    assert target["request"] == "spot on the map" and target != before
    status = browser.find_element("id", "status")
    assert wait_for(lambda: "asked for spot on the map" in status.text)
    transform = browser.find_element("id", "target-dot").get_attribute("transform")
    x, y = (float(v) for v in transform.removeprefix("translate(").rstrip(")").split())
    wanted = (20 + target["valence"] * 250, 260 - target["energy"] * 250)
    assert (x, y) == pytest.approx(wanted, abs=0.06)
