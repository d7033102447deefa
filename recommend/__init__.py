"""The recommendation core: mood paths, scoring, learning from feedback, diversity, reasons.

Pure numpy: no I/O, no threads, none of our other packages. Deterministic for a given seed.
Front ends convert their data to :class:`Catalogue`, :class:`ListenerState` and
:class:`History`, and get back a :class:`Plan` of :class:`QueueEntry`.
"""

from recommend._feedback import KINDS, Feedback, History, SignalWeights
from recommend._fold import Fold, fold_history, weights_key
from recommend._path import PART_OF_DAY_PRIORS, WIND_DOWN_TARGET
from recommend._planner import SESSION_GAP_S, Planner, Settings
from recommend._request import Request, mood_request
from recommend._session import FEEDBACK_EVENTS, STATE_EVENTS, Session, SessionEvent
from recommend._types import (
    Catalogue,
    ListenerState,
    Plan,
    Point,
    QueueEntry,
    Situation,
)

__all__ = [
    "FEEDBACK_EVENTS",
    "KINDS",
    "PART_OF_DAY_PRIORS",
    "SESSION_GAP_S",
    "STATE_EVENTS",
    "WIND_DOWN_TARGET",
    "Catalogue",
    "Feedback",
    "Fold",
    "History",
    "ListenerState",
    "Plan",
    "Planner",
    "Point",
    "QueueEntry",
    "Request",
    "Session",
    "SessionEvent",
    "Settings",
    "SignalWeights",
    "Situation",
    "fold_history",
    "mood_request",
    "weights_key",
]
