"""Voice inside the daemon: the microphone thread feeds the listener; commands go to the session.

Optional: no microphone, no speech engine or no openSMILE disables voice (or voice tone) with
one clear status line; the music plays on.
"""

from __future__ import annotations

import logging
import threading
import time

from mood import MoodEstimate
from moodplay._commands import CommandError
from moodplay._config import Config
from moodplay._listen_cli import voice_settings
from moodplay._live import LiveSession
from moodplay._voice_mood import VoiceMoodHook
from recommend import Point, SessionEvent
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    EngineError,
    Heard,
    Listener,
    make_listener,
    update_names,
)

log = logging.getLogger(__name__)

MIN_MOOD_CONFIDENCE = 0.3
MIC_SILENT_S = 2.0
"""A capture stream delivers blocks (even of silence) all the time; none for this long means
the device or the sound server went away."""


class VoiceThread:
    def __init__(self, config: Config, session: LiveSession, names: dict[str, list[str]]) -> None:
        self.config, self.session, self.names = config, session, names
        self.status = "off"
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._listener: Listener | None = None
        self._new_names: dict[str, list[str]] | None = None
        session.on_library.append(self.refresh_names)

    def start(self, enabled: bool = True) -> str:
        """Start listening if possible; returns the one-line status (also logged)."""
        if not enabled:
            return self._set("voice: off (--no-voice)")
        if not self.config.voice.enabled:
            return self._set("voice: off ([voice] enabled = false)")
        try:
            from voice._capture import Microphone

            listener = make_listener(voice_settings(self.config), self.names)
            mic = Microphone(self.config.voice.input_device or None)
        except (EngineError, OSError) as e:
            return self._set(f"voice: off ({e})")
        self._listener = listener
        self._thread = threading.Thread(target=self._run, args=(listener, mic), name="voice",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        wake = self.config.voice.wake_phrase.strip()
        waits_for = f"for {wake!r}" if wake else "for commands (no wake phrase)"
        return self._set(f"voice: listening on {mic.name!r} {waits_for}")

    def _set(self, status: str) -> str:
        self.status = status  # the daemon prints it as a status line
        return status

    def refresh_names(self, names: dict[str, list[str]]) -> None:
        """After a rescan: the grammar is rebuilt by the voice thread (the listener is its)."""
        self._new_names = names

    def listen_now(self) -> str:
        """Push-to-talk: the next command needs no wake phrase (raises when voice is off)."""
        if self._listener is None:
            raise RuntimeError("voice is " + self.status.removeprefix("voice: "))
        self._listener.open_window()
        return f"listening for {self._listener.follow_up_s:.0f} s: say a command"

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def _run(self, listener: Listener, mic: object) -> None:
        from voice._capture import Microphone

        assert isinstance(mic, Microphone)
        listener.mood = self._tone()  # its Store belongs to this thread
        listener.on_speech = self._duck
        with mic:
            heard_at = time.monotonic()
            while not self._stop.is_set():
                if self._new_names is not None:
                    names, self._new_names = self._new_names, None
                    update_names(listener, voice_settings(self.config), names)
                for block in mic.blocks(timeout_s=0.5):
                    heard_at = time.monotonic()
                    for heard in listener.feed(block):
                        self._act(heard)
                    if self._stop.is_set():
                        return
                if time.monotonic() - heard_at > MIC_SILENT_S:  # a live stream never stops
                    log.warning("microphone: no audio for %.0f s; reopening", MIC_SILENT_S)
                    if mic.reopen():
                        heard_at = time.monotonic()
                    else:
                        self._stop.wait(1.0)

    def _tone(self) -> VoiceMoodHook | None:
        try:
            return VoiceMoodHook(self.session.db, "default", self.config.moods.feelings)
        except Exception as e:  # openSMILE missing or broken: commands still work
            log.warning("voice tone: off (%s)", e)
            return None

    def _duck(self, on: bool) -> None:
        self.session.submit(lambda: self.session.duck(on))

    def _act(self, heard: Heard) -> None:
        if heard.intent.name in (IGNORED, WAKE_ONLY, NOT_UNDERSTOOD):
            if heard.intent.name == NOT_UNDERSTOOD:
                log.info("voice: not understood: %r", heard.text)
            return
        try:
            call = self.session.registry.from_intent(heard.intent)
        except CommandError as e:
            log.info("voice: %s", e)
            return
        log.info("voice: %s %s (heard %r)", call.name, dict(call.args), heard.text)
        mood = heard.mood
        if isinstance(mood, MoodEstimate) and mood.confidence >= MIN_MOOD_CONFIDENCE:
            # First how they sound, then what they asked: a request plans from their mood.
            event = SessionEvent("mood_changed", time.time(),
                                 mood=Point.from_arousal(mood.arousal, mood.valence),
                                 mood_confidence=mood.confidence)  # fmt: skip
            self.session.submit(lambda: self.session.queue_event(event))
        self.session.submit(call)
