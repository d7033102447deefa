"""The 30-day bench runs end to end and prints every figure for every population and policy.

The figures are not judged here (no thresholds): this only keeps bench/longrun.py runnable as
the recommender changes under it. A tiny library and two listeners per group keep it short.
"""

from __future__ import annotations

import re
import subprocess
import sys

from tests.conftest import REPO

KINDS = ("hour_taste", "variety", "niche_fan", "requester", "newcomer", "omnivore")
POLICIES = ("always-on", "restarted", "shuffle", "nearest")
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _sections(out: str) -> dict[str, dict[tuple[str, str], list[str]]]:
    sections: dict[str, dict[tuple[str, str], list[str]]] = {}
    rows: dict[tuple[str, str], list[str]] = {}
    for line in out.splitlines():
        if line.startswith("== "):
            rows = sections.setdefault(line.split()[1], {})
        elif line.split()[:1] and line.split()[0] in KINDS:
            kind, policy, *cells = line.split()
            rows[kind, policy] = cells
    return sections


def test_quick_run_prints_every_figure() -> None:
    done = subprocess.run(
        [sys.executable, "bench/longrun.py", "--quick", "--tracks", "1000", "--jobs", "2"],
        cwd=REPO, capture_output=True, text=True, timeout=300, check=True,
    )  # fmt: skip
    header = next(line for line in done.stdout.splitlines() if line.startswith("population"))
    columns = header.split()[2:]
    assert columns == ["skip1-3", "skip28-30", "replay%", "distinct", "first200", "top3%",
                       "new15", "new15>=1%", "calm/s", "calm/m", "energ/s", "energ/m"]  # fmt: skip
    sections = _sections(done.stdout)
    assert set(sections) == {"tune", "held-out"}
    for rows in sections.values():
        assert set(rows) == {(k, p) for k in KINDS for p in POLICIES}
        for (kind, _), cells in rows.items():
            assert len(cells) == len(columns)
            # every listening figure is a number; the energies after "calm" and "energetic"
            # exist for the population that asks for moods (others may never say those words)
            must = cells if kind == "requester" else cells[:8]
            assert all(NUMBER.fullmatch(c) for c in must), (kind, cells)
            assert all(c == "-" or NUMBER.fullmatch(c) for c in cells), (kind, cells)
