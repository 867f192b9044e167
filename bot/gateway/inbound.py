"""Reading what strangers send: a whole request body, bounded in size and time, and JSON that
cannot crash the parser.

`request.content.read(n)` returns only what has arrived so far, so a body split across TCP
packets must be read in a loop until its end. `json.loads` raises RecursionError (not
ValueError) on deeply nested input such as 100 000 '['.
"""
from __future__ import annotations

import asyncio
import json
from typing import Any

from aiohttp import web
from aiohttp.http_exceptions import HttpProcessingError


class BadBody(Exception):
    """The request body cannot be used; `status` is the HTTP answer (400, 408 or 413)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


async def read_body(request: web.Request, limit: int, timeout: float) -> bytes:
    """The whole body, at most `limit` bytes, all of it within `timeout` seconds."""
    if request.content_length is not None and request.content_length > limit:
        raise BadBody(413, "request too large")

    async def read_all() -> bytes:
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = await request.content.read(limit + 1 - size)
            if not chunk:  # end of the body
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks)

    try:
        raw = await asyncio.wait_for(read_all(), timeout)
    except asyncio.TimeoutError:
        raise BadBody(408, "request timeout") from None
    except (ConnectionError, ValueError, HttpProcessingError):  # client gone, a malformed chunked body
        raise BadBody(400, "bad request") from None
    if len(raw) > limit:
        raise BadBody(413, "request too large")
    return raw


def load_json(raw: bytes) -> Any:
    """Parse UTF-8 JSON; anything unusable, however nested, raises ValueError."""
    try:
        return json.loads(raw.decode("utf-8"))
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
