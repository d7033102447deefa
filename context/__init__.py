"""When and where the listener is: the Context snapshot (standard library only)."""

from context._ambient import AmbientNoise
from context._context import (
    PARTS_OF_DAY,
    Context,
    ContextSource,
    detect_device,
    in_quiet_hours,
    part_of_day,
)

__all__ = [
    "PARTS_OF_DAY",
    "AmbientNoise",
    "Context",
    "ContextSource",
    "detect_device",
    "in_quiet_hours",
    "part_of_day",
]
