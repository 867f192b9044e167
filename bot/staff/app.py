"""Adds the staff console to the gateway app (same process and port as the citizens' widget).

    from bot.staff import app as staff
    staff.setup(app, config)        # in bot.gateway.server.create_app, before the static catch-all

Routes (all under /staff; pages need a session, data endpoints answer 401 JSON without one):
    GET/POST /staff/login, POST /staff/logout
    GET /staff                     scorecard (officer)      GET /staff/charts/<name>.png, /staff/export.csv|xlsx
    GET/POST /staff/review         review queue (officer)   GET /staff/api/scorecard
    GET /staff/catalog[/<id>], POST /staff/catalog/<id>[/save]   catalog edits (officer)
    GET/POST /staff/accounts, GET /staff/audit               administration (admin)
    GET /staff/static/...          the console's stylesheet
"""
from __future__ import annotations

from pathlib import Path

from aiohttp import web

from bot.gateway.config import GatewayConfig
from bot.staff import texts
from bot.staff.guard import staff_route
from bot.staff.pages import admin, catalog, login, review, scorecard
from bot.staff.render import NO_STORE, error_page
from bot.staff.settings import SETTINGS_KEY, from_gateway

STATIC = Path(__file__).with_name("static")


async def trailing_slash(request: web.Request) -> web.StreamResponse:
    raise web.HTTPFound("/staff", headers=NO_STORE)


@staff_route()
async def not_found(request: web.Request) -> web.StreamResponse:
    """Any other /staff path: the login page for strangers (nothing is revealed), else 404."""
    return error_page(request, 404, texts.NOT_FOUND)


def setup(app: web.Application, config: GatewayConfig) -> None:
    """Add the staff console's routes to the gateway app `app`."""
    app[SETTINGS_KEY] = from_gateway(config.public_url, config.trust_x_forwarded_for)
    app.router.add_static("/staff/static", STATIC, follow_symlinks=False, append_version=False)
    for pages in (login, scorecard, review, catalog, admin):
        pages.setup(app)
    app.router.add_get("/staff/", trailing_slash)
    app.router.add_route("*", "/staff/{tail:.*}", not_found)
