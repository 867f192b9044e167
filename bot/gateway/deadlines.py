"""Deadlines for slow and idle clients, which aiohttp 3.9 does not enforce by itself.

The gateway is the public part: a client that opens connections and then sends nothing, or a
header line every few seconds (slowloris), or a body that never ends, must not hold a connection
for ever. With `read_timeout` and `keepalive_timeout` from the settings:

- a new connection must send a complete request head (request line and headers) within
  `read_timeout` (aiohttp itself waits for ever);
- a request body must be complete `read_timeout` after its head; handlers that read with
  `inbound.read_body` answer 408 at that moment, and one second later the connection is closed
  whatever the handler does (e.g. the staff console's forms);
- after a response, an idle kept-alive connection is closed after `keepalive_timeout`, also when
  the next head is only partly sent (aiohttp's keepalive_timeout), and an unread rest of a body
  is drained for at most `read_timeout` (aiohttp's lingering_time).

The connection-level part uses two internals of aiohttp 3.9 (pinned in constraints.txt):
`RequestHandler._request_count` and `Server._kwargs`; tests/test_webchat.py checks the
behaviour with raw sockets.
"""
from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web
from aiohttp.web_protocol import RequestHandler

from bot.gateway.config import GatewayConfig

BODY_GRACE = 1.0  # seconds after read_timeout before the connection of an unfinished body is closed


class _GuardedRequestHandler(RequestHandler):
    """aiohttp's per-connection protocol, closed when no request head is complete in time."""

    def __init__(self, manager: web.Server, *, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(manager, **kwargs)
        self._read_timeout = read_timeout
        self._head_timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self._head_timer = self._loop.call_later(self._read_timeout, self._check_first_head)

    def _check_first_head(self) -> None:
        if self._request_count == 0:  # no complete request head parsed yet
            self.force_close()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
        super().connection_lost(exc)


class _GuardedServer(web.Server):
    def __init__(self, *args: Any, read_timeout: float, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._read_timeout = read_timeout

    def __call__(self) -> RequestHandler:
        return _GuardedRequestHandler(self, loop=self._loop, read_timeout=self._read_timeout, **self._kwargs)


class GatewayRunner(web.AppRunner):
    """An AppRunner whose connections have the deadlines above. Use like web.AppRunner."""

    def __init__(self, app: web.Application, config: GatewayConfig, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=config.keepalive_timeout, lingering_time=config.read_timeout,
                         **kwargs)
        self._read_timeout = config.read_timeout

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # runs the app's startup hooks
        return _GuardedServer(server.request_handler, request_factory=server.request_factory,
                              handler_cancellation=server.handler_cancellation, loop=asyncio.get_running_loop(),
                              read_timeout=self._read_timeout, **server._kwargs)


def _close_if_unfinished(content: Any, transport: asyncio.BaseTransport) -> None:
    if not content.is_eof():
        transport.close()


def body_deadline(read_timeout: float) -> Any:
    """Middleware: close the connection of a request whose body is not complete in time."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        transport = request.transport
        if transport is not None and not request.content.is_eof():
            timer = asyncio.get_running_loop().call_later(read_timeout + BODY_GRACE, _close_if_unfinished,
                                                          request.content, transport)
            request.content.on_eof(timer.cancel)
        return await handler(request)

    return middleware
