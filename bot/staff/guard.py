"""The gate every /staff handler goes through: a live session, the right role, and on POST a
matching CSRF token from the same site.

    @staff_route(role="officer")                 # HTML page: no session -> 302 /staff/login
                                                 # (an admin may open officer pages too)
    async def scorecard(request): ...
    @staff_route(role="officer", kind="data")    # export, chart, API: no session -> 401 JSON

The handler finds the session in `request["staff_session"]` and, on POST, the parsed form in
`request["staff_form"]`.
"""
from __future__ import annotations

import asyncio
import json
from functools import wraps
from typing import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web

from bot.staff import security, sessions, texts
from bot.staff.render import NO_STORE, error_page
from bot.staff.settings import SETTINGS_KEY

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
LOGIN_PATH = "/staff/login"


def permits(account_role: str, required: str | None) -> bool:
    """Administrators may do everything officers do; officers only their own pages."""
    return required is None or account_role == required or account_role == "admin"


def json_error(status: int, error: str) -> web.Response:
    return web.Response(text=json.dumps({"error": error}), status=status, content_type="application/json",
                        headers=NO_STORE)


def login_redirect(request: web.Request, expired: bool) -> web.Response:
    query: dict[str, str] = {}
    if request.method == "GET" and request.path != "/staff":
        query["next"] = request.path_qs
    if expired:
        query["notice"] = "session_expired"
    location = LOGIN_PATH + ("?" + urlencode(query) if query else "")
    response = web.Response(status=302, headers={"Location": location, **NO_STORE})
    if expired:  # the browser's cookie names a session that is gone: forget it
        secure = security.is_https(request, request.app[SETTINGS_KEY].trust_proxy)
        security.clear_cookie(response, sessions.COOKIE, secure)
    return response


async def current_session(request: web.Request) -> sessions.Session | None:
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        return None
    return await asyncio.to_thread(sessions.lookup, token, request.app[SETTINGS_KEY].engine)


async def check_post(request: web.Request, expected_csrf: str) -> bool:
    """Same-site POST with the expected CSRF token; the parsed form is kept on the request."""
    form = await request.post()
    request["staff_form"] = form
    settings = request.app[SETTINGS_KEY]
    given = form.get("csrf")
    return security.same_origin(request, settings.own_hosts) and isinstance(given, str) and \
        security.tokens_match(expected_csrf, given)


def staff_route(role: str | None = None, kind: str = "page") -> Callable[[Handler], Handler]:
    """Wrap a handler: session required; `role` ("officer"/"admin") if given; CSRF on POST."""
    def wrap(handler: Handler) -> Handler:
        @wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            session = await current_session(request)
            if session is None:
                if kind == "page":
                    return login_redirect(request, expired=sessions.COOKIE in request.cookies)
                return json_error(401, "unauthenticated")
            request["staff_session"] = session
            if not permits(session.account.role, role):
                return error_page(request, 403, texts.FORBIDDEN) if kind == "page" else json_error(403, "forbidden")
            if request.method == "POST" and not await check_post(request, session.csrf):
                return error_page(request, 403, texts.CSRF_FAILED)
            return await handler(request)
        return guarded
    return wrap
