"""The page's library and history views in headless Chromium: search, open an album and queue
it with the keyboard alone; forget one history entry; axe-core finds nothing serious in them."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from library import Event, Store, record_event
from tests.moodplay import browse_library as lib
from tests.moodplay import test_web_page as page
from tests.moodplay.daemon import Daemon, wait_for
from tests.moodplay.test_web_page import (
    AXE,
    active,
    api,
    axe_violations,
    playing,
    press,
    tab_to,
)

browser = page.browser
"""Headless Chromium, as the page's other tests drive it (a fixture)."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return lib.build(tmp_path_factory.mktemp("web-browse"))


def texts(browser: Any, selector: str) -> list[str]:
    found = browser.execute_script(
        f"return [...document.querySelectorAll('{selector}')].map((e) => e.textContent);"
    )
    assert isinstance(found, list)
    return [str(t) for t in found]


def test_search_open_an_album_and_queue_it_by_keyboard(daemon: Daemon, browser: Any) -> None:
    from selenium.webdriver.common.keys import Keys

    api(daemon, "/api/command", {"command": "play"})
    playing(daemon)
    browser.get(daemon.web)
    wait_for(lambda: len(texts(browser, "#lib li")) == 3)  # the artists
    tab_to(browser, lambda a: a["id"] == "search")
    press(browser, "first")  # as you type: one search after the last key
    wait_for(lambda: "search: first" in texts(browser, "#lib-where")[0])
    album = f"{lib.FIRST} by {lib.ALPHA}"
    tab_to(browser, lambda a: a["action"] == "open" and a["track"] == album, 8)
    press(browser, Keys.ENTER)
    wait_for(lambda: texts(browser, "#lib-where") == [album])
    rows = texts(browser, "#lib ul:last-of-type li > div > :first-child")
    assert rows == [f"{n}. {t}" for n, t in zip((1, 2, 1), lib.FIRST_ORDER, strict=True)]
    assert active(browser)["action"] == "back"  # focus follows into the album
    whole = f"the album {album}"
    tab_to(browser, lambda a: a["action"] == "queue" and a["track"] == whole, 6)
    press(browser, Keys.ENTER)
    wait_for(lambda: texts(browser, "#lib-where") == [f"queued {whole}"])
    view = api(daemon, "/api/status")
    mine = [t["title"] for t in view["queue"] if t["queued"]]
    assert mine == lib.FIRST_ORDER  # the whole album, as MPD's findadd (the playing one too)
    assert browser.find_element("id", "error").text == ""


def test_history_view_forgets_one_entry(daemon: Daemon, browser: Any, db: Path) -> None:
    from selenium.webdriver.common.by import By

    with Store(db) as store:
        track = store.query("SELECT min(id) AS id FROM tracks")[0]["id"]
        at = round(time.time()) - 3600.75  # within the days the page shows; not whole seconds
        record_event(store, Event(track, "played", at, "night", 10, 10))
        skipped = Event(track, "skipped", at + 100, "night", 3, 10)
        record_event(store, skipped)
    browser.get(daemon.web)
    wait_for(lambda: len(texts(browser, "#history li")) == 2)
    first = texts(browser, "#history li > div")[0]
    assert "skipped" in first and "at 0:03 of 0:10" in first  # newest first
    if AXE.is_file():  # the library list and the history shown
        assert not (problems := axe_violations(browser)), problems
    forget = browser.find_element(By.CSS_SELECTOR, f'#history li[data-at="{skipped.at}"] button')
    assert forget.get_attribute("aria-label").startswith("forget skipped")
    forget.click()
    wait_for(lambda: len(texts(browser, "#history li")) == 1)
    assert [e["kind"] for e in api(daemon, "/api/history")["events"]] == ["played"]
    assert texts(browser, "#history-note") == ["forgot 1 event"]
