"""The scorecard: GET /staff (page), its charts, its CSV/XLSX exports and a JSON API.

    GET /staff?start=YYYY-MM-DD&end=YYYY-MM-DD         figures, charts, links to the exports
    GET /staff/charts/{daily|satisfaction|procedures}.png?start=&end=
    GET /staff/export.csv?start=&end=    GET /staff/export.xlsx?start=&end=
    GET /staff/api/scorecard?start=&end=               the figures as JSON
"""
from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import json
from urllib.parse import urlencode

from aiohttp import web

from bot.analytics import scorecard
from bot.analytics.masking import mask
from bot.staff import period, texts
from bot.staff.guard import json_error, staff_route
from bot.staff.render import NO_STORE, page
from bot.staff.settings import SETTINGS_KEY, StaffSettings

# matplotlib and openpyxl are imported on first use: they would slow every gateway start down.
CHARTS = ("daily", "satisfaction", "procedures")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def load_card(settings: StaffSettings, start: dt.date, end: dt.date) -> scorecard.Scorecard:
    """The figures of the period, with the citizens' texts masked once more (defence in depth:
    they were masked when recorded)."""
    card = scorecard.compute(start, end, settings.engine, settings.catalog() or [])
    for item in card.top_unanswered:
        item.text = mask(item.text)
    return card


async def _card(request: web.Request, start: dt.date, end: dt.date) -> scorecard.Scorecard:
    return await asyncio.to_thread(load_card, request.app[SETTINGS_KEY], start, end)


@staff_route(role="officer")
async def scorecard_page(request: web.Request) -> web.StreamResponse:
    start, end, ok = period.parse(request.query)
    card = await _card(request, start, end)
    qs = urlencode({"start": start.isoformat(), "end": end.isoformat()})
    return page(request, "scorecard.html", card=card, sections=scorecard.sections(card), start=start, end=end,
                qs=qs, error=None if ok else texts.BAD_DATES)


def _period_or_400(request: web.Request) -> tuple[dt.date, dt.date] | None:
    start, end, ok = period.parse(request.query)
    return (start, end) if ok else None


@staff_route(role="officer", kind="data")
async def chart(request: web.Request) -> web.StreamResponse:
    from bot.staff import charts

    name = request.match_info["name"]
    if name not in CHARTS:
        return json_error(404, "no such chart")
    chosen = _period_or_400(request)
    if chosen is None:
        return json_error(400, "bad period")
    card = await _card(request, *chosen)
    png = await asyncio.to_thread(charts.render, name, card)
    return web.Response(body=png, content_type="image/png", headers=NO_STORE)


def _download(body: bytes, content_type: str, name: str) -> web.Response:
    return web.Response(body=body, headers={"Content-Type": content_type,
                                            "Content-Disposition": f'attachment; filename="{name}"', **NO_STORE})


@staff_route(role="officer", kind="data")
async def export_csv(request: web.Request) -> web.StreamResponse:
    from bot.staff import export

    chosen = _period_or_400(request)
    if chosen is None:
        return json_error(400, "bad period")
    card = await _card(request, *chosen)
    return _download(export.to_csv(card), "text/csv; charset=utf-8", export.filename(card, "csv"))


@staff_route(role="officer", kind="data")
async def export_xlsx(request: web.Request) -> web.StreamResponse:
    from bot.staff import export

    chosen = _period_or_400(request)
    if chosen is None:
        return json_error(400, "bad period")
    card = await _card(request, *chosen)
    body = await asyncio.to_thread(export.to_xlsx, card)
    return _download(body, XLSX, export.filename(card, "xlsx"))


def _jsonable(value: object) -> object:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    raise TypeError(type(value).__name__)


@staff_route(role="officer", kind="data")
async def scorecard_api(request: web.Request) -> web.StreamResponse:
    chosen = _period_or_400(request)
    if chosen is None:
        return json_error(400, "bad period")
    card = await _card(request, *chosen)
    data = dataclasses.asdict(card)
    data.update(questions=card.questions, answered_share=card.answered_share, fallback_share=card.fallback_share,
                out_of_scope_share=card.out_of_scope_share, satisfaction_share=card.satisfaction_share)
    return web.Response(text=json.dumps(data, ensure_ascii=False, default=_jsonable),
                        content_type="application/json", headers=NO_STORE)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff", scorecard_page)
    app.router.add_get("/staff/charts/{name:[a-z_]+}.png", chart)
    app.router.add_get("/staff/export.csv", export_csv)
    app.router.add_get("/staff/export.xlsx", export_xlsx)
    app.router.add_get("/staff/api/scorecard", scorecard_api)
