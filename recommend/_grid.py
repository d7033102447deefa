"""A grid over the mood plane: candidates near a point without touching every track.

Tracks are sorted by grid cell once; a query gathers the cells in growing square rings around
the point until it has enough candidates, so planning cost depends on the candidates, not on
the size of the library.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from recommend._types import Catalogue, Point

CELLS = 32


class MoodGrid:
    def __init__(self, cat: Catalogue) -> None:
        cx = np.clip((cat.valence * CELLS).astype(np.int64), 0, CELLS - 1)
        cy = np.clip((cat.energy * CELLS).astype(np.int64), 0, CELLS - 1)
        cell = cx * CELLS + cy
        self.order = np.argsort(cell, kind="stable")
        counts = np.bincount(cell, minlength=CELLS * CELLS)
        self.starts = np.concatenate([[0], np.cumsum(counts)])
        self.size = cat.size

    def cell(self, p: Point) -> npt.NDArray[np.int64]:
        """The track indices in the cell that holds ``p`` (``near``'s ring 1 holds them too)."""
        x = min(CELLS - 1, max(0, int(p.valence * CELLS)))
        y = min(CELLS - 1, max(0, int(p.energy * CELLS)))
        return self.order[self.starts[x * CELLS + y] : self.starts[x * CELLS + y + 1]]

    def near(self, p: Point, want: int) -> npt.NDArray[np.int64]:
        """At least ``want`` track indices (or all) from the cells nearest ``p``."""
        if self.size <= want:
            return np.arange(self.size, dtype=np.int64)
        x = min(CELLS - 1, max(0, int(p.valence * CELLS)))
        y = min(CELLS - 1, max(0, int(p.energy * CELLS)))
        for ring in range(1, CELLS + 1):
            xs = range(max(0, x - ring), min(CELLS, x + ring + 1))
            ys = range(max(0, y - ring), min(CELLS, y + ring + 1))
            # Cells are sorted column by column: the rows ys of column i are one slice.
            lo, hi = ys.start, ys.stop
            parts = [self.order[self.starts[i * CELLS + lo] : self.starts[i * CELLS + hi]]
                     for i in xs]  # fmt: skip
            found = np.concatenate(parts)
            if found.shape[0] >= want or ring >= CELLS:
                return found.astype(np.int64)
        return np.arange(self.size, dtype=np.int64)
