"""``moodplay say`` and ``moodplay status``: talk to a running daemon over its MPD port."""

from __future__ import annotations

import argparse
import json
import socket

from moodplay._config import Config
from moodplay.mpd import CHANNEL


class ClientError(Exception):
    """The daemon could not be reached or refused the request."""


def _quote(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def request(host: str, port: int, line: str) -> list[tuple[str, str]]:
    try:
        with socket.create_connection((host, port), timeout=10) as sock:
            stream = sock.makefile("rwb")
            if not stream.readline().startswith(b"OK MPD "):
                raise ClientError(f"{host}:{port} is not an MPD server")
            stream.write(line.encode() + b"\n")
            stream.flush()
            return _read(stream)
    except OSError as e:
        raise ClientError(
            f"no moodplay daemon on {host}:{port} ({e.strerror or e}); start `moodplay daemon`"
        ) from e


def _read(stream: object) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    for raw in iter(stream.readline, b""):  # type: ignore[attr-defined]
        line = raw.decode("utf-8", "replace").rstrip("\n")
        if line == "OK":
            return pairs
        if line.startswith("ACK "):
            raise ClientError(line.split("} ", 1)[-1])
        key, _, value = line.partition(": ")
        pairs.append((key, value))
    raise ClientError("the daemon closed the connection")


def cmd_say(config: Config, args: argparse.Namespace) -> int:
    text = " ".join(args.text)
    request(args.host, args.port, f"sendmessage {CHANNEL} {_quote(text)}")
    print(f"ok: {text}")
    return 0


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    status = dict(request(args.host, args.port, "status"))
    song = dict(request(args.host, args.port, "currentsong"))
    if args.json:
        print(json.dumps({"status": status, "current": song}, indent=2))
        return 0
    now = f"{song.get('Artist', '?')} - {song.get('Title', '?')}" if song else "nothing"
    print(f"{status.get('state', '?')}: {now}  volume {status.get('volume', '?')}%")
    return 0
