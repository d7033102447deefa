"""MPD audio outputs, and the MPD commands moodplay refuses with a reason.

moodplay has one output, "moodplay" (libVLC to the sound server), always on.

``outputs`` lists it; ``enableoutput 0`` is accepted (it is on); disabling it is refused with
the reason: the speaker would fall silent while the queue, the clock and the listening history
went on as if it played. Pause, or set the volume, instead.
"""

from __future__ import annotations

from collections.abc import Callable

from moodplay.mpd._base import _bounded_int
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError

OUTPUT = (("outputid", 0), ("outputname", "moodplay"), ("plugin", "libvlc"), ("outputenabled", 1))
ALWAYS_ON = "moodplay's one output stays on: pause, or set the volume, instead"


def outputs(args: list[str]) -> Pairs:
    return list(OUTPUT)


def _output(args: list[str]) -> int:
    output = _bounded_int(args[0], 0, 2**31 - 1)
    if output != 0:
        raise ProtocolError(Ack.NO_EXIST, "No such audio output")
    return output


def enable_output(args: list[str]) -> Pairs:
    _output(args)
    return []


def disable_output(args: list[str]) -> Pairs:
    """``disableoutput 0`` / ``toggleoutput 0``: refused with the reason."""
    _output(args)
    raise ProtocolError(Ack.ARG, ALWAYS_ON)


def output_set(args: list[str]) -> Pairs:
    _output(args)
    raise ProtocolError(Ack.ARG, "moodplay's output has no attributes to set")


ORDERED = "moodplay picks the order itself (say or send a mood instead)"
WHOLE_TRACKS = "moodplay plays whole tracks; seek instead"
FILE_TAGS = "moodplay's tags come from the files; edit them and update"
NO_MIXRAMP = "moodplay mixes with crossfade only (see crossfade)"


def refuse(reason: str) -> Callable[[list[str]], Pairs]:
    """A handler for an MPD command moodplay does not do, answering why (ACK [2@0])."""

    def run(args: list[str]) -> Pairs:
        raise ProtocolError(Ack.ARG, reason)

    return run
