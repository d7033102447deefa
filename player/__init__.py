"""Playback with libVLC: two decks, the next track prepared, loudness evened out.

``player._vlc`` is the only module that imports vlc; the rest sees :class:`Player` over the
:class:`Decks` protocol.
"""

from player._player import MAX_BOOST_DB, TARGET_LUFS, Decks, Player, PlayerEvent, Track, gain_for


def open_vlc_player(aout: str = "pulse", device: str | None = None) -> Player:
    """A Player on libVLC with an explicit audio output (never libVLC's guess)."""
    import queue

    from player._vlc import VlcDecks

    events: queue.Queue[tuple[str, int]] = queue.Queue(maxsize=256)
    decks = VlcDecks(aout, device, lambda kind, deck: events.put_nowait((kind, deck)))
    return Player(decks, events)


__all__ = [
    "MAX_BOOST_DB",
    "TARGET_LUFS",
    "Decks",
    "Player",
    "PlayerEvent",
    "Track",
    "gain_for",
    "open_vlc_player",
]
