"""The HTTP request reader on arbitrary bytes: a Request or an HttpError, nothing else."""

from __future__ import annotations

import asyncio

from hypothesis import given, settings
from hypothesis import strategies as st

from moodplay._http import MAX_BODY, HttpError, Request, read_request

PIECES = [b"GET / HTTP/1.1\r\n", b"POST /api/say HTTP/1.1\r\n", b"Host: 127.0.0.1\r\n",
          b"Content-Length: 5\r\n", b"Content-Length: -1\r\n", b"Content-Length: x\r\n",
          b"Transfer-Encoding: chunked\r\n", b"\r\n", b"{}", b"\xff\xfe", b":", b" ",
          b"Content-Type: application/json\r\n", b"a" * 9000]  # fmt: skip


def parse(raw: bytes) -> Request | HttpError:
    async def run() -> Request | HttpError:
        reader = asyncio.StreamReader(limit=8 * 1024)
        reader.feed_data(raw)
        reader.feed_eof()
        try:
            return await read_request(reader)
        except HttpError as e:
            return e

    return asyncio.run(run())


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES) | st.binary(max_size=40), max_size=8))
def test_any_bytes_give_a_request_or_a_clear_error(parts: list[bytes]) -> None:
    result = parse(b"".join(parts))
    if isinstance(result, HttpError):
        assert 400 <= result.status < 500 and str(result)
    else:
        assert result.method and " " not in result.method
        assert len(result.body) == int(result.headers.get("content-length", "0")) <= MAX_BODY


def test_a_well_formed_post() -> None:
    result = parse(b"POST /api/say?x=1 HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
    assert isinstance(result, Request)
    assert (result.method, result.path, result.query, result.body) == (
        "POST", "/api/say", {"x": ["1"]}, b"{}")  # fmt: skip
