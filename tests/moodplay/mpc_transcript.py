"""The real ``mpc`` run step by step against one server, each answer checked by its shape.

The shapes are what the real MPD 0.23 printed: the same tests run against it (``server``
fixture), so every expectation here is checked against MPD as well as against moodplay. Where
the data is the same on both (the library), the lines themselves are compared; where moodplay
differs by design (it plans the queue), only the exit code and the form of each line.
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field

SONG = r"Maxstack - (Apex Aleph|Awakening|Coherence|Nebula)"
"""What mpc prints for one of the test library's songs."""


def state(name: str, at: str = r"\d:\d\d", percent: str = r"\d+") -> str:
    """mpc's second status line: ``[playing] #2/4   0:03/0:20 (15%)``."""
    return rf"\[{name}\] +#\d+/\d+ +{at}/0:20 \({percent}%\)"


def options(volume: str = r"\d+", repeat: str = "off", single: str = "off") -> str:
    """mpc's options line: ``volume: 55%   repeat: off   random: off   single: off ...``."""
    return (rf"volume: ?{volume}%\s+repeat: {repeat}\s+random: off\s+single: {single}\s+"
            r"consume: off")  # fmt: skip


def playing(name: str = "playing", **opts: str) -> tuple[str, ...]:
    """The three status lines mpc prints after a playback command."""
    return (SONG, state(name), options(**opts))


@dataclass(frozen=True)
class Ran:
    args: tuple[str, ...]
    rc: int
    out: bytes
    err: str

    @property
    def lines(self) -> list[str]:
        return self.out.decode(errors="replace").splitlines()


@dataclass
class Transcript:
    """Runs mpc against ``port``; collects every mismatch, so one run shows them all."""

    port: int
    problems: list[str] = field(default_factory=list)

    def run(self, *args: str) -> Ran:
        done = subprocess.run(["mpc", "-h", "127.0.0.1", "-p", str(self.port), *args],
                              capture_output=True, timeout=20, check=False)  # fmt: skip
        return Ran(args, done.returncode, done.stdout, done.stderr.decode(errors="replace"))

    def step(self, *args: str, rc: int = 0, lines: tuple[str, ...] = (),
             same: tuple[str, ...] | None = None) -> Ran:  # fmt: skip
        """Run ``mpc ARGS``: exit code ``rc``; stdout is one line per regex in ``lines`` (none:
        empty), or exactly the lines ``same`` in any order (the data is the same on both)."""
        ran = self.run(*args)
        got = ran.lines
        if ran.rc != rc:
            self.fail(ran, f"exit {ran.rc}, wanted {rc}")
        elif same is not None:
            if sorted(got) != sorted(same):
                self.fail(ran, f"printed {got}, wanted {sorted(same)} in any order")
        elif len(got) != len(lines) or not all(
            re.fullmatch(want, line) for want, line in zip(lines, got, strict=True)
        ):
            self.fail(ran, f"printed {got}, wanted lines matching {list(lines)}")
        return ran

    def expect(self, ok: bool, ran: Ran, what: str) -> None:
        if not ok:
            self.fail(ran, what)

    def fail(self, ran: Ran, what: str) -> None:
        err = f" (stderr: {ran.err.strip()})" if ran.err.strip() else ""
        self.problems.append(f"mpc {' '.join(ran.args)}: {what}{err}")

    def check(self) -> None:
        assert not self.problems, "\n".join(self.problems)
