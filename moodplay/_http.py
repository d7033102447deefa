"""The HTTP JSON API, WebSocket events and the web page (asyncio, loopback by default).

    GET  /                 the web page
    GET  /health           {"status": "ok"} once the session answers
    GET  /api/status       the live view (now playing, reasons, mood, target, queue)
    POST /api/command      {"command": "mood_request", "args": {"mood": "calm"}}
    POST /api/say          {"text": "play something calm"}  (the voice's phrase table)
    POST /api/listen       push-to-talk: the next utterance needs no wake phrase
    GET  /api/events       WebSocket: the live view, pushed on every change

Every command goes through the session's registry, like voice and MPD. With a token
configured, /api/* needs ``Authorization: Bearer TOKEN`` (the WebSocket: ``?token=TOKEN``).
POSTs must be ``application/json``, so a web page elsewhere cannot post here without a CORS
preflight, which this server never grants.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from typing import Any
from urllib.parse import parse_qs, urlsplit

from moodplay._client import CLI_AGENT, remove_endpoint, write_endpoint
from moodplay._commands import CommandError, CommandRefusedError, command_source
from moodplay._live import LiveSession
from moodplay._server import TcpServer
from moodplay._view import live_view
from moodplay._websocket import accept_key, serve_websocket
from voice import NOT_UNDERSTOOD

log = logging.getLogger(__name__)

MAX_BODY = 16 * 1024
MAX_SAY = 1024
"""Characters of text /api/say reads (a spoken command is a few words)."""
MAX_HEADERS = 64
MAX_LINE = 8 * 1024
TIMEOUT_S = 5.0
REASONS = {200: "OK", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
           405: "Method Not Allowed", 409: "Conflict", 413: "Payload Too Large",
           415: "Unsupported Media Type", 422: "Unprocessable Entity",
           500: "Internal Server Error", 503: "Service Unavailable"}  # fmt: skip


class HttpError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


@dataclass
class Request:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes = b""


async def read_request(reader: asyncio.StreamReader) -> Request:
    line = await _line(reader)
    parts = line.split(" ")
    if len(parts) != 3 or not parts[2].startswith("HTTP/1."):
        raise HttpError(400, "malformed request line")
    method, target, _ = parts
    headers: dict[str, str] = {}
    while header := await _line(reader):
        name, sep, value = header.partition(":")
        if not sep or len(headers) >= MAX_HEADERS:
            raise HttpError(400, "malformed or too many headers")
        headers[name.strip().lower()] = value.strip()
    url = urlsplit(target)
    request = Request(method, url.path, parse_qs(url.query), headers)
    request.body = await _body(reader, headers)
    return request


async def _line(reader: asyncio.StreamReader) -> str:
    try:
        raw = await reader.readuntil(b"\n")
    except asyncio.LimitOverrunError:
        raise HttpError(400, "line too long") from None
    except asyncio.IncompleteReadError:
        raise HttpError(400, "the request ended early") from None
    try:
        return raw.decode("ascii").rstrip("\r\n")
    except UnicodeDecodeError:
        raise HttpError(400, "request line or header is not ASCII") from None


async def _body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "transfer-encoding" in headers:
        raise HttpError(400, "chunked bodies are not accepted; send Content-Length")
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise HttpError(400, "Content-Length is not a number") from None
    if length < 0:
        raise HttpError(400, "negative Content-Length")
    if length > MAX_BODY:
        raise HttpError(413, f"body over {MAX_BODY} bytes")
    try:
        return await reader.readexactly(length) if length else b""
    except asyncio.IncompleteReadError:
        raise HttpError(400, "the body is shorter than Content-Length") from None


def _json_body(request: Request) -> dict[str, Any]:
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/json":
        raise HttpError(415, "send Content-Type: application/json")
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError) as e:
        raise HttpError(400, f"the body is not JSON: {e}") from None
    except RecursionError:  # [[[[...: the parser recurses once per level
        raise HttpError(400, "the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise HttpError(400, "the body must be a JSON object")
    return body


class HttpServer(TcpServer):
    limit = MAX_LINE

    def __init__(self, session: LiveSession, host: str = "127.0.0.1", port: int = 6680,
                 token: str | None = None,
                 listen_now: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.session, self.host, self.port, self.token = session, host, port, token
        self.listen_now = listen_now
        self._page = resources.files("moodplay").joinpath("web/index.html").read_bytes()

    async def start(self) -> int:
        """Listen; note the address beside the database for ``moodplay say``/``status``."""
        port = await super().start()
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        write_endpoint(self.session.db, f"http://{f'[{host}]' if ':' in host else host}:{port}/")
        return port

    async def close(self) -> None:
        remove_endpoint(self.session.db)
        await super().close()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request: Request | None = None
        try:
            request = await asyncio.wait_for(read_request(reader), TIMEOUT_S)
            if request.path == "/api/events":
                await self._events(request, reader, writer)
                return
            status, ctype, body = await self._route(request)
        except HttpError as e:
            status, ctype, body = e.status, "application/json", _error(str(e))
        except TimeoutError:
            # Before the request was read: the client was too slow; after: the session thread
            # did not answer in TIMEOUT_S (the daemon's fault, never the client's).
            status, message = (400, "request timed out") if request is None else (
                503, f"session not answering (no answer in {TIMEOUT_S:.0f} s)")  # fmt: skip
            ctype, body = "application/json", _error(message)
        except (ConnectionError, asyncio.IncompleteReadError):
            writer.close()
            return
        except Exception as e:  # a bug in a handler: a 500 and the traceback in the log
            log.exception("HTTP %s failed", f"{request.method} {request.path}" if request else "?")
            status, ctype = 500, "application/json"
            body = _error(f"internal error: {type(e).__name__} (the daemon's log has the details)")
        try:
            writer.write(_response(status, ctype, body))
            await writer.drain()
        except ConnectionError:
            pass
        finally:
            writer.close()

    async def _route(self, request: Request) -> tuple[int, str, bytes]:
        routes: dict[tuple[str, str], Callable[[Request], Any]] = {
            ("GET", "/health"): self._health, ("GET", "/api/status"): self._status,
            ("POST", "/api/command"): self._command, ("POST", "/api/say"): self._say,
            ("POST", "/api/listen"): self._listen,
        }  # fmt: skip
        if request.method == "GET" and request.path in ("/", "/index.html"):
            return 200, "text/html; charset=utf-8", self._page
        handler = routes.get((request.method, request.path))
        if handler is None:
            known = {path for _, path in routes}
            if request.path in known:
                raise HttpError(405, f"{request.method} is not allowed on {request.path}")
            raise HttpError(404, f"no such resource: {request.path}")
        if request.path.startswith("/api/"):
            self._authorise(request)
        result = await asyncio.get_running_loop().run_in_executor(None, handler, request)
        return 200, "application/json", json.dumps(result).encode()

    def _authorise(self, request: Request) -> None:
        if self.token is None:
            # Loopback without a token: refuse other Host names (DNS rebinding from a web page).
            host = request.headers.get("host", "").rsplit(":", 1)[0].strip("[]")
            if host not in ("127.0.0.1", "localhost", "::1", self.host):
                raise HttpError(403, f"Host {host!r} is not this machine's loopback address")
            return
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        given = given or (request.query.get("token") or [""])[0]
        if not hmac.compare_digest(given.encode(), self.token.encode()):
            raise HttpError(401, "missing or wrong token (Authorization: Bearer TOKEN)")

    def _view(self) -> dict[str, Any]:
        result = self.session.submit(lambda: live_view(self.session)).result(timeout=TIMEOUT_S)
        assert isinstance(result, dict)
        return result

    def _health(self, request: Request) -> dict[str, Any]:
        """200 {"status": "ok"}; 503 with the reason when the session does not answer or
        names a problem (a store refusing writes, a loop step failing)."""
        try:
            problems = self.session.submit(lambda: dict(self.session.problems)).result(
                timeout=TIMEOUT_S
            )
        except Exception as e:
            raise HttpError(503, f"session not answering: {type(e).__name__} {e}") from e
        if problems:
            assert isinstance(problems, dict)
            raise HttpError(503, "; ".join(f"{k}: {v}" for k, v in problems.items()))
        return {"status": "ok"}

    def _status(self, request: Request) -> dict[str, Any]:
        return self._view()

    def _command(self, request: Request) -> dict[str, Any]:
        body = _json_body(request)
        name, args = body.get("command"), body.get("args", {})
        if not isinstance(name, str) or not isinstance(args, dict):
            raise HttpError(400, 'send {"command": NAME, "args": {...}}')
        try:
            with command_source(_source(request)):
                call = self.session.registry.resolve(name, args)
        except CommandError as e:
            raise HttpError(422, str(e)) from e
        return self._run(call)

    def _say(self, request: Request) -> dict[str, Any]:
        text = _json_body(request).get("text")
        if not isinstance(text, str) or not text.strip():
            raise HttpError(400, 'send {"text": "play something calm"}')
        if len(text) > MAX_SAY:
            raise HttpError(413, f"text over {MAX_SAY} characters: say one command")
        intent = self.session.parse_text(text)
        try:
            with command_source(_source(request)):
                call = self.session.registry.from_intent(intent)
        except CommandError as e:
            if intent.name == NOT_UNDERSTOOD:
                raise HttpError(422, f"not understood: {text!r}") from e
            raise HttpError(422, f"{intent.name}: {e}") from e  # understood, refused: volume 150
        return self._run(call)

    def _run(self, call: Any) -> dict[str, Any]:
        try:
            result = self.session.submit(call).result(timeout=TIMEOUT_S)
        except CommandRefusedError as e:  # understood, but it cannot be done now
            raise HttpError(409, str(e)) from e
        except CommandError as e:
            raise HttpError(422, str(e)) from e
        return {"ok": True, "command": call.name, "result": result}

    def _listen(self, request: Request) -> dict[str, Any]:
        if self.listen_now is None:
            raise HttpError(503, "voice is off in this daemon (see `moodplay doctor`)")
        try:
            return {"ok": True, "status": self.listen_now()}
        except RuntimeError as e:
            raise HttpError(503, f"{e} (see `moodplay doctor`)") from e

    async def _events(self, request: Request, reader: asyncio.StreamReader,
                      writer: asyncio.StreamWriter) -> None:  # fmt: skip
        try:
            self._authorise(request)
            key = request.headers.get("sec-websocket-key", "")
            if request.headers.get("upgrade", "").lower() != "websocket" or not key:
                raise HttpError(400, "GET /api/events is a WebSocket: send Upgrade: websocket")
        except HttpError as e:
            writer.write(_response(e.status, "application/json", _error(str(e))))
            await writer.drain()
            writer.close()
            return
        writer.write(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Accept: " + accept_key(key).encode() + b"\r\n\r\n"
        )
        loop = asyncio.get_running_loop()

        async def view() -> str:
            result = await loop.run_in_executor(None, self._view)
            return json.dumps(result)

        await serve_websocket(reader, writer, view, lambda: self.session.changes)


def _source(request: Request) -> str:
    """CLI for ``moodplay say`` (its User-Agent), else HTTP: the log says who asked."""
    return "CLI" if request.headers.get("user-agent", "").startswith(CLI_AGENT) else "HTTP"


def _error(message: str) -> bytes:
    return json.dumps({"error": message}).encode()


def _response(status: int, ctype: str, body: bytes) -> bytes:
    head = (
        f"HTTP/1.1 {status} {REASONS.get(status, 'Error')}\r\nContent-Type: {ctype}\r\n"
        f"Content-Length: {len(body)}\r\nCache-Control: no-store\r\nConnection: close\r\n"
        "X-Content-Type-Options: nosniff\r\n\r\n"
    )
    return head.encode() + body
