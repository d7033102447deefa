"""The web page in headless Chromium (Debian's chromium + chromium-driver, via Selenium).

It asserts what a listener sees: the now-playing title, its reason, the mood dot where the API
says the mood is; clicking a mood button changes the queue. A screenshot is kept as an artifact
(``artifacts/web-page.png`` under the test's temporary folder, path printed).
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import short_library
from tests.moodplay.daemon import Daemon

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


def wait_for(what: Any, timeout_s: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if value := what():
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


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
