"""The HTTP API, the web page (``index.html``) and its WebSocket events, on aiohttp."""

from moodplay.web._api import MAX_BODY, MAX_SAY
from moodplay.web._server import HttpServer

__all__ = ["MAX_BODY", "MAX_SAY", "HttpServer"]
