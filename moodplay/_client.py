"""``moodplay say`` and ``moodplay status``: talk to a running daemon over its HTTP API.

The daemon's address: ``--url``, else ``--host``/``--port``, else the one the daemon on this
database wrote beside it when its web port was bound (``DB.web``, see :func:`endpoint_path`;
so ``--http-port 0`` and another port work with no flag), else http://127.0.0.1:6680/. The HTTP
API answers with the command's answer ("Artist - Title" for "what's playing", the reason for
"why this song"), which MPD's ``sendmessage`` cannot carry back.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from moodplay._config import Config
from moodplay._paths import database_path

DEFAULT_URL = "http://127.0.0.1:6680/"
TIMEOUT_S = 10.0
CLI_AGENT = "moodplay-cli"
"""The User-Agent of ``moodplay say``/``status``: the daemon logs their commands as CLI."""
TOKEN_ENV = "MOODPLAY_HTTP_TOKEN"
"""Environment variable with the daemon's ``--http-token`` (instead of ``--token``)."""


class ClientError(Exception):
    """The daemon could not be reached or refused the request; the message says which."""


def endpoint_path(db: Path) -> Path:
    """The file the daemon on ``db`` writes its web address in: ``DB.web`` beside it."""
    return db.with_name(db.name + ".web")


def write_endpoint(db: Path, url: str) -> None:
    """Note ``url`` as this process's web address for ``db`` (atomically; best effort)."""
    path = endpoint_path(db)
    tmp = path.with_name(path.name + f".{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps({"url": url, "pid": os.getpid()}))
        tmp.replace(path)
    except OSError:
        tmp.unlink(missing_ok=True)


def remove_endpoint(db: Path) -> None:
    """Remove the note, when it is still this process's."""
    if _read_endpoint(db).get("pid") == os.getpid():
        endpoint_path(db).unlink(missing_ok=True)


def _read_endpoint(db: Path) -> dict[str, Any]:
    try:
        data = json.loads(endpoint_path(db).read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _alive(pid: object) -> bool:
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def daemon_url(config: Config, args: argparse.Namespace) -> str:
    """Where the daemon's HTTP API is (see the module docstring for the order)."""
    if args.url:
        return str(args.url).rstrip("/") + "/"
    if args.host or args.port:
        host = args.host or "127.0.0.1"
        return f"http://{f'[{host}]' if ':' in host else host}:{args.port or 6680}/"
    noted = _read_endpoint(database_path(config, args.db))
    if isinstance(noted.get("url"), str) and _alive(noted.get("pid")):
        return str(noted["url"])
    return DEFAULT_URL


def request(url: str, path: str, body: dict[str, Any] | None = None,
            token: str | None = None) -> Any:  # fmt: skip
    """GET (or POST ``body`` as JSON) ``url + path``; the JSON answer. Raises
    :class:`ClientError` with the daemon's own message on an error status, and a hint when
    nothing (or no moodplay HTTP API) answers there."""
    data = None if body is None else json.dumps(body).encode()
    headers = {"User-Agent": CLI_AGENT}
    if data is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    req = urllib.request.Request(url.rstrip("/") + path, data=data, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=TIMEOUT_S) as answer:
            return json.loads(answer.read())
    except urllib.error.HTTPError as e:
        raise ClientError(_error_text(e)) from None
    except urllib.error.URLError as e:
        raise ClientError(f"no moodplay daemon at {url} ({e.reason}); start `moodplay daemon`, "
                          "or name its web port with --port") from None  # fmt: skip
    except (http.client.HTTPException, ValueError, ConnectionError, TimeoutError) as e:
        raise ClientError(f"{url} is not moodplay's web port ({type(e).__name__}: {e}); "
                          "the MPD port (6600) is for `mpc`; give --port the web port "
                          "(6680 by default)") from None  # fmt: skip


def _error_text(e: urllib.error.HTTPError) -> str:
    try:
        message = json.loads(e.read()).get("error")
    except (ValueError, AttributeError, OSError):
        message = None
    return str(message or f"the daemon answered {e.code} {e.reason}")


def _token(args: argparse.Namespace) -> str | None:
    return args.token or os.environ.get(TOKEN_ENV) or None


def cmd_say(config: Config, args: argparse.Namespace) -> int:
    """Send one typed command; print the daemon's answer ("ok: TEXT" when it has none)."""
    text = " ".join(args.text)
    answer = request(daemon_url(config, args), "/api/say", {"text": text}, _token(args))
    result = answer.get("result") if isinstance(answer, dict) else None
    print(result if isinstance(result, str) and result else f"ok: {text}")
    return 0


def cmd_status(config: Config, args: argparse.Namespace) -> int:
    """Print what the daemon is doing: one line, or the HTTP API's view as JSON."""
    view = request(daemon_url(config, args), "/api/status", token=_token(args))
    if args.json:
        print(json.dumps(view, indent=2))
        return 0
    current = view.get("current") or {}
    now = (
        f"{current.get('artist') or '?'} - {current.get('title') or '?'}" if current else "nothing"
    )
    print(f"{view.get('state', '?')}: {now}  volume {view.get('volume', '?')}%")
    if current.get("reason"):
        print(f"  why: {current['reason']}")
    return 0
