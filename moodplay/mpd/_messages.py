"""MPD client-to-client messages (subscribe, unsubscribe, channels, sendmessage, readmessages)
and moodplay's own channel.

As in MPD, a client subscribes to channels by name; ``sendmessage CH TEXT`` queues TEXT for
every subscriber of CH (at most MAX_QUEUED per client, the oldest dropped, as MPD's 64) and
tells their idle "message"; ``readmessages`` hands a client its queue. The channel "moodplay"
is also moodplay's command line: ``sendmessage moodplay "why"`` runs the command whatever the
subscribers (who also get the text, as from MPD), and what it answers ("because …", "nothing to
undo") is queued as a message on "moodplay-replies" for the sender and every subscriber of that
channel, so any MPD client can read the answers (``mpc waitmessage moodplay-replies``).
"""

from __future__ import annotations

import re
import threading
from collections import deque
from dataclasses import dataclass, field

from moodplay._commands import APP_COMMANDS, CommandError
from moodplay.mpd._base import TIMEOUT_S, FacadeCore, refusal
from moodplay.mpd._protocol import Ack, Pairs, ProtocolError
from voice import NOT_UNDERSTOOD

CHANNEL = "moodplay"
REPLIES = "moodplay-replies"
"""Where the answers to ``sendmessage moodplay …`` go: its subscribers and the sender."""
MAX_MESSAGE_BYTES = 1024
"""Longest ``sendmessage moodplay`` text: a spoken-style command, never a page of text."""
MAX_QUEUED = 64
"""Messages kept per client until it reads them (MPD's CLIENT_MAX_MESSAGES)."""
CHANNEL_NAME = re.compile(r"[A-Za-z0-9_.:-]+")
"""MPD's valid channel names (client_message_valid_channel_name)."""
SHORTCUTS = {"like": "like", "dislike": "dislike", "ban": "ban", "more": "more_like_this",
             "why": "why_this", "skip": "next", "good night": "wind_down"}  # fmt: skip


@dataclass(eq=False)
class Mailbox:
    """One connection's subscriptions and unread messages."""

    subscribed: set[str] = field(default_factory=set)
    messages: deque[tuple[str, str]] = field(default_factory=lambda: deque(maxlen=MAX_QUEUED))
    notify: bool = False
    """A message arrived since the server last told this client's idle."""


class Channels:
    """Every connection's mailbox; called from the command threads, hence the lock."""

    def __init__(self) -> None:
        self._boxes: list[Mailbox] = []
        self._lock = threading.Lock()

    def open(self) -> Mailbox:
        box = Mailbox()
        with self._lock:
            self._boxes.append(box)
        return box

    def close(self, box: Mailbox) -> None:
        with self._lock:
            self._boxes.remove(box)

    def names(self) -> list[str]:
        with self._lock:
            return sorted({name for box in self._boxes for name in box.subscribed})

    def deliver(self, channel: str, text: str, also: Mailbox | None = None) -> int:
        """Queue ``text`` for every subscriber of ``channel`` (and ``also``); how many got it."""
        with self._lock:
            boxes = [b for b in self._boxes if channel in b.subscribed or b is also]
            for box in boxes:
                box.messages.append((channel, text))
                box.notify = True
        return len(boxes)

    def take_notified(self) -> list[Mailbox]:
        with self._lock:
            boxes = [b for b in self._boxes if b.notify]
            for box in boxes:
                box.notify = False
        return boxes


class MessageCommands(FacadeCore):
    """MPD's message commands; ``sendmessage moodplay TEXT`` runs a moodplay command."""

    channels: Channels
    mailbox: Mailbox

    def _subscribe(self, args: list[str]) -> Pairs:
        name = _channel_name(args[0])
        if name in self.mailbox.subscribed:
            raise ProtocolError(Ack.EXIST, "already subscribed to this channel")
        self.mailbox.subscribed.add(name)
        self.events.add("subscription")
        self.touched = True
        return []

    def _unsubscribe(self, args: list[str]) -> Pairs:
        if args[0] not in self.mailbox.subscribed:
            raise ProtocolError(Ack.NO_EXIST, "not subscribed to this channel")
        self.mailbox.subscribed.discard(args[0])
        self.events.add("subscription")
        self.touched = True
        return []

    def _channels(self, args: list[str]) -> Pairs:
        return [("channel", name) for name in self.channels.names()]

    def _readmessages(self, args: list[str]) -> Pairs:
        out: list[tuple[str, object]] = []
        while self.mailbox.messages:
            channel, text = self.mailbox.messages.popleft()
            out += [("channel", channel), ("message", text)]
        return out

    def _sendmessage(self, args: list[str]) -> Pairs:
        channel, text = args
        _channel_name(channel)
        if channel == CHANNEL:
            answer = self._command_message(text)
            self.channels.deliver(CHANNEL, text)  # as MPD: the channel's subscribers see it
            self.channels.deliver(REPLIES, answer or "ok", also=self.mailbox)
            return []
        if not self.channels.deliver(channel, text):
            raise ProtocolError(Ack.NO_EXIST, "nobody is subscribed to this channel")
        return []

    def _command_message(self, text: str) -> str:
        """Run a moodplay command sent as a message; its answer as text ("" when none)."""
        if len(text.encode()) > MAX_MESSAGE_BYTES:  # a command, not a letter: parsing costs
            raise ProtocolError(Ack.ARG, f"message longer than {MAX_MESSAGE_BYTES} bytes")
        words = text.strip().lower()
        name, _, arg = words.partition(" ")
        if words.startswith("mood "):
            result = self._run("mood_request", mood=words.removeprefix("mood ").strip())
        elif name in APP_COMMANDS and len(APP_COMMANDS[name]) == (1 if arg else 0):
            result = self._run(name, **{key: arg.strip() for key in APP_COMMANDS[name]})
        elif words in SHORTCUTS:
            result = self._run(SHORTCUTS[words])
        else:
            result = self._spoken(words)
        return result if isinstance(result, str) else ""

    def _spoken(self, words: str) -> object:
        intent = self.session.parse_text(words)
        try:
            call = self.session.registry.from_intent(intent)
        except CommandError as e:
            if intent.name == NOT_UNDERSTOOD:
                raise ProtocolError(Ack.ARG, f"not understood: {words!r}") from e
            raise ProtocolError(Ack.ARG, f"{intent.name}: {e}") from e  # volume 150: refused
        self.touched = True
        try:
            return self.session.submit(call).result(timeout=TIMEOUT_S)
        except CommandError as e:  # understood but refused: "nothing to undo"
            raise refusal(e) from e


def _channel_name(text: str) -> str:
    if not CHANNEL_NAME.fullmatch(text):
        raise ProtocolError(Ack.ARG, "invalid channel name")
    return text
