"""Taps on the mixer's output (``MixerDecks.taps``): each kind found, or added, once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")
_ATTACH = threading.Lock()


def attach(mixing: Any, kind: type[T], make: Callable[[], T]) -> T:
    """The tap of ``kind`` among ``mixing.taps`` (``Player.mixing``), else ``make()`` added to
    them. One lock for every kind: threads asking at once (the web page, the context, the voice
    thread) get the same tap, never two."""
    with _ATTACH:
        for tap in mixing.taps:
            if isinstance(tap, kind):
                return tap
        tap = make()
        mixing.taps.append(tap)
        return tap
