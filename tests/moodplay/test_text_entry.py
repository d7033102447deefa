"""Typed commands at every entry point of a real daemon (CLI ``say``, HTTP ``/api/say``, MPD
``sendmessage moodplay``): an answer or a clear refusal, never an exception (issue 15)."""

from __future__ import annotations

import contextlib
import io
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from moodplay._cli import main
from tests.conftest import run_moodplay, short_library
from tests.moodplay.daemon import Daemon, running
from tests.moodplay.mpd_reference import Raw
from tests.moodplay.test_http import call

NAMES = ("Awakening", "Coherence", "Nebula")
FUZZ = settings(max_examples=40, derandomize=True, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])  # fmt: skip
"""Quick and the same every run: a few seconds per entry point."""
WORDS = [
    "volume",
    "play",
    "the",
    "song",
    "set",
    "to",
    "percent",
    "skip",
    "mood",
    "calm",
    "why",
    "this",
    "what's",
    "playing",
    "undo",
    "-",
    ".",
    ",",
    "one",
    "hundred",
    "minus",
    "and",
]
TEXT = st.one_of(
    st.text(max_size=60),
    st.lists(st.one_of(st.sampled_from(WORDS), st.integers(-10**20, 10**20).map(str),
                       st.from_regex(r"[0-9]{1,40}", fullmatch=True)), max_size=8).map(" ".join),
)  # fmt: skip
"""Any text, and near-commands full of numbers (150, 666, -5, 50.5, 40 digits)."""


@pytest.fixture(scope="module")
def library_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return short_library(tmp_path_factory.mktemp("text"), NAMES, seconds=20)


@pytest.fixture(scope="module")
def live(library_db: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Daemon]:
    """One daemon for the module (any free ports), playing."""
    with running(library_db, tmp_path_factory.mktemp("daemon"), "--no-voice") as d:
        assert call(d.web, "/api/command", {"command": "play"})[0] == 200
        yield d


def say(db: Path, *text: str) -> tuple[int, str, str]:
    """``moodplay --db DB say TEXT`` through the CLI's own function: (status, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--db", str(db), "say", *text])
    return code, out.getvalue(), err.getvalue()


def test_volume_past_100_is_refused_and_nothing_changes(live: Daemon, library_db: Path) -> None:
    before = call(live.web, "/api/status")[1]["volume"]
    for text in ("volume 150", "set the volume to 150 percent", "volume to -5", "volume 1,000",
                 "set the volume to 50.5"):  # fmt: skip
        code, out, err = say(library_db, text)
        assert (code, out) == (1, ""), text
        assert "percent" in err and "internal error" not in err, (text, err)
    assert "150 is outside 0..100 percent" in say(library_db, "volume 150")[2]
    status, answer = call(live.web, "/api/say", {"text": "volume 150"})
    assert (status, answer) == (422, {"error": "volume_set: 150 is outside 0..100 percent"}) or (
        status == 422 and "outside 0..100" in answer["error"])  # fmt: skip
    assert call(live.web, "/api/status")[1]["volume"] == before


def test_a_title_with_a_big_number_is_an_answer_not_a_crash(live: Daemon, library_db: Path) -> None:
    code, _, err = say(library_db, "play the song route 666")
    assert code in (0, 1) and "internal error" not in err and "Traceback" not in err


def test_say_prints_the_answer(live: Daemon, library_db: Path) -> None:
    view = call(live.web, "/api/status")[1]
    code, out, _ = say(library_db, "what's playing")
    assert code == 0 and view["current"]["title"] in out and not out.startswith("ok:")
    code, out, _ = say(library_db, "why this song")
    assert code == 0 and out.strip() and not out.startswith("ok:")
    assert out.strip() == (call(live.web, "/api/status")[1]["current"]["reason"] or out.strip())


def test_the_log_names_each_command_and_its_source_not_polls(
    live: Daemon, library_db: Path
) -> None:
    say(library_db, "volume to 40")
    call(live.web, "/api/command", {"command": "volume_set", "args": {"percent": 41}})
    mpd = Raw(live.mpd_port)
    try:
        assert mpd.ask("setvol 42")[-1] == "OK"
        for _ in range(5):
            mpd.ask("status")
    finally:
        mpd.close()
    wanted = ("command volume_set percent=40 from CLI", "command volume_set percent=41 from HTTP",
              "from MPD")  # fmt: skip
    deadline = time.monotonic() + 5
    while not all(any(w in line for line in live.lines) for w in wanted):
        assert time.monotonic() < deadline, "".join(live.lines[-30:])
        time.sleep(0.05)
    assert not any("status" in line and "INFO" in line for line in live.lines)


@FUZZ
@given(TEXT)
def test_fuzz_cli_say(live: Daemon, library_db: Path, text: str) -> None:
    code, _, err = say(library_db, text)
    assert code in (0, 1) and "internal error" not in err and "Traceback" not in err


@FUZZ
@given(TEXT)
def test_fuzz_http_say(live: Daemon, text: str) -> None:
    status, answer = call(live.web, "/api/say", {"text": text})
    assert status in (200, 400, 409, 413, 422), (status, answer)
    assert isinstance(answer, dict) and ("error" in answer or answer.get("ok") is True)


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@FUZZ
@given(TEXT.filter(lambda t: "\n" not in t and "\r" not in t))
def test_fuzz_mpd_sendmessage(live: Daemon, text: str) -> None:
    mpd = Raw(live.mpd_port)
    try:
        answer = mpd.ask(f"sendmessage moodplay {_quote(text)}")
        assert answer[-1] == "OK" or answer[-1].startswith("ACK ["), answer
        assert "internal" not in answer[-1].lower(), answer
        assert mpd.ask("ping") == ["OK"]  # the connection lives on
    finally:
        mpd.close()


def test_mpd_sendmessage_says_why_a_number_is_refused(live: Daemon) -> None:
    mpd = Raw(live.mpd_port)
    try:
        answer = mpd.ask('sendmessage moodplay "volume 150"')
        assert answer[-1].startswith("ACK [2@0] {sendmessage} volume_set: 150 is outside"), answer
    finally:
        mpd.close()


def test_scan_path_checks(tmp_path: Path) -> None:
    missing = run_moodplay("scan", "--db", str(tmp_path / "x.db"), str(tmp_path / "nowhere"))
    assert missing.returncode == 1 and "nowhere does not exist" in missing.stderr
    song = tmp_path / "song.ogg"
    song.write_bytes(b"")
    as_file = run_moodplay("scan", "--db", str(tmp_path / "x.db"), str(song))
    assert as_file.returncode == 1 and "song.ogg is a file, not a folder" in as_file.stderr
