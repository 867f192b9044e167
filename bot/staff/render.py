"""HTML pages from the Jinja2 templates in templates/ (autoescaped, every one of them)."""
from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from aiohttp import web

from bot.analytics.masking import mask
from bot.staff import texts
from bot.staff.settings import SETTINGS_KEY

TEMPLATES = Path(__file__).with_name("templates")
VIETNAM = dt.timezone(dt.timedelta(hours=7))
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


def vn_time(ts: float | None) -> str:
    return "" if ts is None else dt.datetime.fromtimestamp(ts, VIETNAM).strftime("%d/%m/%Y %H:%M")


def vn_date(day: dt.date | str | None) -> str:
    if day is None:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return day.strftime("%d/%m/%Y")


def vn_number(value: Any) -> str:
    """1234567 -> 1.234.567; 57.1 -> 57,1; None -> – (Vietnamese number format)."""
    if value is None:
        return "–"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, int):
        return f"{value:,}".replace(",", ".")
    whole, _, frac = f"{value:,.2f}".rstrip("0").rstrip(".").partition(".")
    return whole.replace(",", ".") + ("," + frac if frac else "")


def vn_cell(text: str) -> str:
    """A table cell's text; an ISO day (2026-11-03) is shown the Vietnamese way (03/11/2026)."""
    try:
        return vn_date(dt.date.fromisoformat(text)) if len(text) == 10 else text
    except ValueError:
        return text


def diff_class(line: str) -> str:
    """CSS class of one line of a unified diff."""
    if line.startswith(("+++", "---")):
        return "diff-file"
    if line.startswith("@@"):
        return "diff-hunk"
    if line.startswith("+"):
        return "diff-add"
    if line.startswith("-"):
        return "diff-del"
    return "diff-same"


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(TEMPLATES)), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(vn_time=vn_time, vn_date=vn_date, vn_number=vn_number, vn_cell=vn_cell, mask=mask,
                       diff_class=diff_class)
    env.globals.update(texts=texts)
    return env


def page(request: web.Request, template: str, status: int = 200, **context: Any) -> web.Response:
    """Render `template` for this request: the logged-in account (if any), its CSRF token, and a
    notice chosen by the `notice` query key are available to every template."""
    session = request.get("staff_session")
    notice = texts.NOTICES.get(request.query.get("notice", ""))
    settings = request.app.get(SETTINGS_KEY)
    context = {"session": session, "account": session.account if session else None,
               "csrf": session.csrf if session else "", "notice": notice, "error": None,
               "department": settings.department if settings else "", "path": request.path, **context}
    html = environment().get_template(template).render(**context)
    return web.Response(text=html, status=status, content_type="text/html", charset="utf-8", headers=NO_STORE)


def error_page(request: web.Request, status: int, message: str) -> web.Response:
    return page(request, "error.html", status=status, status_code=status, message=message)
