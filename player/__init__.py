"""Playback with libVLC decoding into moodplay's own mixer: two decks, the next track prepared
and chained gapless, crossfade, ducking, loudness evened out.

``player._vlc`` is the only module that imports vlc; the rest sees :class:`Player` over the
:class:`Decks` protocol.
"""

from collections.abc import Callable

from player._meter import Level, LevelMeter, level_meter
from player._player import MAX_BOOST_DB, TARGET_LUFS, Decks, Player, PlayerEvent, Track, gain_for
from player._ramp import DUCK_LEVEL_PCT
from player._sounds import PlayingSound, Sounds
from player._tap import EchoReference, echo_reference


def output_stream_open() -> bool:
    """Whether the mixer holds a PortAudio output stream open in this process: PortAudio must
    not be initialised again meanwhile (that frees the stream under its owner: a crash)."""
    import sys

    device = sys.modules.get("player._device")  # not loaded: no stream was ever opened
    return device is not None and bool(device._OPEN)


OUTPUTS = ("mixer", "vlc")
"""How the decks reach the speaker: "mixer" (the default: libVLC decodes into moodplay's mixer,
which plays through one PortAudio stream on the default device, or ``device``; gapless, exact
fades; see ``player._mixdecks``) or "vlc" (libVLC's own audio output ``aout``, the fallback)."""


def open_vlc_player(
    aout: str = "pulse", device: str | int | None = None, crossfade_s: float = 0.0,
    output: str = "mixer", may_reinitialise: Callable[[], bool] = lambda: True,
) -> Player:  # fmt: skip
    """A Player through moodplay's mixer (``output="mixer"``, ``OUTPUTS``) on ``device``
    (PortAudio's name or index; None: the default), or on libVLC with an explicit audio output
    ``aout`` (never libVLC's guess; ``device``: its --audio-device) with ``output="vlc"``.
    Every libVLC call runs on one worker thread and holds the caller at most
    ``player._bounded.PATIENCE_S`` seconds: a hung sound server holds playback ("no sound
    output") instead of the caller. An output device that cannot open (or dies, or hangs)
    holds playback the same way until it plays again (``player._keeper``); PortAudio is
    initialised again to find a device only while ``may_reinitialise()`` (the daemon: no
    microphone stream open, which that would free). Raises ValueError
    for an unknown ``output``, RuntimeError when libVLC cannot start."""
    import queue

    from player._bounded import BoundedDecks
    from player._output import AnyLost
    from player._vlc import VlcDecks
    from player._watch import ServerWatch, pulse_socket

    events: queue.Queue[tuple[str, int]] = queue.Queue(maxsize=256)
    made: list[Player] = []

    def sink(kind: str, deck: int) -> None:  # libVLC's event thread: enqueue and wake, no more
        events.put_nowait((kind, deck))
        if made and made[0].wakeup is not None:
            made[0].wakeup()

    if output not in OUTPUTS:
        raise ValueError(f"output must be one of {', '.join(OUTPUTS)}, not {output!r}")
    mixing = None
    server = ServerWatch(pulse_socket() if aout == "pulse" else None)
    if output == "mixer":
        from player._mixdecks import MixerDecks

        mixing = MixerDecks(sink, device, may_reinitialise=may_reinitialise)
        decks = BoundedDecks(mixing)
        watch = AnyLost(server, decks, *([mixing.keeper] if mixing.keeper else []))
    else:
        decks = BoundedDecks(VlcDecks(aout, None if device is None else str(device), sink))
        watch = AnyLost(server, decks)
    made.append(Player(decks, events, crossfade_s, output=watch))
    made[0].mixing = mixing
    return made[0]


__all__ = [
    "DUCK_LEVEL_PCT",
    "MAX_BOOST_DB",
    "OUTPUTS",
    "TARGET_LUFS",
    "Decks",
    "EchoReference",
    "Level",
    "LevelMeter",
    "Player",
    "PlayerEvent",
    "PlayingSound",
    "Sounds",
    "Track",
    "echo_reference",
    "gain_for",
    "level_meter",
    "open_vlc_player",
    "output_stream_open",
]
