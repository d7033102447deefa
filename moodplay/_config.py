"""Configuration: TOML files loaded into frozen dataclasses, validated once at load.

The repo's ``config.toml`` documents every key; the defaults below must equal it (a test checks).
Loading merges the defaults, then the user file (``~/.config/moodplay/config.toml`` or
``--config FILE``), and reports every problem at once with its key path.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from moodplay._config_parse import build


class ConfigError(Exception):
    """One or more problems in a config file; ``problems`` lists each with its key path."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"config {source}: {len(problems)} problem(s):\n{lines}")


def _range(lo: float, hi: float, unit: str = "") -> dict[str, Any]:
    return {"range": (lo, hi), "unit": unit}


@dataclass(frozen=True)
class LibraryConfig:
    paths: tuple[str, ...] = ()
    """Folders to scan; "~" is expanded. Empty: ~/Music if it exists, else the demo library."""
    database: str = ""
    """SQLite file. Empty: $XDG_DATA_HOME/moodplay/moodplay.db."""
    jobs: int = field(default=0, metadata=_range(0, 64, "processes"))
    """Analysis worker processes; 0 means one per CPU core."""
    max_duration_min: float = field(default=120.0, metadata=_range(1, 1440, "minutes"))
    """Longer files are recorded as scan errors instead of being analysed."""
    extensions: tuple[str, ...] = ("mp3", "flac", "ogg", "oga", "opus", "m4a", "aac", "mp4", "wav")
    """File name extensions that are treated as audio (case-insensitive)."""
    skip_hidden: bool = True
    """Skip files and folders whose names start with "." (macOS ._ AppleDouble files,
    .AppleDouble/, .Trash-1000/ and other hidden or trash folders)."""
    id3v1_encoding: str = field(default="latin-1", metadata={"codec": True})
    """Character set of legacy 8-bit ID3v1 tags (as MPD's id3v1_encoding): a Python codec name,
    e.g. "latin-1", "cp1251", "cp1252", "shift_jis". ID3v2, Vorbis and MP4 tags name their own."""
    file_time_limit_s: float = field(default=300.0, metadata=_range(1, 3600, "seconds"))
    """Longest one file may take in a scan worker; past it the worker is ended and the file
    recorded as hanging the decoder (the scan goes on)."""


@dataclass(frozen=True)
class AnalysisConfig:
    excerpts: int = field(default=6, metadata=_range(1, 32, "excerpts"))
    """Excerpts analysed per track, spread evenly over it."""
    excerpt_s: float = field(default=15.0, metadata=_range(3, 60, "seconds"))
    """Length of each excerpt."""


@dataclass(frozen=True)
class InferenceConfig:
    providers: tuple[str, ...] = ("CPUExecutionProvider",)
    """ONNX Runtime execution providers, preferred first; unavailable ones fall back to CPU."""
    threads: int = field(default=1, metadata=_range(1, 64, "threads"))
    """Intra-op threads per inference session (the scanner runs one session per worker)."""


@dataclass(frozen=True)
class VoiceConfig:
    enabled: bool = True
    """Listen to the microphone at all. Off: no capture, no speech recognition, no voice tone."""
    language: str = "en"
    """Phrase table language (voice/phrases/LANG.toml): en, ko."""
    engine: str = "auto"
    """auto (Vosk when its model is installed, else PocketSphinx), vosk or pocketsphinx."""
    vosk_model: str = ""
    """Vosk model folder. Empty: $XDG_DATA_HOME/moodplay/models/vosk-small-en-us."""
    wake_phrase: str = "hey mycroft"
    """Said before a command, or alone and then the command within follow_up_s. A phrase with a
    trained microWakeWord model ("hey mycroft", "alexa", "okay nabu", "hey jarvis") uses it;
    any other phrase is spotted by PocketSphinx. Empty: no wake phrase — every command heard is
    acted on."""
    input_device: str = ""
    """sounddevice input device name or index. Empty: the system default input."""
    vad_threshold: float = field(default=0.5, metadata=_range(0.05, 0.95, "probability"))
    """Silero VAD speech probability above which a 32 ms chunk counts as speech."""
    trailing_silence_ms: int = field(default=256, metadata=_range(96, 2000, "milliseconds"))
    """Silence that ends an utterance."""
    follow_up_s: float = field(default=5.0, metadata=_range(0, 60, "seconds"))
    """After a command that began with the wake phrase, the next one needs no wake phrase."""
    min_match: float = field(default=0.6, metadata=_range(0.1, 1.0, "fraction"))
    """Share of a phrasing's words that must be heard in order for an intent to count."""
    vosk_min_confidence: float = field(default=0.5, metadata=_range(0.0, 1.0, "confidence"))
    """Vosk: mean word confidence below which an utterance is not understood."""
    sphinx_kws_threshold: float = field(default=1e-40, metadata=_range(1e-50, 1e-1, "threshold"))
    """PocketSphinx keyword-spotting threshold for a custom wake phrase (smaller: more
    permissive)."""
    tone_model: str = ""
    """Voice-tone ONNX model. Empty: the shipped knowledge-based one (models/voice_mood.onnx)."""
    command_max_s: float = field(default=4.0, metadata=_range(1.0, 15.0, "seconds"))
    """Longest command after the wake word; a longer utterance is "not understood"."""
    answers: str = field(default="speech", metadata={"choices": ("speech", "earcon", "off")})
    """How moodplay answers: spoken sentences and earcons, earcons only, or nothing."""
    tts_voice: str = "en-us"
    """espeak-ng voice for spoken answers (`espeak-ng --voices` lists them)."""
    echo_cancel: bool = True
    """Cancel moodplay's own output from the microphone (Speex; on the mixer output only)."""
    duck_on_speech: bool = True
    """Lower the music as soon as someone starts talking, not only after the wake word (with
    echo cancellation on): the command said right after the wake word is heard over less of
    it. Without a wake word the music comes back when they stop, or after 2.5 s."""
    pronunciations: dict[str, str] = field(default_factory=dict, metadata={"strings": True})
    """Word -> ARPAbet phones (CMUdict's set, e.g. "M AE K S T AE K"), for names the speech
    engine cannot say; they override the grapheme-to-phoneme guess."""


_POINTS = {"points": True}  # a table of word = [valence, energy]


@dataclass(frozen=True)
class MoodsConfig:
    targets: dict[str, tuple[float, float]] = field(
        metadata=_POINTS,
        default_factory=lambda: {
            "calm": (0.60, 0.20), "happy": (0.85, 0.65), "energetic": (0.65, 0.90),
            "sad": (0.20, 0.25), "relaxing": (0.65, 0.15), "focused": (0.50, 0.40),
            "upbeat": (0.80, 0.75), "dark": (0.15, 0.55),
        },
    )  # fmt: skip
    """Mood request words -> target [valence, energy] on the [0, 1] plane."""
    feelings: dict[str, tuple[float, float]] = field(
        metadata=_POINTS,
        default_factory=lambda: {
            "tired": (0.40, 0.15), "stressed": (0.30, 0.75), "happy": (0.85, 0.65),
            "sad": (0.20, 0.25), "bored": (0.40, 0.25), "angry": (0.15, 0.85),
            "excited": (0.80, 0.90), "relaxed": (0.70, 0.25),
        },
    )  # fmt: skip
    """Mood statement words -> where the listener is now, [valence, energy]."""


@dataclass(frozen=True)
class RecommendConfig:
    max_step: float = field(default=0.15, metadata=_range(0.02, 1.0, "valence-energy distance"))
    """Largest move on the [0, 1] mood plane from one track to the next."""
    artist_spacing: int = field(default=3, metadata=_range(0, 20, "tracks"))
    """An artist comes back only after this many other tracks (when the library allows)."""
    no_repeat_hours: float = field(default=4.0, metadata=_range(0, 168, "hours"))
    """No track twice within this window; shrinks to half the library's playing time."""
    queue_length: int = field(default=20, metadata=_range(1, 500, "tracks"))
    """Tracks planned ahead."""
    familiar_share: float = field(default=0.25, metadata=_range(0.0, 1.0, "fraction"))
    """Share of a day's plays (the last 24 hours) that are favourites you heard before; the rest
    is music new to you. 0: only new music; 1: favourites whenever there are some."""
    artist_share: float = field(default=0.10, metadata=_range(0.01, 1.0, "fraction"))
    """Most of a day's plays one artist takes, unless your likes and finished plays give it more."""


_HHMM = r"([01]\d|2[0-3]):[0-5]\d"


@dataclass(frozen=True)
class ContextConfig:
    device: str = "auto"
    """auto (Raspberry Pi / laptop with a battery / desktop, detected) or a name of your own."""
    quiet_start: str = field(default="22:00", metadata={"pattern": _HHMM})
    """Quiet hours start, HH:MM local time."""
    quiet_end: str = field(default="07:00", metadata={"pattern": _HHMM})
    """Quiet hours end, HH:MM local time (may be past midnight)."""


@dataclass(frozen=True)
class PlayerConfig:
    crossfade_s: float = field(default=0.0, metadata=_range(0, 12, "seconds"))
    """Overlap of two tracks (at the end of a track and on skip); 0 is off."""
    duck_pct: int = field(default=30, metadata=_range(0, 100, "percent of the volume"))
    """While you speak to it, the music plays at this share of its volume."""
    quiet_volume_pct: int = field(default=40, metadata=_range(0, 100, "percent"))
    """During quiet hours ([context]) the volume never goes above this."""
    wind_down_min: float = field(default=30.0, metadata=_range(1, 240, "minutes"))
    """"Good night": a calm, falling queue for this long, then playback pauses."""
    output: str = field(default="mixer", metadata={"choices": ("mixer", "vlc")})
    """How the music reaches the speaker: "mixer" (libVLC decodes into moodplay's own mixer,
    played through PortAudio's default output device; gapless, exact fades) or "vlc" (the
    fallback: libVLC's own audio output, --aout)."""
    output_device: str = ""
    """The mixer's output device: PortAudio's name for it (or a part of the name, as
    `moodplay doctor` lists it) or its index. Empty: the system's default output."""


@dataclass(frozen=True)
class MpdConfig:
    """Limits of the MPD server, with MPD's names and defaults (mpd.conf(5))."""

    max_connections: int = field(default=100, metadata=_range(1, 10000, "connections"))
    """More connections than this are closed at once, as MPD does."""
    connection_timeout: float = field(default=60.0, metadata=_range(1, 86400, "seconds"))
    """A client that sends nothing this long (and is not idling) is disconnected."""
    max_command_list_size: int = field(default=2048, metadata=_range(1, 1048576, "KiB"))
    """A command list longer than this closes the connection unanswered."""
    max_output_buffer_size: int = field(default=8192, metadata=_range(64, 1048576, "KiB"))
    """Answers a client has not read past this close the connection (it is not buffered)."""


@dataclass(frozen=True)
class Config:
    library: LibraryConfig = LibraryConfig()
    analysis: AnalysisConfig = AnalysisConfig()
    inference: InferenceConfig = InferenceConfig()
    voice: VoiceConfig = VoiceConfig()
    moods: MoodsConfig = MoodsConfig()
    recommend: RecommendConfig = RecommendConfig()
    context: ContextConfig = ContextConfig()
    player: PlayerConfig = PlayerConfig()
    mpd: MpdConfig = MpdConfig()


def user_config_path() -> Path:
    """``$XDG_CONFIG_HOME/moodplay/config.toml``; a relative XDG_CONFIG_HOME is ignored, as
    the XDG Base Directory spec says (~/.config is used)."""
    base = os.environ.get("XDG_CONFIG_HOME", "")
    home = Path(base) if os.path.isabs(base) else Path.home() / ".config"
    return home / "moodplay" / "config.toml"


def data_dir() -> Path:
    """``$XDG_DATA_HOME/moodplay`` (the database, models, logs); a relative XDG_DATA_HOME is
    ignored, as the XDG Base Directory spec says (~/.local/share is used)."""
    base = os.environ.get("XDG_DATA_HOME", "")
    home = Path(base) if os.path.isabs(base) else Path.home() / ".local" / "share"
    return home / "moodplay"


def load_config(path: Path | None = None) -> Config:
    """Load ``path`` (or the user config if it exists) over the defaults.

    An explicitly named file that does not exist is an error; a missing user config is not.
    """
    if path is None:
        path = user_config_path()
        if not path.exists():
            return Config()
    try:
        with path.open("rb") as f:
            raw = tomllib.load(f)
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as e:
        raise ConfigError(str(path), [f"not valid TOML: {e}"]) from None
    except UnicodeDecodeError as e:
        raise ConfigError(str(path), [_not_utf8(e)]) from None
    return parse_config(raw, str(path))


def _not_utf8(error: UnicodeDecodeError) -> str:
    byte = error.object[error.start]
    return (f"not UTF-8 text: byte 0x{byte:02x} at offset {error.start} (counting from 0); "
            "save the file as UTF-8")  # fmt: skip


def parse_config(raw: Mapping[str, Any], source: str = "<config>") -> Config:
    problems: list[str] = []
    cfg = build(Config, raw, "", problems)
    if problems:
        raise ConfigError(source, problems)
    return typing.cast(Config, cfg)


def describe_key(path: str) -> dict[str, Any]:
    """What the leaf key ``path`` ("player.crossfade_s") accepts, from its declaration above:
    ``{"type": "number" | "integer" | "text" | "boolean", "default": ...}`` with ``min``,
    ``max`` and ``unit`` for a ranged number, ``choices`` or ``pattern`` (a regular expression
    the whole text must match) where declared. KeyError for a key that is not declared."""
    section, _, name = path.partition(".")
    tables = {f.name: f for f in dataclasses.fields(Config)}
    if section not in tables or "." in name:
        raise KeyError(path)
    table = typing.cast(type, typing.get_type_hints(Config)[section])
    fields = {f.name: f for f in dataclasses.fields(table)}
    if name not in fields:
        raise KeyError(path)
    hint = typing.get_type_hints(table)[name]
    kinds = {bool: "boolean", int: "integer", float: "number", str: "text"}
    meta = fields[name].metadata
    out: dict[str, Any] = {"type": kinds.get(hint, "other"),
                           "default": getattr(getattr(Config(), section), name)}  # fmt: skip
    if "range" in meta:
        out["min"], out["max"] = meta["range"]
        out["unit"] = meta.get("unit", "")
    for extra in ("choices", "pattern"):
        if extra in meta:
            out[extra] = meta[extra]
    return out


def describe_defaults() -> list[tuple[str, object]]:
    """(key path, default) for every leaf key: the contract config.toml documents."""
    out: list[tuple[str, object]] = []
    for section in dataclasses.fields(Config):
        table = getattr(Config(), section.name)
        for f in dataclasses.fields(table):
            out.append((f"{section.name}.{f.name}", getattr(table, f.name)))
    return out


__all__ = [
    "Config",
    "ConfigError",
    "data_dir",
    "describe_key",
    "load_config",
    "parse_config",
    "user_config_path",
]
