"""Client transcripts replayed against moodplay and the real MPD 0.23, answers compared by
shape (issue 10's differential test).

The corpus (tests/moodplay/mpd_transcripts/) is what mpc, ncmpcpp, python-mpd2 and Home
Assistant's integration sent to a real MPD (recorded from its verbose log), plus every command
with good and bad arguments. Each line goes to both servers in lock-step, each connection of a
transcript on its own connection to each server, both on the same music (the whole corpus);
the answers are compared by shape: OK or ACK (code, command and text), the keys of the answer,
and for the library's listings the entries themselves. A difference moodplay intends is listed
in docs/mpd-differences.toml, each with its reason; any other difference fails the test.
"""

from __future__ import annotations

import re
import shutil
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import CORPUS
from tests.moodplay.daemon import Daemon
from tests.moodplay.mpd_reference import Raw, pairs, real_mpd

HERE = Path(__file__).parent
CORPUS_DIR = HERE / "mpd_transcripts"
DIFFERENCES = HERE.parents[1] / "docs" / "mpd-differences.toml"
LISTINGS = ("lsinfo", "listall", "listallinfo", "find", "search", "list", "count",
            "listplaylist", "listplaylistinfo", "tagtypes", "outputs")  # fmt: skip
"""Answers that depend on the library alone: their entries must be the same on both
(``commands``: see test_mpd_table.py, which checks what is left out and why)."""
ENTRY_KEYS = ("file", "directory", "playlist")


@pytest.fixture(scope="module")
def library_db(scanned_db: Path) -> Path:
    return scanned_db


@pytest.fixture(autouse=True)
def private_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Stored playlists go to the test's folder, not the user's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


@pytest.fixture
def mpd_port(tmp_path: Path) -> Iterator[int]:
    with real_mpd(CORPUS, tmp_path / "mpd") as port:
        yield port


@dataclass(frozen=True)
class Allowed:
    """Differences moodplay intends (docs/mpd-differences.toml)."""

    answers: list[re.Pattern[str]]
    """Lines whose answer may differ entirely (OK against ACK, other text)."""
    missing_keys: set[str]
    """Keys that may be in one answer and not the other."""

    @classmethod
    def load(cls) -> Allowed:
        with DIFFERENCES.open("rb") as f:
            raw = tomllib.load(f)
        answers = [re.compile(e["lines"]) for e in raw.get("answers", []) if "lines" in e]
        missing = {k for e in raw.get("fields", []) for k in e.get("keys", [])}
        return cls(answers, missing)

    def answer(self, line: str) -> bool:
        return any(p.fullmatch(line) for p in self.answers)


def transcripts() -> list[str]:
    return sorted(p.stem for p in CORPUS_DIR.glob("*.txt"))


def connections(name: str) -> list[list[str]]:
    """The transcript's connections, each a list of request lines."""
    out: list[list[str]] = []
    for raw in (CORPUS_DIR / f"{name}.txt").read_text().splitlines():
        if raw.startswith("# connection"):
            out.append([])
        elif raw and not raw.startswith("#"):
            if not out:
                out.append([])
            out[-1].append(raw)
    return out


def fill(client: Raw, line: str) -> str:
    """Placeholders filled from this server's state: {id:N}, {file:N}, {version}."""
    if "{" not in line or line.startswith("find "):
        return line
    queue = pairs(client.ask("playlistinfo"))
    ids = [v for k, v in queue if k == "Id"]
    files = [v for k, v in queue if k == "file"]
    version = dict(pairs(client.ask("status")))["playlist"]
    line = re.sub(r"\{id:(\d+)\}", lambda m: ids[int(m[1])] if int(m[1]) < len(ids) else "0",
                  line)  # fmt: skip
    line = re.sub(r"\{file:(\d+)\}", lambda m: f'"{files[int(m[1])]}"', line)
    return line.replace("{version}", version)


def send(client: Raw, line: str, in_list: bool) -> list[str]:
    """The answer to one line; an idle with nothing pending is ended with noidle; a list's
    lines before its end answer nothing."""
    client.send(line)
    if line == "close":  # both close the connection, answering nothing
        return ["(closed)" if client.stream.readline() == b"" else "(still open)"]
    if in_list:
        return []
    if (line == "idle" or line.startswith("idle ")) and client.quiet(0.3):
        client.send("noidle")
    return client.answer()


class Lockstep:
    """One transcript connection on both servers."""

    def __init__(self, ours: int, theirs: int) -> None:
        self.ours, self.theirs = Raw(ours), Raw(theirs)
        self.in_list = False

    def run(self, line: str) -> tuple[list[str], list[str]]:
        if line.startswith("command_list_") and line.endswith("begin"):
            self.in_list = True
        elif line == "command_list_end":
            self.in_list = False
        return (send(self.ours, fill(self.ours, line), self.in_list),
                send(self.theirs, fill(self.theirs, line), self.in_list))  # fmt: skip

    def close(self) -> None:
        self.ours.close()
        self.theirs.close()


def differences(line: str, ours: list[str], theirs: list[str], allowed: Allowed) -> list[str]:
    """How the two answers differ by shape, as readable lines (empty: the same)."""
    if (not ours and not theirs) or allowed.answer(line):
        return []
    o_ack, t_ack = _ack(ours), _ack(theirs)
    if o_ack or t_ack:
        return [] if o_ack == t_ack else [f"{line!r}: moodplay {ours[-1]!r}, MPD {theirs[-1]!r}"]
    out = []
    o_keys, t_keys = {k for k, _ in pairs(ours)}, {k for k, _ in pairs(theirs)}
    command = line.split(maxsplit=1)[0]
    if command == "idle":
        return []  # subsystems: see test_mpd_idle.py (one intended difference)
    missing = t_keys - o_keys - allowed.missing_keys
    extra = o_keys - t_keys - allowed.missing_keys
    if (missing or extra) and (len(ours) > 1 and len(theirs) > 1):
        out.append(f"{line!r}: keys moodplay lacks {sorted(missing)}, has extra {sorted(extra)}")
    if command in LISTINGS:
        o_entries = sorted(v for k, v in pairs(ours) if k in ENTRY_KEYS or line.startswith(
            ("list ", "count", "tagtypes", "outputs")))  # fmt: skip
        t_entries = sorted(v for k, v in pairs(theirs) if k in ENTRY_KEYS or line.startswith(
            ("list ", "count", "tagtypes", "outputs")))  # fmt: skip
        if o_entries != t_entries:
            out.append(f"{line!r}: entries differ: moodplay {o_entries[:6]}, MPD {t_entries[:6]}")
    return out


def _ack(answer: list[str]) -> str | None:
    return answer[-1] if answer and answer[-1].startswith("ACK") else None


@pytest.mark.slow
@pytest.mark.parametrize("name", transcripts())
def test_transcript_answers_as_mpd(name: str, daemon: Daemon, mpd_port: int,
                                   tmp_path: Path) -> None:  # fmt: skip
    if shutil.which("mpd") is None:
        pytest.skip("the real MPD is not installed")
    allowed = Allowed.load()
    found: list[str] = []
    for lines in connections(name):
        both = Lockstep(daemon.mpd_port, mpd_port)
        for line in lines:
            ours, theirs = both.run(line)
            found += differences(line, ours, theirs, allowed)
        both.close()
    if found:
        pytest.fail(f"{len(found)} differences not in docs/mpd-differences.toml:\n"
                    + "\n".join(found), pytrace=False)  # fmt: skip
