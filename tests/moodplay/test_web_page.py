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
