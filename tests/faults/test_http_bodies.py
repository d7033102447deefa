"""Issue 11, findings 7 and the HTTP side of 5: bodies nested too deep, bodies too large and
text too long are refused with a status and a reason; the connection is never just dropped, and
the daemon answers the next client."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from moodplay.web import MAX_BODY, MAX_SAY
from tests.conftest import short_library
from tests.faults.sound_helpers import daemon_and_pulse, http, status
from tests.moodplay.daemon import Daemon

NAMES = ("Awakening", "Coherence", "Nebula")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    folder = tmp_path_factory.mktemp("http_bodies")
    db = short_library(folder, NAMES, seconds=5)
    with daemon_and_pulse(db, folder, "--no-voice") as (daemon, _):
        yield daemon


def _error(answer: object) -> str:
    assert isinstance(answer, dict), answer
    return str(answer["error"])


@pytest.mark.parametrize("path", ["/api/command", "/api/say"])
def test_deeply_nested_json_gets_400_with_a_reason(web: Daemon, path: str) -> None:
    body = b"[" * (MAX_BODY - 10)  # the parser would recurse once per bracket
    code, answer = http(web.web, "POST", path, body)
    assert code == 400 and "nested too deeply" in _error(answer)
    body = json.dumps({"command": "play", "args": {"x": [[[[[[[[[[1]]]]]]]]]]}}).encode()
    code, answer = http(web.web, "POST", "/api/command", body)  # nested but not deep: its args
    assert code == 422, answer
    assert status(web.web)["state"] in ("play", "stop")


def test_a_body_over_the_limit_gets_413_with_a_reason(web: Daemon) -> None:
    body = json.dumps({"text": "x" * (4 * 1024 * 1024)}).encode()
    code, answer = http(web.web, "POST", "/api/say", body)
    assert code == 413 and f"over {MAX_BODY} bytes" in _error(answer)
    assert status(web.web)["state"] in ("play", "stop")


def test_say_text_over_the_limit_gets_413_with_a_reason(web: Daemon) -> None:
    text = "play something calm " * (MAX_SAY // 10)
    code, answer = http(web.web, "POST", "/api/say", json.dumps({"text": text}).encode())
    assert code == 413 and f"over {MAX_SAY} characters" in _error(answer)
    code, answer = http(web.web, "POST", "/api/say", json.dumps({"text": "x" * MAX_SAY}).encode())
    assert code == 422 and "not understood" in _error(answer)  # at the limit: read, not refused
