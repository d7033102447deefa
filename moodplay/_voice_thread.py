"""Voice inside the daemon: the microphone thread feeds the listener; commands go to the session.

Optional: no microphone, no speech engine or no openSMILE disables voice (or voice tone) with
one clear status line; the music plays on.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import Future

import numpy as np
import numpy.typing as npt

from mood import MoodEstimate
from moodplay._answers import Answers
from moodplay._commands import Call, CommandError, command_source
from moodplay._config import Config
from moodplay._listen_cli import voice_settings
from moodplay._live import LiveSession
from moodplay._voice_mood import VoiceMoodHook
from player import LevelMeter, level_meter
from recommend import Point, SessionEvent
from voice import (
    IGNORED,
    NOT_UNDERSTOOD,
    WAKE_ONLY,
    EchoCancel,
    EngineError,
    Heard,
    Listener,
    make_listener,
    update_names,
)

log = logging.getLogger(__name__)

MIN_MOOD_CONFIDENCE = 0.3


def _cancelled(echo: EchoCancel | None, block: npt.NDArray[np.int16],
               adc_time: float) -> npt.NDArray[np.int16]:  # fmt: skip
    """The microphone block with the player's echo removed, before the VAD, the wake word, the
    recogniser and the voice tone; as it came without a canceller (or an odd block size)."""
    if echo is None or block.shape[0] % echo.canceller.frame:
        return block
    return echo.process(block, adc_time)


class VoiceThread:
    def __init__(self, config: Config, session: LiveSession, names: dict[str, list[str]]) -> None:
        self.config, self.session, self.names = config, session, names
        self.status = "off"
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._listener: Listener | None = None
        self._new_names: dict[str, list[str]] | None = None
        self._ducked_for: set[str] = set()
        self._duck_lock = threading.Lock()
        self.answers = Answers("off", config.voice.tts_voice, None)
        session.on_library.append(self.refresh_names)

    def start(self, enabled: bool = True) -> str:
        """Start listening if possible; returns the one-line status (also logged)."""
        if not enabled:
            return self._set("voice: off (--no-voice)")
        if not self.config.voice.enabled:
            return self._set("voice: off ([voice] enabled = false)")
        try:
            from voice._capture import Microphone

            listener = make_listener(voice_settings(self.config), self.names, own_process=True)
            from player import output_stream_open

            # Not while the mixer's output stream is open: PortAudio initialised again to
            # list new sound cards would free it under the player.
            mic = Microphone(self.config.voice.input_device or None,
                             may_reinitialise=lambda: not output_stream_open())  # fmt: skip
        except (EngineError, OSError) as e:
            return self._set(f"voice: off ({e})")
        self._listener = listener
        self._thread = threading.Thread(target=self._run, args=(listener, mic), name="voice",
                                        daemon=True)  # fmt: skip
        self._thread.start()
        self.answers = self._answers()
        wake = self.config.voice.wake_phrase.strip()
        kind = "trained wake word" if listener.wake is not None else "custom wake phrase"
        waits_for = f"for {wake!r} ({kind})" if wake else "for commands (no wake phrase)"
        example = f'say "{wake}, play something calm"' if wake else 'say "play something calm"'
        return self._set(f"voice: listening on {mic.name!r} {waits_for}; {example}")

    def _answers(self) -> Answers:
        """Earcons and spoken answers; the music is ducked while they play. On the mixer they
        are voices of it (in the echo reference; the duck a mixer ramp), else a stream of
        their own."""
        mode = self.config.voice.answers
        if mode == "off":
            return Answers("off", self.config.voice.tts_voice, None)
        from player import Sounds
        from voice import AnswerOutput

        mixing = getattr(self.session.player, "mixing", None)  # None: libVLC's own output
        sink = None if mixing is None else Sounds(mixing.mixer)
        playing = AnswerOutput(lambda on: self._duck_for_reason("answer", on), sink=sink)
        return Answers(mode, self.config.voice.tts_voice, playing)

    def _speaking(self) -> bool:
        """Half duplex: while a spoken answer plays the microphone is heard as silence, so
        moodplay never takes its own words for a command. Earcons do not mute it: a command
        said in the same breath as the wake word overlaps the wake earcon."""
        output = self.answers.output
        return output is not None and output.is_playing and output.playing_kind == "speech"

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
        if self.answers.output is not None:
            self.answers.output.close()
        close = getattr(self._listener.recognizer, "close", None) if self._listener else None
        if close is not None:  # the speech engine's process (voice._asr_process)
            close()

    def _run(self, listener: Listener, mic: object) -> None:
        from voice._capture import Microphone
        from voice._micwatch import MicWatch

        assert isinstance(mic, Microphone)
        listener.mood = self._tone()  # its Store belongs to this thread
        listener.on_wake = self._woke
        listener.on_attention = lambda on: self._duck_for_reason("listening", on)
        echo = self._echo_cancel()
        if echo is not None and self.config.voice.duck_on_speech:
            listener.on_voice_activity = lambda on: self._duck_for_reason("talk", on)
        mixing = getattr(self.session.player, "mixing", None)
        meter = None if mixing is None else level_meter(mixing)  # found once, read per block
        with mic:
            watch = MicWatch(mic, self._report_mic)
            while not self._stop.is_set():
                for block, adc_time in mic.timed_blocks(timeout_s=0.5):
                    watch.heard()
                    cleaned = _cancelled(echo, block, adc_time)
                    self._measure_room(cleaned, meter)
                    self._hear(listener, cleaned)
                    if self._stop.is_set():
                        return
                    watch.tick()  # a live stream never pauses: its source is checked here
                watch.tick()
                if watch.lost:
                    self._stop.wait(min(1.0, watch.retry_in_s()))

    def _measure_room(self, block: npt.NDArray[np.int16], meter: LevelMeter | None) -> None:
        """The context's ambient figure: the microphone's level after echo cancellation (AES17
        dBFS) with the output meter's level meanwhile; ``context.AmbientNoise`` takes out the
        music's share the canceller left (all of it without a canceller)."""
        music_db = None if meter is None else meter.level.rms_db
        power = float(np.mean(np.square(block, dtype=np.float64))) / 32768.0**2
        mic_db = 10 * math.log10(power) + 3.01 if power > 0 else -120.0
        self.session.context.ambient.hear(mic_db, music_db)

    def _echo_cancel(self) -> EchoCancel | None:
        """The echo canceller on what the mixer plays (voice thread: it is the canceller's one
        thread); None on libVLC's own output (no reference), with ``[voice] echo_cancel =
        false``, or without libspeexdsp (logged: ducking alone then keeps commands heard)."""
        mixing = getattr(self.session.player, "mixing", None)
        if mixing is None or not self.config.voice.echo_cancel:
            return None
        from player import echo_reference

        try:
            echo = EchoCancel(echo_reference(mixing))
        except (EngineError, ValueError) as e:
            log.warning("voice: no echo cancellation (%s)", e)
            return None
        log.info("voice: echo cancellation on (Speex, reference from the mixer)")
        return echo

    def _woke(self) -> None:
        log.debug("voice: wake word")
        self.answers.wake()

    def _hear(self, listener: Listener, block: npt.NDArray[np.int16]) -> None:
        if self._new_names is not None:  # a live stream never stops delivering
            names, self._new_names = self._new_names, None
            self._update_names(listener, names)
        listener.hold(self._speaking())
        for heard in listener.feed(block):
            log.debug("voice: heard %s %r (confidence %.2f, wake word %s, %.1f s of speech)",
                      heard.intent.name, heard.text, heard.asr_confidence, heard.woke,
                      heard.end_s - heard.start_s)  # fmt: skip
            self._act(heard)

    def _report_mic(self, problem: str) -> None:
        """Voice thread: the microphone's problem (or "" for none) into the session's
        ``problems``, set on the session thread."""

        def note() -> None:
            if problem:
                self.session.problems["microphone"] = problem
            else:
                self.session.problems.pop("microphone", None)

        self.session.submit(note)

    def _update_names(self, listener: Listener, names: dict[str, list[str]]) -> None:
        """A failure keeps the old grammar (and the voice thread alive), with a log line."""
        try:
            update_names(listener, voice_settings(self.config), names)
        except (EngineError, RuntimeError, ValueError) as e:
            log.warning("voice: the new library names could not be added: %s", e)

    def _tone(self) -> VoiceMoodHook | None:
        try:
            return VoiceMoodHook(self.session.db, "default", self.config.moods.feelings)
        except Exception as e:  # openSMILE missing or broken: commands still work
            log.warning("voice tone: off (%s)", e)
            return None

    def _duck_for_reason(self, reason: str, on: bool) -> None:
        """The music is ducked while anyone needs it: the listener talking, an answer."""
        with self._duck_lock:
            before = bool(self._ducked_for)
            (self._ducked_for.add if on else self._ducked_for.discard)(reason)
            after = bool(self._ducked_for)
        if after != before:
            self.session.submit(lambda: self.session.duck(after))

    def _act(self, heard: Heard) -> None:
        if heard.intent.name in (IGNORED, WAKE_ONLY, NOT_UNDERSTOOD):
            if heard.intent.name == NOT_UNDERSTOOD:
                log.info("voice: not understood: %r", heard.text)
                self.answers.not_understood(heard.text)
            return
        try:
            with command_source("voice"):
                call = self.session.registry.from_intent(heard.intent)
        except CommandError as e:
            log.info("voice: %s", e)
            self.answers.error(str(e))
            return
        log.info("voice: %s %s (heard %r, confidence %.2f)", call.name, dict(call.args),
                 heard.text, heard.intent.confidence)  # fmt: skip
        mood = heard.mood
        if isinstance(mood, MoodEstimate) and mood.confidence >= MIN_MOOD_CONFIDENCE:
            # First how they sound, then what they asked: a request plans from their mood.
            event = SessionEvent("mood_changed", time.time(),
                                 mood=Point.from_arousal(mood.arousal, mood.valence),
                                 mood_confidence=mood.confidence)  # fmt: skip
            self.session.submit(lambda: self.session.queue_event(event))
        self.session.submit(call).add_done_callback(lambda done: self._answer(call, done))

    def _answer(self, call: Call, done: Future[object]) -> None:
        """Runs on the session thread when the command finished: queue the answer only."""
        error = done.exception()
        if error is None:
            self.answers.confirm(call.name, done.result())
        else:
            log.info("voice: %s refused: %s", call.name, error)
            self.answers.error(str(error))
