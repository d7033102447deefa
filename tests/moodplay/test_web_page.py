"""The web page in headless Chromium (Debian's chromium + chromium-driver, via Selenium).

It asserts what a listener sees: the now-playing title, its reason, the mood dot where the API
says the mood is; clicking a mood button changes the queue. A screenshot is kept as an artifact
(``artifacts/web-page.png`` under the test's temporary folder, path printed).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon, running, wait_for

NAMES = ("Awakening", "Coherence", "Nebula", "Apex Aleph", "Inevitable", "Orbital Elevator",
         "Through Space", "Media Threat")  # fmt: skip
CHROMIUM, DRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("web"), NAMES, seconds=30)


@pytest.fixture
def browser() -> Iterator[Any]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--window-size=1000,900"):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def api(daemon: Daemon, path: str, body: object = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(daemon.web.rstrip("/") + path, data=data,
                                 headers={"Content-Type": "application/json"})  # fmt: skip
    with urllib.request.urlopen(req, timeout=10) as answer:
        return json.loads(answer.read())


def queue_titles(browser: Any) -> list[str]:
    """Read in one script call: the page may re-render the list between two WebDriver calls."""
    titles = browser.execute_script(
        "return [...document.querySelectorAll('#queue li')]"
        ".map((li) => li.firstChild.textContent.split(' — ')[0]);"
    )
    assert isinstance(titles, list)
    return [str(t) for t in titles]


def test_page_shows_now_playing_and_steers_the_queue(daemon: Daemon, browser: Any,
                                                     tmp_path: Path) -> None:  # fmt: skip
    from selenium.webdriver.common.by import By

    api(daemon, "/api/command", {"command": "play"})
    view = wait_for(lambda: (v := api(daemon, "/api/status"))["current"] and v)
    browser.get(daemon.web)
    title = view["current"]["title"]
    wait_for(lambda: browser.find_element(By.ID, "title").text == title)
    reason = browser.find_element(By.ID, "reason").text
    assert reason and reason == view["current"]["reason"]
    # The output's level meter (the mixer's): shown while playing, moving, with its value as text.
    meter = browser.find_element(By.ID, "meter")
    wait_for(lambda: meter.is_displayed() and int(meter.get_attribute("aria-valuenow")) > -60)
    shown = browser.find_element(By.ID, "meter-db").text
    assert shown.endswith(" dB") and -60 < int(shown.removesuffix(" dB")) < 0
    assert meter.get_attribute("aria-valuetext").startswith(shown)
    readings = {meter.get_attribute("aria-valuetext")}

    def moved() -> bool:
        readings.add(meter.get_attribute("aria-valuetext"))
        return len(readings) > 2

    wait_for(moved)  # it moves with the music

    dot = browser.find_element(By.ID, "mood-dot")
    cx, cy = float(dot.get_attribute("cx")), float(dot.get_attribute("cy"))
    mood = api(daemon, "/api/status")["mood"]
    assert cx == pytest.approx(20 + mood["valence"] * 250, abs=0.2)
    assert cy == pytest.approx(260 - mood["energy"] * 250, abs=0.2)

    before = queue_titles(browser)
    assert len(before) >= 5 and before[0] == title
    target = "energetic" if mood["energy"] < 0.5 else "calm"
    browser.find_element(By.CSS_SELECTOR, f'#moods button[data-mood="{target}"]').click()
    wait_for(lambda: api(daemon, "/api/status")["target"]["request"] == target)
    after = wait_for(lambda: (q := queue_titles(browser)) != before and q)
    # A near track plays on, a far one gives way to the request (issue 12): the page shows
    # what the daemon plays now, first in the queue.
    now = api(daemon, "/api/status")["current"]["title"]
    assert after[0] == now
    wait_for(lambda: browser.find_element(By.ID, "title").text == now)
    title = now
    assert "active" in browser.find_element(
        By.CSS_SELECTOR, f'#moods button[data-mood="{target}"]'
    ).get_attribute("class")

    browser.find_element(By.ID, "skip").click()
    wait_for(lambda: browser.find_element(By.ID, "title").text not in ("", title))
    browser.find_element(By.ID, "toggle").click()  # paused: the meter goes away
    wait_for(lambda: not meter.is_displayed())
    browser.find_element(By.ID, "toggle").click()
    wait_for(meter.is_displayed)
    browser.find_element(By.ID, "ptt").click()  # voice is off here: the page says so
    wait_for(lambda: "voice is off" in browser.find_element(By.ID, "error").text)

    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    shot = artifacts / "web-page.png"
    browser.save_screenshot(str(shot))
    assert shot.stat().st_size > 10_000
    print(f"screenshot: {shot}")


# -- the player page: keyboard, themes, phone layout, daemon down, screenshots ----------------

SHOTS_ENV = "MOODPLAY_SCREENSHOTS"
"""A folder to keep the page's screenshots in (``docs/screenshots`` for the README); unset,
they go under the test's temporary folder."""
CONTROLS = ("why", "seek", "prev", "toggle", "skip", "volume", "like", "dislike", "ban", "more",
            "ptt")  # fmt: skip
"""The now-playing controls, in the order Tab reaches them."""


def press(browser: Any, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(browser).send_keys(*keys).perform()


def active(browser: Any) -> dict[str, str]:
    found = browser.execute_script(
        "const e = document.activeElement; return {id: e.id, action: e.dataset.action || '',"
        " track: e.dataset.id || '', mood: e.dataset.mood || ''};"
    )
    assert isinstance(found, dict)
    return found


def tab_to(browser: Any, wanted: Any, limit: int = 90) -> dict[str, str]:
    """Tab (only the keyboard) until the focused control is the one ``wanted`` says."""
    from selenium.webdriver.common.keys import Keys

    for _ in range(limit):
        press(browser, Keys.TAB)
        if wanted(now := active(browser)):
            return now
    raise AssertionError(f"Tab never reached the control ({limit} presses)")


def playing(daemon: Daemon) -> dict[str, Any]:
    view: dict[str, Any] = wait_for(lambda: (v := api(daemon, "/api/status"))["current"] and v)
    return view


def test_every_control_by_keyboard_alone(daemon: Daemon, browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    api(daemon, "/api/command", {"command": "play"})
    title = playing(daemon)["current"]["title"]
    browser.get(daemon.web)
    wait_for(lambda: browser.find_element(By.ID, "title").text == title)
    wait_for(lambda: browser.find_element(By.ID, "toggle").is_enabled())
    # Every control is reached by Tab, in the order a listener needs them
    seen = []
    for _ in range(14):
        press(browser, Keys.TAB)
        seen.append(active(browser)["id"])
    order = [seen.index(c) for c in CONTROLS]
    assert order == sorted(order), seen
    # The media session and the tab title name the track
    assert title in browser.title
    assert browser.execute_script("return navigator.mediaSession.metadata.title") == title

    browser.find_element(By.TAG_NAME, "body").click()  # start again from the top
    tab_to(browser, lambda a: a["id"] == "why")
    press(browser, Keys.ENTER)  # "why?" opens the score's parts
    assert browser.find_element(By.ID, "parts-box").is_displayed()
    assert browser.find_element(By.ID, "why").get_attribute("aria-expanded") == "true"

    tab_to(browser, lambda a: a["id"] == "toggle")
    press(browser, Keys.SPACE)
    wait_for(lambda: api(daemon, "/api/status")["state"] == "pause")
    wait_for(lambda: browser.find_element(By.ID, "toggle").get_attribute("aria-label") == "play")
    assert active(browser)["id"] == "toggle"
    press(browser, Keys.ENTER)
    wait_for(lambda: api(daemon, "/api/status")["state"] == "play")

    press(browser, Keys.TAB)  # next track
    press(browser, Keys.ENTER)
    wait_for(lambda: api(daemon, "/api/status")["current"]["title"] != title)
    press(browser, Keys.TAB, Keys.ARROW_LEFT)  # volume: one step down
    wait_for(lambda: api(daemon, "/api/status")["volume"] == 99)

    now = api(daemon, "/api/status")["current"]["title"]
    tab_to(browser, lambda a: a["id"] == "ban")
    press(browser, Keys.ENTER)  # "never again": it is skipped at once
    wait_for(lambda: api(daemon, "/api/status")["current"]["title"] != now)
    assert browser.find_element(By.ID, "error").text == ""

    # The queue: "play next" on the last entry, then remove it, by keyboard only
    last = api(daemon, "/api/status")["queue"][-1]
    tab_to(browser, lambda a: a["action"] == "next" and a["track"] == str(last["id"]), 120)
    press(browser, Keys.ENTER)
    wait_for(lambda: api(daemon, "/api/status")["queue"][1]["id"] == last["id"])
    wait_for(lambda: active(browser)["track"] == str(last["id"]))  # focus kept on re-render
    focused = tab_to(browser, lambda a: a["action"] in ("remove", ""), 4)
    assert focused["action"] == "remove" and focused["track"] == str(last["id"])
    press(browser, Keys.ENTER)
    wait_for(lambda: not api(daemon, "/api/status")["queue"][1]["queued"])


SIZES = {"desktop": (1280, 800), "phone": (390, 844)}
BACKGROUNDS = {"light": "rgb(244, 243, 239)", "dark": "rgb(22, 24, 28)"}
AXE = Path(sys.prefix) / "share" / "axe-core" / "axe.min.js"
"""axe-core, fetched once by ``scripts/setup.sh test`` (pinned, SHA-256 checked)."""


def emulate(browser: Any, scheme: str, size: str) -> None:
    """prefers-color-scheme and the viewport, as Chrome DevTools sets them."""
    width, height = SIZES[size]
    browser.execute_cdp_cmd("Emulation.setEmulatedMedia", {
        "features": [{"name": "prefers-color-scheme", "value": scheme}]})  # fmt: skip
    metrics = {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"}
    browser.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)


def shot(browser: Any, folder: Path, name: str) -> Path:
    """A screenshot, brought to 256 colours by ffmpeg (a few tens of KB: kept in the repo)."""
    time.sleep(0.2)  # a layout change is painted
    raw = folder / f"{name}-full.png"
    browser.save_screenshot(str(raw))
    path = folder / f"{name}.png"
    subprocess.run(["ffmpeg", "-v", "error", "-y", "-i", str(raw), "-vf",
                    "split[a][b];[a]palettegen=max_colors=256[p];[b][p]paletteuse=dither=none",
                    str(path)], check=True)  # fmt: skip
    raw.unlink()
    assert path.stat().st_size > 5_000
    return path


def rect(browser: Any, element_id: str) -> dict[str, float]:
    found = browser.execute_script(
        f"return document.getElementById('{element_id}').getBoundingClientRect().toJSON();"
    )
    assert isinstance(found, dict)
    return found


def axe_violations(browser: Any) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    browser.execute_script(AXE.read_text())
    result = browser.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then((r) => done(r.violations.filter((v) => ['serious', 'critical'].includes(v.impact))"
        ".map((v) => v.id + ': ' + v.nodes.map((n) => n.target.join(' ')).join(', '))))"
        ".catch((e) => done(['axe failed: ' + e]));"
    )
    assert isinstance(result, list)
    return [str(r) for r in result]


REACHABLE = (
    "const all = [...document.querySelectorAll('main button, main input, main select, "
    "main a[href]')].filter((e) => !e.disabled && e.offsetParent !== null);"
    "return all.map((e, i) => { e.dataset.reach = String(i); return i; }).length;"
)
"""Marks every visible, enabled control of the page with its number; answers how many."""


def test_tab_reaches_every_control_on_the_page(daemon: Daemon, browser: Any) -> None:
    """Keyboard alone: Tab from the top reaches every visible, enabled control of every view
    (now playing, queue, mood buttons, library, history, settings), none skipped, no trap."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    api(daemon, "/api/command", {"command": "play"})
    playing(daemon)
    browser.get(daemon.web)
    wait_for(lambda: browser.find_element(By.ID, "toggle").is_enabled())
    browser.find_element(By.ID, "browse-folders").click()  # the library lists something
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#lib li"))
    api(daemon, "/api/command", {"command": "pause"})  # nothing moves while Tab walks
    time.sleep(0.5)
    count = browser.execute_script(REACHABLE)
    assert isinstance(count, int) and count > 40
    browser.find_element(By.TAG_NAME, "body").click()
    reached: set[str] = set()
    for _ in range(count + 20):
        press(browser, Keys.TAB)
        mark = browser.execute_script("return document.activeElement.dataset.reach || ''")
        if mark:
            reached.add(str(mark))
    missing = browser.execute_script(
        "return [...document.querySelectorAll('[data-reach]')]"
        ".filter((e) => !arguments[0].includes(e.dataset.reach))"
        ".map((e) => e.id || e.dataset.action || e.textContent.trim().slice(0, 30));",
        sorted(reached),
    )
    assert not missing, missing


def test_themes_phone_layout_daemon_down_and_screenshots(
    daemon: Daemon, browser: Any, db: Path, tmp_path: Path
) -> None:
    from selenium.webdriver.common.by import By

    folder = Path(os.environ.get(SHOTS_ENV) or tmp_path / "screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    api(daemon, "/api/command", {"command": "play"})
    title = playing(daemon)["current"]["title"]
    browser.set_script_timeout(30)
    browser.get(daemon.web)
    wait_for(lambda: browser.find_element(By.ID, "title").text == title)
    browser.find_element(By.ID, "why").click()
    wait_for(lambda: browser.find_element(By.CSS_SELECTOR, "#parts tbody tr").is_displayed())
    problems: dict[str, list[str]] = {}
    for scheme in ("light", "dark"):
        for size in SIZES:
            emulate(browser, scheme, size)
            background = "return getComputedStyle(document.body).backgroundColor"
            assert browser.execute_script(background) == BACKGROUNDS[scheme]
            if size == "phone":  # now playing and its controls first, on the first screen
                assert rect(browser, "now")["bottom"] <= rect(browser, "queue-box")["top"]
                assert rect(browser, "toggle")["bottom"] <= SIZES["phone"][1]
                assert rect(browser, "queue-box")["left"] == rect(browser, "now")["left"]
            print(f"screenshot: {shot(browser, folder, f'{scheme}-{size}')}")
        if AXE.is_file():
            problems[scheme] = axe_violations(browser)
    assert not any(problems.values()), problems
    browser.find_element(By.ID, "browse-artists").click()  # the library lists its artists
    wait_for(lambda: browser.find_elements(By.CSS_SELECTOR, "#lib li"))
    emulate(browser, "light", "desktop")  # library, history and settings: one desktop screen
    browser.execute_script("document.getElementById('library-box').scrollIntoView()")
    print(f"screenshot: {shot(browser, folder, 'views-desktop')}")
    for section in ("library", "history", "settings"):  # on a phone, one screen each
        emulate(browser, "light", "phone")
        browser.execute_script(f"document.getElementById('{section}-box').scrollIntoView()")
        print(f"screenshot: {shot(browser, folder, f'{section}-phone')}")

    port = daemon.web.rstrip("/").rsplit(":", 1)[1]
    daemon.stop()  # the daemon down: a banner, every control off
    wait_for(lambda: browser.find_element(By.ID, "offline").is_displayed())
    assert "not reachable" in browser.find_element(By.ID, "offline").text
    assert browser.execute_script(
        "return [...document.querySelectorAll('main button, main input')].every((e) => e.disabled)"
    )
    assert browser.title == "moodplay (not connected)"
    assert not browser.find_element(By.ID, "meter").is_displayed()  # no stale level
    if AXE.is_file():
        assert not (down := axe_violations(browser)), down
    for size in SIZES:
        emulate(browser, "light", size)
        print(f"screenshot: {shot(browser, folder, f'down-{size}')}")

    # Back up on the same port: the page reconnects by itself (its back-off is at most a few
    # seconds this early) and the controls come back
    with running(db, tmp_path / "again", "--no-voice", "--http-port", port):
        wait_for(lambda: not browser.find_element(By.ID, "offline").is_displayed(), 20)
        wait_for(lambda: browser.find_element(By.ID, "toggle").is_enabled())
    if not AXE.is_file():
        pytest.skip(f"accessibility not checked: {AXE} missing (run scripts/setup.sh test)")
