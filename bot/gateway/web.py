"""The website channel: the widget's HTTP endpoint, the demo page and static files, /health.

    POST /api/chat  {"sender": "<8-64 of A-Za-z0-9_->", "message": "<text>"}
         -> 200 [{"text": ..., "buttons": [{"title", "payload"}]}, {"attachment": {"url", "name"}}...]
         -> 400 {"error": "bad request"}   413 (body over 16 KiB)   403 (origin not allowed)
         -> 408 (body not complete within the read timeout)
         -> 429 [{"text": "<polite Vietnamese>"}]  with Retry-After (per-sender / per-IP limits)
         Every answer carries Cache-Control: no-store (as do the Telegram and Zalo webhooks').
    OPTIONS /api/chat   CORS preflight for the allowed origins (sites that embed the widget)
    GET /health...      see bot/gateway/health.py
    GET /, GET /<file>  bot/web/index.html (demo page) and the other files of bot/web/
"""
from __future__ import annotations

import ipaddress
import json
import logging
import mimetypes
import re
from typing import Any, Awaitable, Callable
from urllib.parse import urlparse

from aiohttp import web

from bot.gateway.core import Core
from bot.gateway.inbound import BadBody, load_json, read_body

log = logging.getLogger(__name__)

MAX_BODY = 16_384
SENDER_RE = re.compile(r"[A-Za-z0-9_-]{8,64}")  # fullmatch: "$" would let a trailing newline through
# The demo page loads widget.js/widget.css from this server and talks only to it.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'")
FORWARDING_HEADERS = ("X-Forwarded-For", "Forwarded", "X-Real-IP")
CORE_KEY = web.AppKey("core", Core)
# Channel name -> "is it serving now?" (filled in by server.create_app).
CHANNELS_KEY = web.AppKey("channels", dict)
# Paths whose answers are never cached (chat replies, webhooks); channels add theirs in setup().
NO_STORE_KEY = web.AppKey("no_store", set)
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def rasa_sender(sender: str) -> str:
    """Web conversations live in their own namespace, so a browser can never pick the id of a
    Telegram ("tg-...") or Zalo ("zalo-...") conversation."""
    return sender if sender.startswith("web-") else f"web-{sender}"


def client_ip(request: web.Request, trust_forwarded_for: bool) -> str:
    """The caller's IP; behind our reverse proxy, the address that proxy appended last."""
    if trust_forwarded_for:
        forwarded = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
        if forwarded:
            return forwarded[-1]
    return request.remote or "unknown"


def client_is_own(request: web.Request, trust_forwarded_for: bool) -> bool:
    """Whether client_ip is the citizen's own address: not when a reverse proxy on our network,
    which we were not told to trust, forwards the request (then it is the proxy's address, the
    same for everyone, and a lookup lock on it would stop every citizen: bot/dossiers/guard.py).
    A forwarding header from a public address changes nothing: anyone can send one."""
    if trust_forwarded_for or not any(h in request.headers for h in FORWARDING_HEADERS):
        return True
    try:
        return ipaddress.ip_address(request.remote or "").is_global
    except ValueError:
        return False


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    return web.Response(text=json.dumps(payload, ensure_ascii=False), status=status,
                        content_type="application/json", charset="utf-8", headers=headers)


def _origin_allowed(request: web.Request, origin: str) -> bool:
    core = request.app[CORE_KEY]
    return origin.rstrip("/") in core.config.allowed_origins or urlparse(origin).netloc == request.host


def _cors_headers(origin: str) -> dict[str, str]:
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin",
            "Access-Control-Allow-Methods": "POST, OPTIONS",
            "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}


def _decorate(request: web.Request, response: web.StreamResponse, origin: str) -> None:
    if request.path == "/api/chat" and origin and origin.rstrip("/") in request.app[CORE_KEY].config.allowed_origins:
        response.headers.update(_cors_headers(origin))
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Content-Security-Policy", CSP)
    if request.path in request.app[NO_STORE_KEY]:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Same-origin-only page policy everywhere; CORS only on /api/chat for allowed origins."""
    origin = request.headers.get("Origin", "")
    if request.path == "/api/chat" and origin and not _origin_allowed(request, origin):
        response: web.StreamResponse = _json({"error": "origin not allowed"}, 403)
    else:
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # 404/405 from the router: same headers, re-raised
            _decorate(request, exc, origin)
            raise
    _decorate(request, response, origin)
    return response


async def preflight(request: web.Request) -> web.Response:
    # Allowed origins get their CORS headers from the middleware; others were refused there.
    return web.Response(status=204)


async def chat(request: web.Request) -> web.Response:
    core = request.app[CORE_KEY]
    try:
        data = load_json(await read_body(request, MAX_BODY, core.config.read_timeout))
        sender, message = data["sender"], data["message"]
        if not isinstance(sender, str) or not SENDER_RE.fullmatch(sender) or not isinstance(message, str):
            raise ValueError
    except BadBody as exc:
        return _json({"error": exc.reason}, exc.status)
    except (ValueError, KeyError, TypeError):
        return _json({"error": "bad request"}, 400)

    ip = client_ip(request, core.config.trust_x_forwarded_for)
    if await core.limiter.check("ip", ip) != "ok" or await core.limiter.check("sender", sender) != "ok":
        return _json([{"text": core.texts.rate_limited}], 429, {"Retry-After": "60"})
    # The browser chooses its sender id; the (hashed) address lets the actions' guessing limits
    # hold across invented ids.
    own = client_is_own(request, core.config.trust_x_forwarded_for)
    replies = await core.converse(rasa_sender(sender), message, "web", core.client_id(ip) if own else None)
    return _json([r.to_web() for r in replies])


async def static(request: web.Request) -> web.StreamResponse:
    core = request.app[CORE_KEY]
    name = request.match_info.get("path") or "index.html"
    root = core.config.web_dir.resolve()
    path = (root / name).resolve()
    if root not in path.parents or not path.is_file():
        return web.Response(status=404, text="not found")
    ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    charset = "utf-8" if ctype.startswith("text/") or ctype.endswith(("javascript", "json")) else None
    return web.Response(body=path.read_bytes(), content_type=ctype, charset=charset,
                        headers={"Cache-Control": "no-cache"})


def setup(app: web.Application) -> None:
    """Add the website channel's API routes and middleware to the gateway app."""
    app.middlewares.append(security_headers)
    app[NO_STORE_KEY] = {"/api/chat"}
    app.router.add_post("/api/chat", chat)
    app.router.add_route("OPTIONS", "/api/chat", preflight)


def setup_static(app: web.Application) -> None:
    """The catch-all static route; added after every channel's routes."""
    app.router.add_get("/{path:.*}", static)
