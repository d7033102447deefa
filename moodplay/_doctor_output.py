"""``moodplay doctor``'s check of the mixer's output device: which device PortAudio plays on,
through which host API and sound server (PulseAudio, PipeWire's pulse, or plain ALSA), and
whether a stream like the mixer's (48 kHz stereo, float32) opens and is asked for sound."""

from __future__ import annotations

import subprocess

from moodplay._config import Config

PACTL_TIMEOUT_S = 5.0
RATE, CHANNELS = 48_000, 2
NAME = "output device"
_FIX = (
    "start the sound server as the user who runs moodplay (`systemctl --user start "
    "pipewire-pulse` or `pulseaudio --start`); for plain ALSA, make the card ALSA's default "
    "(~/.asoundrc) and check `aplay -l`; or play through libVLC's own output with [player] "
    'output = "vlc"'
)


def check_output_device(config: Config) -> tuple[bool, str, str | None]:
    """(ok, detail, fix) for the output device the mixer will play on."""
    if config.player.output != "mixer":
        return True, f'not used ([player] output = "{config.player.output}")', None
    try:
        from player._device import probe_output
    except (ImportError, OSError) as e:  # PortAudio's library missing
        return False, f"PortAudio cannot start ({e})", "apt-get install libportaudio2"
    from moodplay._daemon import output_device

    probe = probe_output(output_device(config), RATE, CHANNELS)
    if not probe.device:
        return False, "PortAudio lists no output device", _FIX
    where = f"{probe.device!r} on {probe.host_api}{_server(probe.device)}"
    if probe.error is not None:
        return False, f"{where}: a {RATE} Hz stereo stream cannot play ({probe.error})", _FIX
    return True, f"{where}, {RATE} Hz stereo plays", None


def _server(device: str) -> str:
    """ ", through <server>" when the device is ALSA's pulse plugin (PulseAudio, or PipeWire's
    pulse), else ", plain ALSA"."""
    if device not in ("pulse", "default"):
        return ", plain ALSA"
    name = _pulse_server_name()
    if name is None:
        return ", plain ALSA" if device == "default" else ", no PulseAudio server answers"
    return f", through {name}"


def _pulse_server_name() -> str | None:
    """The sound server's name and version as ``pactl info`` gives them ("PulseAudio (on
    PipeWire 1.0.5)" under PipeWire), or None when none answers."""
    try:
        result = subprocess.run(["pactl", "info"], capture_output=True, text=True,
                                timeout=PACTL_TIMEOUT_S, check=False)  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    fields = dict(
        (k.strip(), v.strip()) for k, sep, v in (line.partition(": ") for line in
                                                 result.stdout.splitlines()) if sep
    )  # fmt: skip
    server = fields.get("Server Name", "a pulse server")
    return f"{server} {fields.get('Server Version', '')}".strip()
