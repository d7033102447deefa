"""The libVLC adapter: the only module that imports vlc.

Callbacks run on libVLC's event thread while it holds its event lock, so they only post to the
owner's queue and never call back into libVLC (CONVENTIONS.md, item 5).
"""

from __future__ import annotations

import ctypes
import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import vlc

log = logging.getLogger(__name__)

EventSink = Callable[[str, int], None]
"""(kind, deck) with kind "ended", "failed" or "playing"."""


class PcmSink(Protocol):
    """Where decks with audio callbacks deliver PCM (``player._mixdecks``). Called on libVLC's
    decoder thread, so each may block (``pcm``, while its ring is full) but never calls libVLC."""

    def pcm(self, deck: int, frames: np.ndarray) -> None:
        """``frames``: shape (n, channels) float32 in [-1, 1), a copy the sink may keep."""
        ...

    def pcm_drained(self, deck: int) -> None:
        """The deck's stream is over: no more frames until it is loaded again."""
        ...

    def pcm_flushed(self, deck: int) -> None:
        """Frames delivered and not yet played are to be dropped (a seek, a stop)."""
        ...


PCM_FORMAT = "S16N"
"""libVLC 3.0.23 asked for "f32l" (or "FL32") here delivered 32-bit integers labelled float
(measured: NaN and 1e-34 values where a sine should be); S16N came back bit-exact."""


# libVLC also accepts these shortcuts for its audio output modules.
_AOUT_ALIASES = {"dummy": "adummy", "pulseaudio": "pulse", "pa": "pulse"}


def probe_audio_output(aout: str) -> tuple[str, list[str]]:
    """libVLC's version and its audio output modules, from an instance made with ``aout``.

    libVLC accepts any ``--aout`` name at start-up and fails only when playing, so the caller
    compares ``aout`` with the modules returned (see :func:`has_audio_output`).
    """
    instance = vlc.Instance(["--no-video", "--quiet", "--intf=dummy", f"--aout={aout}"])
    if instance is None:
        raise RuntimeError("libVLC could not start: its plugins are missing")
    try:
        modules = [str(o["name"].decode()) for o in instance.audio_output_enumerate_devices()]
    finally:
        instance.release()
    return vlc.libvlc_get_version().decode(), modules


def has_audio_output(aout: str, modules: list[str]) -> bool:
    return _AOUT_ALIASES.get(aout, aout) in modules


class VlcDecks:
    """Two libVLC media players ("decks") on one instance with an explicit audio output."""

    volume_frozen_tail_s = 2.5
    """Once a track's end is decoded, libVLC 3 drains its output and a volume set meanwhile
    takes effect only when the stream ends: measured with PulseAudio (the stream volume as
    PulseAudio reports it), the last 2.0 s of Ogg Vorbis, 1.2 s of FLAC, 1.1 s of MP3. Plus
    get_time()'s lag (it moves in ~0.3 s steps) and some slack."""

    def __init__(self, aout: str = "pulse", device: str | None = None,
                 sink: EventSink | None = None, *, pcm: PcmSink | None = None,
                 rate: int = 48_000, channels: int = 2) -> None:  # fmt: skip
        """With ``pcm``, each deck delivers its audio there through libVLC's audio callbacks at
        ``rate`` Hz and ``channels`` channels (libVLC converts and resamples), and ``aout`` is
        not used for sound."""
        args = ["--no-video", "--quiet", "--intf=dummy", f"--aout={aout}"]
        if device:
            option = "--alsa-audio-device" if aout == "alsa" else "--audio-device"
            args.append(f"{option}={device}")
        self._instance = vlc.Instance(args)
        if self._instance is None:
            raise RuntimeError(f"libVLC could not start with audio output {aout!r}")
        self._sink = sink or (lambda kind, deck: None)
        self._pcm, self._rate, self._channels = pcm, rate, channels
        self._keep: dict[int, tuple[Any, ...]] = {}  # ctypes callbacks alive while in use
        self._decks = [self._new_deck(i) for i in range(2)]

    def _new_deck(self, i: int) -> vlc.MediaPlayer:
        deck = self._instance.media_player_new()
        events = deck.event_manager()
        events.event_attach(vlc.EventType.MediaPlayerEndReached, self._post("ended", i))
        events.event_attach(vlc.EventType.MediaPlayerEncounteredError, self._post("failed", i))
        # The audio output exists only once playing: volume set earlier is not kept.
        events.event_attach(vlc.EventType.MediaPlayerPlaying, self._post("playing", i))
        if self._pcm is not None:
            self._attach_pcm(deck, i, self._pcm)
        return deck

    def _attach_pcm(self, deck: vlc.MediaPlayer, i: int, pcm: PcmSink) -> None:
        channels = self._channels
        decorators = vlc.CallbackDecorators

        @decorators.AudioPlayCb  # type: ignore[untyped-decorator]
        def play(_opaque: object, samples: int, count: int, _pts: int) -> None:
            try:
                raw = ctypes.cast(samples, ctypes.POINTER(ctypes.c_int16))
                ints = np.ctypeslib.as_array(raw, (count * channels,))
                pcm.pcm(i, (ints.astype(np.float32) / 32768.0).reshape(count, channels))
            except Exception:  # never raise into libVLC's thread
                log.exception("player: PCM from deck %d lost", i)

        @decorators.AudioDrainCb  # type: ignore[untyped-decorator]
        def drain(_opaque: object) -> None:
            pcm.pcm_drained(i)

        @decorators.AudioFlushCb  # type: ignore[untyped-decorator]
        def flush(_opaque: object, _pts: int) -> None:
            pcm.pcm_flushed(i)

        deck.audio_set_callbacks(play, None, None, flush, drain, None)
        deck.audio_set_format(PCM_FORMAT, self._rate, channels)
        self._keep[id(deck)] = (play, drain, flush)

    def reopen(self, deck: int) -> None:
        """A new media player for ``deck`` (a new audio output once it plays); the old one is
        stopped and released (see ``Decks.reopen``)."""
        old = self._decks[deck]
        old.stop()
        self._decks[deck] = self._new_deck(deck)
        old.release()
        self._keep.pop(id(old), None)

    def _post(self, kind: str, deck: int) -> Callable[[object], None]:
        def callback(_event: object) -> None:
            self._sink(kind, deck)  # enqueue only

        return callback

    def load(self, deck: int, path: Path, start_s: float = 0.0) -> None:
        media = self._instance.media_new_path(str(path))
        if start_s > 0:
            media.add_option(f":start-time={start_s:.3f}")
        media.parse_with_options(vlc.MediaParseFlag.local, 2000)  # ready before it is needed
        self._decks[deck].set_media(media)
        # The deck holds its own reference (libvlc_media_player_set_media retains it);
        # python-vlc never releases ours, so without this every load kept one media object.
        media.release()

    def play(self, deck: int) -> None:
        self._decks[deck].play()

    def pause(self, deck: int, paused: bool) -> None:
        self._decks[deck].set_pause(1 if paused else 0)

    def stop(self, deck: int) -> None:
        self._decks[deck].stop()

    def set_volume(self, deck: int, percent: int) -> None:
        self._decks[deck].audio_set_volume(max(0, min(200, percent)))

    def get_volume(self, deck: int) -> int:
        """The deck's volume, or -1 while it has no audio output yet."""
        return int(self._decks[deck].audio_get_volume())

    def set_mute(self, deck: int, muted: bool) -> None:
        self._decks[deck].audio_set_mute(muted)

    def position_ms(self, deck: int) -> int:
        return max(0, int(self._decks[deck].get_time()))

    def length_ms(self, deck: int) -> int:
        """The deck's media length, or <= 0 while libVLC does not know it."""
        return int(self._decks[deck].get_length())

    def seek_ms(self, deck: int, ms: int) -> None:
        self._decks[deck].set_time(max(0, ms))
