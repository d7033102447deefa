"""Playback with libVLC: two decks, the next track prepared, crossfade, ducking, loudness evened
out.

``player._vlc`` is the only module that imports vlc; the rest sees :class:`Player` over the
:class:`Decks` protocol.
"""

from player._meter import Level, LevelMeter, level_meter
from player._player import MAX_BOOST_DB, TARGET_LUFS, Decks, Player, PlayerEvent, Track, gain_for
from player._ramp import DUCK_LEVEL_PCT
from player._sounds import PlayingSound, Sounds

OUTPUTS = ("vlc", "mixer")
"""How the decks reach the speaker: "vlc" (libVLC's own audio output ``aout``, the default) or
"mixer" (experimental: libVLC decodes into moodplay's mixer, which plays through one PortAudio
stream on the default device, or ``device``; see ``player._mixdecks``)."""


def open_vlc_player(
    aout: str = "pulse", device: str | None = None, crossfade_s: float = 0.0, output: str = "vlc"
) -> Player:
    """A Player on libVLC with an explicit audio output (never libVLC's guess), or with
    ``output="mixer"`` through moodplay's mixer (``OUTPUTS``). Every libVLC call runs on one
    worker thread and holds the caller at most ``player._bounded.PATIENCE_S`` seconds: a hung
    sound server holds playback ("no sound output") instead of the caller. Raises ValueError
    for an unknown ``output``, RuntimeError when libVLC or the output device cannot start."""
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
    if output == "mixer":
        from player._mixdecks import MixerDecks

        mixing = MixerDecks(sink, device)
        decks = BoundedDecks(mixing)
    else:
        decks = BoundedDecks(VlcDecks(aout, device, sink))
    server = ServerWatch(pulse_socket() if aout == "pulse" else None)
    made.append(Player(decks, events, crossfade_s, output=AnyLost(server, decks)))
    made[0].mixing = mixing
    return made[0]


__all__ = [
    "DUCK_LEVEL_PCT",
    "MAX_BOOST_DB",
    "OUTPUTS",
    "TARGET_LUFS",
    "Decks",
    "Level",
    "LevelMeter",
    "Player",
    "PlayerEvent",
    "PlayingSound",
    "Sounds",
    "Track",
    "gain_for",
    "level_meter",
    "open_vlc_player",
]
