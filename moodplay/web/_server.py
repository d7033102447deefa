"""The HTTP API, the web page and the WebSocket events on aiohttp (loopback by default).

    GET  /                 the web page (also /index.html; ETag, Range, HEAD)
    GET  /health           {"status": "ok"} once the session answers
    GET  /api/status       the live view (now playing, reasons, mood, target, queue)
    POST /api/command      {"command": "mood_request", "args": {"mood": "calm"}}
    POST /api/say          {"text": "play something calm"}  (the voice's phrase table)
    POST /api/listen       push-to-talk: the next utterance needs no wake phrase
    GET  /api/events       WebSocket: the live view, then what changed (``_events``)
    POST /api/seek, /api/queue/{play,next,move,remove}, GET /api/cover/{id}: the player
                           page's (``_player``)
    GET  /api/library/{artists,albums,tracks,search}, POST /api/library/{play,queue}: browse,
                           search, play or queue (``_library``)
    GET  /api/history, /api/history/export, POST /api/history/forget: the listening history
                           (``_history``)
    GET, POST /api/settings  the settings a listener changes, saved to the config file
                           (``_settings``)

Every command goes through the session's registry, like voice and MPD. Who may call is
``_guard``'s: the token, the Host rule and the Origin allow-list. POSTs must be
``application/json``, so a web page elsewhere cannot post here without a CORS preflight,
which this server never grants. Errors are JSON ``{"error": "..."}``; a handler's bug is a
500 with its traceback in the log.

aiohttp brings HTTP/1.1 keep-alive, HEAD, ``Allow`` on 405, gzip (JSON over ``GZIP_OVER``
bytes and the page, when the client accepts it) and the limits: ``MAX_BODY`` bytes of body,
8 KiB lines, 64 headers, ``KEEPALIVE_S`` to send a request on a new or idle connection.
Handlers wait for the session on ``WORKERS`` threads of their own, so neither MPD clients nor
``asyncio.to_thread`` work can starve them.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from aiohttp import hdrs, web

from moodplay._client import remove_endpoint, write_endpoint
from moodplay._config import user_config_path
from moodplay._live import LiveSession
from moodplay._server import quiet_accept_errors
from moodplay.web._api import MAX_BODY, Api, ApiError
from moodplay.web._events import Events
from moodplay.web._guard import Guard, RefusedError
from moodplay.web._history import History
from moodplay.web._level import output_level
from moodplay.web._library import Library
from moodplay.web._player import Player
from moodplay.web._settings import Settings

log = logging.getLogger(__name__)

PAGE = Path(__file__).with_name("index.html")
WORKERS = 8
"""Threads the handlers wait for the session on (each mostly waits)."""
KEEPALIVE_S = 5.0
"""Seconds a connection may stay silent (before its first request, or between two)."""
LINGER_S = 2.0
"""Seconds the rest of a refused body is read and dropped, so the client sees the answer."""
GZIP_OVER = 1024
"""JSON answers longer than this many bytes are compressed for a client that accepts gzip."""
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class HttpServer:
    def __init__(self, session: LiveSession, host: str = "127.0.0.1", port: int = 6680,
                 token: str | None = None,
                 listen_now: Callable[[], str] | None = None, *,
                 config_path: Path | None = None) -> None:  # fmt: skip
        """``config_path``: the file the daemon was started with (``--config``); None: the
        user's (``user_config_path``). The settings the page changes are saved there."""
        self.session, self.host, self.port, self.token = session, host, port, token
        self._pool = ThreadPoolExecutor(WORKERS, thread_name_prefix="http")
        self._api = Api(session, self._pool, listen_now)
        self._player = Player(session, self._pool)
        self._library = Library(session, self._pool)
        self._history = History(session, self._pool)
        self._settings = Settings(session, self._pool, config_path or user_config_path())
        self._events = Events(self._api.view, lambda: session.changes,
                              lambda: output_level(session.player))  # fmt: skip
        self._guard = Guard(host, port, token)
        self._runner: web.AppRunner | None = None

    async def start(self) -> int:
        """Listen; returns the port, and notes the address beside the database for
        ``moodplay say``/``status``. OSError when the address cannot be bound."""
        quiet_accept_errors()
        app = web.Application(client_max_size=MAX_BODY, middlewares=[self._errors, self._rules])
        app.router.add_get("/", self._page)
        app.router.add_get("/index.html", self._page)
        self._api.add_routes(app)
        for routes in (self._player, self._library, self._history, self._settings):
            routes.add_routes(app)
        app.router.add_get("/api/events", self._events.handle)
        app.on_response_prepare.append(_headers)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False,
                                     keepalive_timeout=KEEPALIVE_S, lingering_time=LINGER_S,
                                     max_line_size=8 * 1024, max_field_size=8 * 1024,
                                     max_headers=64)  # fmt: skip
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, self.host, self.port).start()
        except BaseException:
            await self._runner.cleanup()
            self._runner = None
            raise
        port = int(self._runner.addresses[0][1])
        self._guard = Guard(self.host, port, self.token)
        host = {"0.0.0.0": "127.0.0.1", "::": "::1", "": "127.0.0.1"}.get(self.host, self.host)
        write_endpoint(self.session.db, f"http://{f'[{host}]' if ':' in host else host}:{port}/")
        return port

    async def close(self) -> None:
        remove_endpoint(self.session.db)
        await self._events.close()
        if self._runner is not None:
            await self._runner.cleanup()
        self._pool.shutdown(wait=False, cancel_futures=True)

    async def _page(self, request: web.Request) -> web.StreamResponse:
        page = web.FileResponse(PAGE, headers={hdrs.CACHE_CONTROL: "no-cache"})
        page.content_type = "text/html"
        page.charset = "utf-8"
        if hdrs.RANGE not in request.headers:
            _gzip(request, page)
        return page

    @web.middleware
    async def _rules(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """The token or Host rule on /api/*; the Origin rule on POSTs and the WebSocket."""
        if request.path.startswith("/api/"):
            headers = {k.lower(): v for k, v in request.headers.items()}
            self._guard.authorise(headers, request.query.get("token", ""))
            if request.method == "POST" or request.path == "/api/events":
                self._guard.check_origin(headers)
        if request.path == "/api/events" and not _is_upgrade(request):
            raise ApiError(400, "GET /api/events is a WebSocket: send Upgrade: websocket")
        return await handler(request)

    @web.middleware
    async def _errors(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        """Every error as ``{"error": ...}``; a bug as a 500 with its traceback logged."""
        try:
            response = await handler(request)
        except (ApiError, RefusedError) as e:
            return _error(e.status, str(e))
        except web.HTTPException as e:
            if e.status < 400:
                raise
            return _error(e.status, _says(request, e), e.headers)
        except ConnectionError:
            raise
        except Exception as e:
            log.exception("HTTP %s %s failed", request.method, request.path)
            return _error(500, f"internal error: {type(e).__name__} (the daemon's log has the "
                          "details)")  # fmt: skip
        body = response.body if isinstance(response, web.Response) else None
        if isinstance(body, bytes | bytearray) and len(body) > GZIP_OVER:
            _gzip(request, response)
        return response


def _is_upgrade(request: web.Request) -> bool:
    return request.headers.get(hdrs.UPGRADE, "").lower() == "websocket"


def _says(request: web.Request, e: web.HTTPException) -> str:
    if e.status == 404:
        return f"no such resource: {request.path}"
    if e.status == 405:
        return f"{request.method} is not allowed on {request.path}"
    if e.status == 413:
        return f"body over {MAX_BODY} bytes"
    return e.reason


def _error(status: int, message: str, headers: object = None) -> web.Response:
    response = web.json_response({"error": message}, status=status)
    allow = getattr(headers, "get", lambda _: None)(hdrs.ALLOW)
    if allow:
        response.headers[hdrs.ALLOW] = allow
    return response


def _gzip(request: web.Request, response: web.StreamResponse) -> None:
    response.headers[hdrs.VARY] = hdrs.ACCEPT_ENCODING
    if "gzip" in request.headers.get(hdrs.ACCEPT_ENCODING, "").lower():
        response.enable_compression(web.ContentCoding.gzip)


async def _headers(request: web.Request, response: web.StreamResponse) -> None:
    response.headers.setdefault(hdrs.CACHE_CONTROL, "no-store")
    response.headers["X-Content-Type-Options"] = "nosniff"
