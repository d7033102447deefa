"""The mood map: every track on the valence x energy plane, as text and as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Quadrants of the valence x energy plane (Russell's circumplex, as music mood work uses it).
# Named by (valence >= 0.5, energy >= 0.5).
QUADRANTS: dict[tuple[bool, bool], str] = {
    (True, True): "happy / energetic",
    (False, True): "tense / dark",
    (True, False): "calm / content",
    (False, False): "sad / sombre",
}


def quadrant(valence: float, energy: float) -> str:
    return QUADRANTS[(valence >= 0.5, energy >= 0.5)]


def summary_lines(points: list[dict[str, Any]]) -> list[str]:
    """A table a person reads in a terminal: quadrant counts, then tracks by energy."""
    if not points:
        return ["mood map: no analysed tracks yet"]
    counts = dict.fromkeys(QUADRANTS.values(), 0)
    for p in points:
        counts[quadrant(p["valence"], p["energy"])] += 1
    lines = [f"mood map of {len(points)} tracks (valence = how positive, energy = how intense):"]
    lines += [f"  {name:<18} {n:>5}" for name, n in counts.items()]
    lines.append(f"  {'valence':>7} {'energy':>7}  {'quadrant':<18} track")
    for p in sorted(points, key=lambda p: (-p["energy"], -p["valence"])):
        who = f"{p['artist']} - " if p["artist"] else ""
        lines.append(
            f"  {p['valence']:7.2f} {p['energy']:7.2f}  "
            f"{quadrant(p['valence'], p['energy']):<18} {who}{p['title']}"
        )
    return lines


# Label placement: offsets in points tried in turn, and the label's rough size in data units
# (fontsize 8 on a 10-inch axis spanning 0..1).
_OFFSETS = ((5, 4, "left"), (5, -11, "left"), (-5, 4, "right"), (-5, -11, "right"),
            (5, 14, "left"), (5, -21, "left"), (-5, 14, "right"), (-5, -21, "right"))  # fmt: skip
_CHAR_W = 0.0062
_LINE_H = 0.014
_PT = 1 / 720  # one point in data units


def _place_label(
    x: float, y: float, text: str, placed: list[tuple[float, float, float, float]]
) -> tuple[int, int, str]:
    """The first offset whose label box overlaps no label placed so far (greedy)."""
    width = len(text) * _CHAR_W
    for dx, dy, align in _OFFSETS:
        left = x + dx * _PT - (width if align == "right" else 0.0)
        box = (left, y + dy * _PT, left + width, y + dy * _PT + _LINE_H)
        if not any(_overlap(box, other) for other in placed):
            placed.append(box)
            return dx, dy, align
    return _OFFSETS[0]


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def draw_map(points: list[dict[str, Any]], out: Path, title: str = "moodplay mood map") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 10), dpi=110)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axhline(0.5, color="#bbbbbb", lw=1)
    ax.axvline(0.5, color="#bbbbbb", lw=1)
    for (bright, intense), name in QUADRANTS.items():
        x, y = (0.98 if bright else 0.02), (0.98 if intense else 0.02)
        ax.text(x, y, name, ha="right" if x > 0.5 else "left", va="top" if y > 0.5 else "bottom",
                fontsize=13, color="#888888", style="italic")  # fmt: skip
    xs = [p["valence"] for p in points]
    ys = [p["energy"] for p in points]
    ax.scatter(xs, ys, s=60, c=ys, cmap="coolwarm", vmin=0, vmax=1, edgecolors="black", zorder=3)
    label_all = len(points) <= 80
    placed: list[tuple[float, float, float, float]] = []
    for p in points if label_all else []:
        dx, dy, align = _place_label(p["valence"], p["energy"], p["title"], placed)
        ax.annotate(p["title"], (p["valence"], p["energy"]), xytext=(dx, dy), ha=align,
                    textcoords="offset points", fontsize=8, zorder=4)  # fmt: skip
    ax.set_xlabel("valence  (sad, dark  →  happy, bright)", fontsize=12)
    ax.set_ylabel("energy  (calm  →  intense)", fontsize=12)
    suffix = "" if label_all else " (too many to label)"
    ax.set_title(f"{title}: {len(points)} tracks{suffix}", fontsize=14)
    ax.grid(True, alpha=0.25)
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out)
    plt.close(fig)
