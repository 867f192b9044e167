"""The administrator's pages: GET/POST /staff/accounts and GET /staff/audit."""
from __future__ import annotations

import asyncio
import re
import time
from typing import Any, Mapping

from aiohttp import web

from bot.staff import accounts, audit, texts
from bot.staff.guard import staff_route
from bot.staff.render import NO_STORE, page
from bot.staff.settings import SETTINGS_KEY, StaffSettings

AUDIT_PAGE = 100
NOTICE = {"create": "account_added", "disable": "account_disabled", "enable": "account_enabled",
          "unlock": "account_unlocked", "password": "account_password"}


async def _accounts_page(request: web.Request, status: int = 200, error: str | None = None,
                         form: Mapping[str, Any] | None = None) -> web.Response:
    rows = await asyncio.to_thread(accounts.list_accounts, request.app[SETTINGS_KEY].engine)
    shown = {k: str(v) for k, v in (form or {}).items() if k in ("username", "full_name", "role")}
    return page(request, "accounts.html", status=status, accounts=rows, now=time.time(), error=error, form=shown)


@staff_route(role="admin")
async def accounts_page(request: web.Request) -> web.StreamResponse:
    return await _accounts_page(request)


def _apply(settings: StaffSettings, admin: str, action: str, form: Mapping[str, Any]) -> None:
    """Carry out one account action and audit it; raises AccountError."""
    username = accounts.normalize_username(str(form.get("username") or ""))
    password = str(form.get("password") or "")
    if action in ("create", "password") and password != str(form.get("password2") or ""):
        raise accounts.AccountError("mismatch")
    if action == "create":
        role = str(form.get("role") or "")
        accounts.create(username, password, role, str(form.get("full_name") or ""), settings.engine)
        audit.write(admin, "account_add", username, f"role={role}", settings.engine)
        return
    if action == "disable" and username == admin:
        raise accounts.AccountError("self")
    change = {"disable": accounts.disable, "enable": accounts.enable, "unlock": accounts.unlock}.get(action)
    if change is not None:
        change(username, settings.engine)
    else:
        accounts.set_password(username, password, settings.engine)  # the password itself is never logged
    audit.write(admin, f"account_{action}", username, None, settings.engine)


@staff_route(role="admin")
async def accounts_post(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    form = request["staff_form"]
    action = str(form.get("action") or "")
    if action not in NOTICE:
        return await _accounts_page(request, 400, texts.ACCOUNT_ERRORS["unknown"])
    admin = request["staff_session"].account.username
    try:
        await asyncio.to_thread(_apply, settings, admin, action, form)
    except accounts.AccountError as exc:
        message = texts.ACCOUNT_ERRORS.get(exc.code, texts.ACCOUNT_ERRORS["unknown"])
        return await _accounts_page(request, 400, message, form if action == "create" else None)
    raise web.HTTPSeeOther(f"/staff/accounts?notice={NOTICE[action]}", headers=NO_STORE)


@staff_route(role="admin")
async def audit_page(request: web.Request) -> web.StreamResponse:
    raw = request.query.get("before", "")
    before = int(raw) if re.fullmatch(r"[0-9]{1,18}", raw) else None  # "²".isdigit() is true
    entries = await asyncio.to_thread(audit.recent, AUDIT_PAGE + 1, before, request.app[SETTINGS_KEY].engine)
    older = entries[AUDIT_PAGE - 1].id if len(entries) > AUDIT_PAGE else None
    return page(request, "audit.html", entries=entries[:AUDIT_PAGE], older=older)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/accounts", accounts_page)
    app.router.add_post("/staff/accounts", accounts_post)
    app.router.add_get("/staff/audit", audit_page)
