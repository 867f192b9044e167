"""Answer only requests addressed to this gateway: the Host header must name one of its hosts
(GatewayConfig.hosts: loopback, the public address, GATEWAY_ALLOWED_HOSTS...; the port is
ignored). Anything else, e.g. a page on another domain made to resolve to this server (DNS
rebinding), gets 400 before any handler runs."""
from __future__ import annotations

import logging
from typing import Any

from aiohttp import hdrs, web

from bot.gateway.config import host_name

log = logging.getLogger(__name__)


def allowed_hosts(names: frozenset[str]) -> Any:
    """Middleware refusing requests whose Host header is missing, malformed or not in `names`."""

    @web.middleware
    async def middleware(request: web.Request, handler: Any) -> web.StreamResponse:
        given = request.headers.get(hdrs.HOST, "")
        if host_name(given) not in names:
            log.warning("request refused: Host header %r is not one of this gateway's hosts "
                        "(GATEWAY_PUBLIC_URL, GATEWAY_ALLOWED_HOSTS)", given[:100])
            return web.Response(status=400, text="bad request: unknown host\n", headers={"Cache-Control": "no-store"})
        return await handler(request)

    return middleware
