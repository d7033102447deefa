"""The JSON API's handlers: each reads its request, then does its work on the server's own
threads (it waits for the session thread), never on the event loop.

Errors are :class:`ApiError` (a status and a sentence); the server's middleware turns them,
and any other failure, into ``{"error": "..."}``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from aiohttp import web

from moodplay._client import CLI_AGENT
from moodplay._commands import Call, CommandError, CommandRefusedError, command_source
from moodplay._live import LiveSession
from moodplay._view import live_view
from voice import NOT_UNDERSTOOD

MAX_BODY = 16 * 1024
"""Bytes of body a POST may send (aiohttp's ``client_max_size``)."""
MAX_SAY = 1024
"""Characters of text /api/say reads (a spoken command is a few words)."""
TIMEOUT_S = 5.0
"""Seconds a client has to send its body, and the session thread to answer."""


class ApiError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


class Api:
    def __init__(self, session: LiveSession, pool: Executor,
                 listen_now: Callable[[], str] | None = None) -> None:  # fmt: skip
        self.session, self.pool, self.listen_now = session, pool, listen_now

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/health", self.health)
        app.router.add_get("/api/status", self.status)
        app.router.add_post("/api/command", self.command)
        app.router.add_post("/api/say", self.say)
        app.router.add_post("/api/listen", self.listen)

    async def _run(self, work: Callable[[], Any]) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self.pool, work)

    async def view(self) -> dict[str, Any]:
        """The live view, read on the session thread (503 when it does not answer)."""
        return dict(await self._run(self._view))

    def _view(self) -> dict[str, Any]:
        try:
            result = self.session.submit(lambda: live_view(self.session)).result(TIMEOUT_S)
        except TimeoutError:
            raise ApiError(503, f"session not answering (no answer in {TIMEOUT_S:.0f} s)") from None
        assert isinstance(result, dict)
        return result

    async def health(self, request: web.Request) -> web.Response:
        """200 {"status": "ok"}; 503 with the reason when the session does not answer or
        names a problem (a store refusing writes, a loop step failing)."""
        return web.json_response(await self._run(self._health))

    def _health(self) -> dict[str, str]:
        try:
            problems = self.session.submit(lambda: dict(self.session.problems)).result(TIMEOUT_S)
        except Exception as e:
            raise ApiError(503, f"session not answering: {type(e).__name__} {e}") from e
        if problems:
            assert isinstance(problems, dict)
            raise ApiError(503, "; ".join(f"{k}: {v}" for k, v in problems.items()))
        return {"status": "ok"}

    async def status(self, request: web.Request) -> web.Response:
        return web.json_response(await self.view())

    async def command(self, request: web.Request) -> web.Response:
        body = await json_body(request)
        name, args = body.get("command"), body.get("args", {})
        if not isinstance(name, str) or not isinstance(args, dict):
            raise ApiError(400, 'send {"command": NAME, "args": {...}}')
        source = _source(request)

        def work() -> dict[str, Any]:
            try:
                with command_source(source):
                    call = self.session.registry.resolve(name, args)
            except CommandError as e:
                raise ApiError(422, str(e)) from e
            return self._call(call)

        return web.json_response(await self._run(work))

    async def say(self, request: web.Request) -> web.Response:
        text = (await json_body(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            raise ApiError(400, 'send {"text": "play something calm"}')
        if len(text) > MAX_SAY:
            raise ApiError(413, f"text over {MAX_SAY} characters: say one command")
        source = _source(request)

        def work() -> dict[str, Any]:
            intent = self.session.parse_text(text)
            try:
                with command_source(source):
                    call = self.session.registry.from_intent(intent)
            except CommandError as e:
                if intent.name == NOT_UNDERSTOOD:
                    raise ApiError(422, f"not understood: {text!r}") from e
                raise ApiError(422, f"{intent.name}: {e}") from e  # understood, refused
            return self._call(call)

        return web.json_response(await self._run(work))

    def _call(self, call: Call) -> dict[str, Any]:
        try:
            result = self.session.submit(call).result(timeout=TIMEOUT_S)
        except CommandRefusedError as e:  # understood, but it cannot be done now
            raise ApiError(409, str(e)) from e
        except CommandError as e:
            raise ApiError(422, str(e)) from e
        except TimeoutError:
            raise ApiError(503, f"session not answering (no answer in {TIMEOUT_S:.0f} s)") from None
        return {"ok": True, "command": call.name, "result": result}

    async def listen(self, request: web.Request) -> web.Response:
        if self.listen_now is None:
            raise ApiError(503, "voice is off in this daemon (see `moodplay doctor`)")
        try:
            return web.json_response({"ok": True, "status": await self._run(self.listen_now)})
        except RuntimeError as e:
            raise ApiError(503, f"{e} (see `moodplay doctor`)") from e


async def json_body(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object: 415 unless it says JSON, 413 over ``MAX_BODY``, 400 if it
    is not JSON, nests too deeply, or is not sent within ``TIMEOUT_S``."""
    if request.content_type != "application/json":
        raise ApiError(415, "send Content-Type: application/json")
    if (request.content_length or 0) > MAX_BODY:
        raise ApiError(413, f"body over {MAX_BODY} bytes")
    try:
        async with asyncio.timeout(TIMEOUT_S):
            raw = await request.read()  # aiohttp refuses more than client_max_size
    except web.HTTPRequestEntityTooLarge:
        raise ApiError(413, f"body over {MAX_BODY} bytes") from None
    except TimeoutError:
        raise ApiError(400, "request timed out (the body did not come)") from None
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as e:
        raise ApiError(400, f"the body is not JSON: {e}") from None
    except RecursionError:  # [[[[...: the parser recurses once per level
        raise ApiError(400, "the JSON body is nested too deeply") from None
    if not isinstance(body, dict):
        raise ApiError(400, "the body must be a JSON object")
    return body


def _source(request: web.Request) -> str:
    """CLI for ``moodplay say`` (its User-Agent), else HTTP: the log says who asked."""
    return "CLI" if request.headers.get("User-Agent", "").startswith(CLI_AGENT) else "HTTP"
