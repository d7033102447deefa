"""``moodplay doctor``: check what moodplay needs on this machine, one line per check.

Each check is a small function returning a :class:`Check`; a check never raises (an unexpected
error becomes a problem that names the check). Engines are reached through their adapter
modules, imported lazily, so a missing library is reported instead of stopping the doctor.
Nothing here writes: a missing database is reported, not created.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from library import Store, StoreError, stats
from models import (
    SILERO_VAD,
    VIBENET_EFFICIENTNET,
    VOICE_MOOD,
    ModelError,
    OnnxModel,
    PackagedModel,
    available_providers,
)
from moodplay._config import Config, data_dir
from moodplay._doctor_voice import voice_names, wake_word
from moodplay._listen_cli import voice_settings
from moodplay._paths import database_path
from voice import EngineError, choose_engine

PROBE_TIMEOUT_S = 1.0
"""How long a port gets to greet (MPD) or answer a request (HTTP)."""
PACTL_TIMEOUT_S = 5.0
INSTALL_VOSK = "`moodplay models install vosk-small-en-us`"


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def line(self) -> str:
        if self.ok:
            return f"{self.name:<18} ok: {self.detail}"
        return f"{self.name:<18} problem: {self.detail}; fix: {self.fix}"


def _ok(name: str, detail: str) -> Check:
    return Check(name, True, detail)


def _problem(name: str, detail: str, fix: str) -> Check:
    return Check(name, False, detail, fix)


# --- audio output -------------------------------------------------------------------------------


def check_audio_output(aout: str) -> Check:
    name = "audio output"
    try:
        from player._vlc import has_audio_output, probe_audio_output

        version, modules = probe_audio_output(aout)
    except (ImportError, OSError, NotImplementedError, RuntimeError) as e:
        return _problem(
            name, f"libVLC cannot start ({e})", "apt-get install libvlc5 libvlc-bin vlc-plugin-base"
        )
    if not has_audio_output(aout, modules):
        return _problem(
            name,
            f"libVLC {version} has no audio output {aout!r}",
            f"pass --aout with one of: {', '.join(modules)}",
        )
    return _ok(name, f"libVLC {version}, --aout {aout}")


def check_output(config: Config) -> Check:
    from moodplay._doctor_output import NAME, check_output_device

    ok, detail, fix = check_output_device(config)
    return _ok(NAME, detail) if ok else _problem(NAME, detail, fix or "")


def check_pulse(aout: str) -> Check:
    name = "pulseaudio"
    if aout not in ("pulse", "pulseaudio", "pa"):
        return _ok(name, f"not used (--aout {aout})")
    if shutil.which("pactl") is None:
        return _problem(
            name,
            "cannot ask the sound server: pactl is not installed",
            "apt-get install pulseaudio-utils",
        )
    try:
        result = subprocess.run(
            ["pactl", "info"], capture_output=True, text=True, timeout=PACTL_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        return _problem(name, f"pactl info did not answer in {PACTL_TIMEOUT_S:.0f} s", _PULSE_FIX)
    if result.returncode != 0:
        why = result.stderr.strip().splitlines()[0] if result.stderr.strip() else "no answer"
        return _problem(name, f"no PulseAudio server reachable (pactl: {why})", _PULSE_FIX)
    info = _pactl_fields(result.stdout)
    return _ok(
        name,
        f"{info.get('Server Name', 'server')} {info.get('Server Version', '')}, "
        f"default sink {info.get('Default Sink', '?')}",
    )


_PULSE_FIX = (
    "start the sound server as the user who runs moodplay (`systemctl --user start "
    "pipewire-pulse` or `pulseaudio --start`), or play through ALSA with --aout alsa"
)


def _pactl_fields(text: str) -> dict[str, str]:
    pairs = (line.partition(": ") for line in text.splitlines())
    return {key.strip(): value.strip() for key, sep, value in pairs if sep}


# --- voice --------------------------------------------------------------------------------------


def check_microphone(config: Config) -> Check:
    name = "microphone"
    from voice._capture import (
        Microphone,
        MicrophoneUnavailableError,
        PortAudioUnavailableError,
        input_devices,
    )

    try:
        devices = input_devices()
        if not devices:
            return _problem(name, "no input device", _MIC_FIX)
        mic = Microphone(config.voice.input_device or None)
    except PortAudioUnavailableError as e:
        return _problem(name, f"PortAudio {e.reason}", e.fix)
    except MicrophoneUnavailableError as e:
        return _problem(name, str(e), _MIC_FIX)
    return _ok(name, f"{mic.name!r} ({len(devices)} input device(s): {', '.join(devices)})")


_MIC_FIX = (
    "plug in a USB microphone (`arecord -l` lists it) or set [voice] input_device to a name "
    "from `python -m sounddevice`; without one the daemon plays with voice off"
)


def check_packaged_model(name: str, model: PackagedModel) -> Check:
    try:
        path = model.path()
    except ModelError as e:
        return _problem(name, str(e).split("; ")[0], model.install_hint)
    return _ok(name, str(path))


def check_voice_mood_model(config: Config) -> Check:
    name = "voice-mood model"
    path = Path(config.voice.tone_model).expanduser() if config.voice.tone_model else VOICE_MOOD
    try:
        model = OnnxModel(path)
    except ModelError as e:
        return _problem(
            name,
            str(e),
            "set [voice] tone_model to a file from "
            "`moodplay models train-voice`, or leave it empty for the shipped one",
        )
    return _ok(name, f"{path} ({len(model.input_names)} input(s))")


def check_vosk(config: Config) -> Check:
    name = "vosk model"
    settings = voice_settings(config)
    try:
        engine = choose_engine(settings)
    except EngineError as e:
        return _problem(name, str(e), f"{INSTALL_VOSK} (or the model for your language)")
    if config.voice.engine == "pocketsphinx":
        return _ok(name, "not used ([voice] engine = pocketsphinx)")
    folder = settings.vosk_model
    if folder is not None and (folder / "am").is_dir():
        return _ok(name, f"{folder} (speech engine: {engine})")
    if engine == "vosk" or config.voice.vosk_model:
        return _problem(
            name,
            f"{folder} is not a Vosk model (no am/ folder in it)",
            f"{INSTALL_VOSK}, or point [voice] vosk_model at an unpacked model",
        )
    others = _vosk_models(data_dir() / "models")
    found = f"installed: {', '.join(others)}" if others else "none installed"
    return _ok(name, f"{found}; PocketSphinx is used (optional: {INSTALL_VOSK})")


def _vosk_models(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if (p / "am").is_dir() and (p / "conf").is_dir())


def check_pocketsphinx() -> Check:
    name = "pocketsphinx model"
    try:
        from voice._sphinx import model_files

        files = model_files()
    except ImportError as e:
        return _problem(name, f"PocketSphinx is not installed ({e})", "pip install pocketsphinx")
    missing = [str(p) for p in files if not p.exists()]
    if missing:
        return _problem(
            name,
            f"missing {', '.join(missing)}",
            "pip install --force-reinstall pocketsphinx (its wheel ships the model)",
        )
    return _ok(name, f"US English in {files[0].parent}")


def check_opensmile() -> Check:
    name = "opensmile"
    try:
        from mood._smile import VoiceFeatures

        features = VoiceFeatures()
    except Exception as e:  # ImportError, or its native library failing to load
        return _problem(
            name,
            f"openSMILE cannot start ({e})",
            "pip install --no-deps opensmile==2.6.0 (only voice tone needs it; spoken commands "
            "work without it)",
        )
    return _ok(name, f"eGeMAPSv02, {len(features.names)} features")


# --- inference, library, ports ------------------------------------------------------------------


def check_onnx(config: Config) -> Check:
    name = "onnx runtime"
    have = available_providers()
    missing = [p for p in config.inference.providers if p not in have]
    if missing:
        return _problem(
            name,
            f"{', '.join(missing)} configured but not in this ONNX Runtime "
            f"(has: {', '.join(have)}); CPU is used instead",
            "install the onnxruntime build that has it (onnxruntime-gpu, "
            "onnxruntime-openvino) or remove it from [inference] providers",
        )
    return _ok(name, f"providers {', '.join(have)}")


def check_library(db: Path) -> Check:
    name = "library"
    scan = "run `moodplay scan` (or `moodplay scan PATH`)"
    if not db.is_file():
        return _problem(name, f"no library database at {db}", scan)
    try:
        with Store(db) as store:
            counts = stats(store)
    except StoreError as e:
        return _problem(name, str(e), f"move {db} away, then {scan}")
    detail = (
        f"{db}: {counts['tracks']} tracks, {counts['analysed']} analysed, "
        f"{counts['missing']} missing, {counts['errors']} scan errors"
    )
    if counts["analysed"] == 0:
        return _problem(name, detail, scan)
    return _ok(name, detail)


def check_voice_names(config: Config, args: argparse.Namespace) -> Check:
    detail, fix = voice_names(config, database_path(config, args.db), args.config)
    return Check("voice names", fix is None, detail, fix)


def check_wake_word(config: Config) -> Check:
    detail, fix = wake_word(config)
    return _ok("wake word", detail) if fix is None else _problem("wake word", detail, fix)


def check_mpd_port(host: str, port: int) -> Check:
    name = "mpd port"
    try:
        reply = _probe(host, port, None)
    except OSError as e:
        return _problem(name, f"{host}:{port}: {e.strerror or e}", "check --host")
    if reply is None:
        return _ok(name, f"{host}:{port} is free")
    first = reply.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if first.startswith("OK MPD "):
        return _ok(name, f"{host}:{port} answers {first!r}: a moodplay daemon is running")
    return _problem(
        name,
        f"{host}:{port} is in use by something else (it does not greet as an MPD server)",
        _port_fix(port, "--mpd-port"),
    )


def check_http_port(host: str, port: int) -> Check:
    name = "http port"
    request = f"GET / HTTP/1.0\r\nHost: {host}:{port}\r\n\r\n".encode()
    try:
        reply = _probe(host, port, request)
    except OSError as e:
        return _problem(name, f"{host}:{port}: {e.strerror or e}", "check --host")
    if reply is None:
        return _ok(name, f"{host}:{port} is free")
    if reply.startswith(b"HTTP/") and b"moodplay" in reply.lower():
        return _ok(name, f"{host}:{port} answers as moodplay: a moodplay daemon is running")
    what = "another HTTP server" if reply.startswith(b"HTTP/") else "something else"
    return _problem(name, f"{host}:{port} is in use by {what}", _port_fix(port, "--http-port"))


def _port_fix(port: int, option: str) -> str:
    return (
        f"stop the program listening there (`ss -ltnp 'sport = :{port}'` names it) or "
        f"start the daemon with another {option}"
    )


def _probe(host: str, port: int, request: bytes | None) -> bytes | None:
    """What the port says within PROBE_TIMEOUT_S: its greeting line, or with ``request`` the
    reply up to 4 KB. None: nobody listens; b"": it accepted and stayed silent."""
    try:
        sock = socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S)
    except ConnectionRefusedError:
        return None
    with sock:
        try:
            if request:
                sock.sendall(request)
        except OSError:  # reset at once: in use, but not by anything that talks
            return b""
        return _read_some(sock, line_only=request is None)


def _read_some(sock: socket.socket, line_only: bool, limit: int = 4096) -> bytes:
    data = b""
    while len(data) < limit and not (line_only and b"\n" in data):
        try:
            chunk = sock.recv(limit - len(data))
        except OSError:  # timed out or reset: keep what came
            break
        if not chunk:
            break
        data += chunk
    return data


# --- running them -------------------------------------------------------------------------------

VOICE_CHECKS = (
    "microphone",
    "wake word",
    "vad model",
    "voice-mood model",
    "vosk model",
    "pocketsphinx model",
    "opensmile",
    "voice names",
)


def checks(config: Config, args: argparse.Namespace) -> list[tuple[str, Callable[[], Check]]]:
    """Every check, named, in the order they are printed."""
    return [
        ("audio output", lambda: check_audio_output(args.aout)),
        ("pulseaudio", lambda: check_pulse(args.aout)),
        ("output device", lambda: check_output(config)),
        ("microphone", lambda: check_microphone(config)),
        ("wake word", lambda: check_wake_word(config)),
        ("track model", lambda: check_packaged_model("track model", VIBENET_EFFICIENTNET)),
        ("vad model", lambda: check_packaged_model("vad model", SILERO_VAD)),
        ("voice-mood model", lambda: check_voice_mood_model(config)),
        ("vosk model", lambda: check_vosk(config)),
        ("pocketsphinx model", check_pocketsphinx),
        ("onnx runtime", lambda: check_onnx(config)),
        ("opensmile", check_opensmile),
        ("library", lambda: check_library(database_path(config, args.db))),
        ("voice names", lambda: check_voice_names(config, args)),
        ("mpd port", lambda: check_mpd_port(args.host, args.mpd_port)),
        ("http port", lambda: check_http_port(args.host, args.http_port)),
    ]


def run_checks(config: Config, args: argparse.Namespace) -> list[Check]:
    return [_run_one(name, check, config) for name, check in checks(config, args)]


def _run_one(name: str, check: Callable[[], Check], config: Config) -> Check:
    if name in VOICE_CHECKS and not config.voice.enabled:
        return _ok(name, "not needed: [voice] enabled = false")
    try:
        return check()
    except Exception as e:  # a doctor that crashes helps nobody: report it as this check's
        return _problem(
            name,
            f"the check itself failed: {type(e).__name__}: {e}",
            "run `moodplay doctor -v` and report the output",
        )


def cmd_doctor(config: Config, args: argparse.Namespace) -> int:
    results = run_checks(config, args)
    if args.json:
        print(json.dumps([asdict(c) for c in results], indent=2))
    else:
        print("\n".join(c.line() for c in results))
    return 0 if all(c.ok for c in results) else 1
