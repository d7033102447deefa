"""The listening history the daemon and ``moodplay queue`` plan from: a stored fold of the old
events (recommend/_fold.py) and the events after it, so start-up does not grow with years of
listening (issue 12, item 9)."""

from __future__ import annotations

import dataclasses
import io
import logging
import time

import numpy as np

from library import Event, Store, StoreError, load_events, load_fold, save_fold
from recommend import (
    KINDS,
    Catalogue,
    Feedback,
    Fold,
    History,
    SignalWeights,
    fold_history,
    weights_key,
)

log = logging.getLogger(__name__)
ARRAYS = tuple(f.name for f in dataclasses.fields(Fold) if f.name not in ("cut", "key", "parts"))
"""The fold's array fields: what the blob holds besides its cut, weights key and part names."""

FOLD_AFTER_S = 60 * 86_400.0
"""Events older than this (60 days) are read from the fold, not one by one: longer than the
no-repeat window, the day's mix (24 h) and a listening session, which read events."""
REFOLD_S = 7 * 86_400.0
"""The fold is brought up to date at start-up once its cut is this much (a week) behind."""


def build_history(store: Store, cat: Catalogue, now: float | None = None,
                  weights: SignalWeights | None = None) -> History:  # fmt: skip
    """The listening history for ``cat``: the stored fold of the events older than
    ``FOLD_AFTER_S`` (made or brought up to date here when it is ``REFOLD_S`` behind), then the
    events after its cut. Start-up reads about two months of events, however long the history
    (issue 12, item 9)."""
    fold, read = current_fold(store, time.time() if now is None else now,
                              weights or SignalWeights())  # fmt: skip
    since = fold.cut if fold is not None else 0.0
    index = {int(t): i for i, t in enumerate(cat.track_ids)}
    history = History(fold=fold)
    for e in load_events(store, since=since) if read is None else read:
        if e.at >= since and e.track_id in index and e.kind in KINDS:  # "failed" is no feedback
            history.add(Feedback(index[e.track_id], e.kind, e.at, e.part_of_day, e.position_s,
                                 e.duration_s))  # fmt: skip
    return history


def current_fold(store: Store, now: float, weights: SignalWeights
                 ) -> tuple[Fold | None, list[Event] | None]:  # fmt: skip
    """The stored fold if it is recent enough and made with these weights; else a new one of
    the events before ``now - FOLD_AFTER_S`` (from the old fold when it can be), stored. With
    it, the events it read from the old fold's cut on (None: it read none), so the caller need
    not read them again."""
    stored = load_fold(store)
    old = None
    if stored is not None:
        try:
            old = fold_from_bytes(stored[1])
        except ValueError as exc:
            log.warning("history fold unreadable (%s); folding the events again", exc)
        if old is not None and old.key != weights_key(weights):
            old = None
        if old is not None and old.cut >= now - FOLD_AFTER_S - REFOLD_S:
            return old, None
    cut = now - FOLD_AFTER_S
    if old is not None and old.cut >= cut:  # the clock went back: keep what is there
        return old, None
    read = load_events(store, since=old.cut if old is not None else 0.0)
    events = [
        (e.track_id, Feedback(0, e.kind, e.at, e.part_of_day, e.position_s, e.duration_s))
        for e in read
        if e.at < cut and e.kind in KINDS
    ]
    if old is None and not events:
        return None, read
    fold = fold_history(events, cut, weights, previous=old)
    try:
        save_fold(store, cut, fold_to_bytes(fold))
    except StoreError as exc:  # a read-only or full disk: fold again next start
        log.warning("history fold not stored: %s", exc)
    return fold, read


def fold_to_bytes(fold: Fold) -> bytes:
    """The fold as one ``.npz`` blob for the store (no pickled objects)."""
    out = io.BytesIO()
    names = np.array([fold.key, *fold.parts])
    np.savez(out, meta=np.array([fold.cut]), names=names,
             **{k: getattr(fold, k) for k in ARRAYS})  # fmt: skip
    return out.getvalue()


def fold_from_bytes(blob: bytes) -> Fold:
    """The fold ``fold_to_bytes`` wrote. Raises ValueError if the blob is not one."""
    try:
        with np.load(io.BytesIO(blob), allow_pickle=False) as z:
            names = [str(x) for x in z["names"]]
            arrays = {k: np.asarray(z[k]) for k in ARRAYS}
            cut = float(z["meta"][0])
    except (OSError, KeyError, IndexError, EOFError, ValueError) as exc:  # not our npz
        raise ValueError(f"not a history fold: {exc}") from None
    return Fold(cut, names[0], tuple(names[1:]), **arrays)
