"""The mood map: every track on the valence x energy plane, as text and as a PNG."""

from __future__ import annotations

from pathlib import Path
from typing import Any

# Quadrants of the valence x energy plane (Russell's circumplex, as music mood work uses it).
QUADRANTS = (
    ("happy / energetic", lambda v, e: v >= 0.5 and e >= 0.5),
    ("tense / dark", lambda v, e: v < 0.5 and e >= 0.5),
    ("calm / content", lambda v, e: v >= 0.5 and e < 0.5),
    ("sad / sombre", lambda v, e: v < 0.5 and e < 0.5),
)


def quadrant(valence: float, energy: float) -> str:
    return next(name for name, test in QUADRANTS if test(valence, energy))


def summary_lines(points: list[dict[str, Any]]) -> list[str]:
    """A table a person reads in a terminal: quadrant counts, then tracks by energy."""
    if not points:
        return ["mood map: no analysed tracks yet"]
    counts = {name: 0 for name, _ in QUADRANTS}
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


def draw_map(points: list[dict[str, Any]], out: Path, title: str = "moodplay mood map") -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(10, 10), dpi=110)
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    ax.axhline(0.5, color="#bbbbbb", lw=1)
    ax.axvline(0.5, color="#bbbbbb", lw=1)
    for (name, _), (x, y) in zip(QUADRANTS, ((0.98, 0.98), (0.02, 0.98), (0.98, 0.02),
                                             (0.02, 0.02)), strict=True):  # fmt: skip
        ax.text(x, y, name, ha="right" if x > 0.5 else "left", va="top" if y > 0.5 else "bottom",
                fontsize=13, color="#888888", style="italic")  # fmt: skip
    xs = [p["valence"] for p in points]
    ys = [p["energy"] for p in points]
    ax.scatter(xs, ys, s=60, c=ys, cmap="coolwarm", vmin=0, vmax=1, edgecolors="black", zorder=3)
    label_all = len(points) <= 80
    for p in points if label_all else []:
        ax.annotate(p["title"], (p["valence"], p["energy"]), xytext=(5, 4),
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
