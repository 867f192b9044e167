"""GET/POST /staff/login and POST /staff/logout."""
from __future__ import annotations

import asyncio
import re

from aiohttp import web

from bot.staff import accounts, audit, security, sessions, texts
from bot.staff.guard import current_session, staff_route
from bot.staff.render import NO_STORE, error_page, page
from bot.staff.settings import SETTINGS_KEY

HOME = {"officer": "/staff", "admin": "/staff/accounts"}
SAFE_NEXT = re.compile(r"^/staff/[A-Za-z0-9._~/%?&=+-]*$")


def home(role: str) -> str:
    return HOME.get(role, "/staff")


def safe_next(value: str | None, role: str) -> str:
    """Where to go after login: a /staff path of this site only, never another site."""
    value = value or ""
    if SAFE_NEXT.match(value) and "//" not in value and not value.startswith(("/staff/login", "/staff/logout")):
        return value
    return home(role)


def _secure(request: web.Request) -> bool:
    return security.is_https(request, request.app[SETTINGS_KEY].trust_proxy)


def _login_form(request: web.Request, token: str, status: int = 200, error: str | None = None,
                username: str = "", next_path: str = "") -> web.Response:
    return page(request, "login.html", status=status, login_csrf=token, error=error, username=username,
                next=next_path)


async def login_page(request: web.Request) -> web.StreamResponse:
    session = await current_session(request)
    if session is not None:
        raise web.HTTPFound(home(session.account.role), headers=NO_STORE)
    cookie = request.cookies.get(security.LOGIN_COOKIE)
    token = security.login_token_from_cookie(cookie)
    if token is None:
        cookie, token = security.new_login_token()
    response = _login_form(request, token, next_path=request.query.get("next", ""))
    security.set_cookie(response, security.LOGIN_COOKIE, cookie, _secure(request))
    return response


async def login(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    form = await request.post()
    token = security.login_token_from_cookie(request.cookies.get(security.LOGIN_COOKIE))
    given = form.get("csrf")
    if not (security.same_origin(request, settings.own_hosts) and isinstance(given, str)
            and token is not None and security.tokens_match(token, given)):
        return error_page(request, 403, texts.CSRF_FAILED)
    username = str(form.get("username") or "")[:64]
    password = str(form.get("password") or "")
    next_path = str(form.get("next") or "")
    result = await asyncio.to_thread(accounts.authenticate, username, password, settings.engine)
    if result.account is None:
        if result.locked_now:
            await asyncio.to_thread(audit.write, accounts.normalize_username(username), "login_locked",
                                    accounts.normalize_username(username), None, settings.engine)
        return _login_form(request, token, error=texts.LOGIN_FAILED, username=username, next_path=next_path)
    account = result.account
    cookie, _ = await asyncio.to_thread(sessions.create, account.id, settings.engine,
                                        request.cookies.get(sessions.COOKIE))
    await asyncio.to_thread(audit.write, account.username, "login", None, None, settings.engine)
    response = web.Response(status=302, headers={"Location": safe_next(next_path, account.role), **NO_STORE})
    secure = _secure(request)
    security.set_cookie(response, sessions.COOKIE, cookie, secure, max_age=sessions.LIFETIME)
    security.clear_cookie(response, security.LOGIN_COOKIE, secure)
    return response


@staff_route()
async def logout(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    session = request["staff_session"]
    await asyncio.to_thread(sessions.delete, request.cookies.get(sessions.COOKIE), settings.engine)
    await asyncio.to_thread(audit.write, session.account.username, "logout", None, None, settings.engine)
    response = web.Response(status=302, headers={"Location": "/staff/login?notice=logged_out", **NO_STORE})
    security.clear_cookie(response, sessions.COOKIE, _secure(request))
    return response


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/login", login_page)
    app.router.add_post("/staff/login", login)
    app.router.add_post("/staff/logout", logout)
