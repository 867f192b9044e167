"""Health of the assistant, as a load balancer and an operator need it.

    GET /health/live   200 {"status": "ok"} while this gateway's event loop answers. A failing
                       liveness check means: restart this gateway process.
    GET /health/ready  200 when this gateway can answer citizens now: at least one Rasa replica
                       and the action server answer; else 503. A failing readiness check means:
                       send citizens to another gateway for now (do not restart it).
    GET /health        the operator's report: every part, including the one-stop dossier source
                       when it is the HTTP adapter; 503 naming the parts that are down.
         -> {"status": "ok"|"down", "down": ["actions", ...], "rasa": bool, "rasa_replicas": {url: bool},
             "actions": bool, "dossiers": bool | null, "channels": {"web": true, ...}}

A dossier source that is down does not make a gateway unready: every gateway shares it, and the
citizen still gets answers about procedures (and a polite "tạm gián đoạn" for lookups).
Each check has a 2-second budget and they run concurrently, so /health answers within ~2 s.
"""
from __future__ import annotations

import asyncio
import os
from typing import Any

import aiohttp
from aiohttp import web

from bot.gateway.web import CHANNELS_KEY, CORE_KEY, _json

CHECK_TIMEOUT = aiohttp.ClientTimeout(total=2)
PROBE_CODE = "000.00.00.H00-000000-0000"  # never a real dossier: the source answers 404 when it is up


async def _answers(session: aiohttp.ClientSession, url: str, ok_statuses: tuple[int, ...] = (200,),
                   headers: dict[str, str] | None = None) -> bool:
    try:
        async with session.get(url, timeout=CHECK_TIMEOUT, headers=headers or {}) as r:
            return r.status in ok_statuses
    except (aiohttp.ClientError, asyncio.TimeoutError, ValueError):
        return False


def dossier_probe() -> tuple[str, dict[str, str]] | None:
    """URL and headers that show whether the HTTP dossier source is up; None with SQLite (it lives
    in the action server's own files, whose health the action server's check covers)."""
    if os.environ.get("VHTTDL_DOSSIER_SOURCE", "sqlite").strip().lower() != "http":
        return None
    base = os.environ.get("VHTTDL_DOSSIER_API_URL", "").rstrip("/")
    token = os.environ.get("VHTTDL_DOSSIER_API_TOKEN", "")
    return f"{base}/dossiers/{PROBE_CODE}", ({"Authorization": f"Bearer {token}"} if token else {})


async def check(app: web.Application, with_dossiers: bool) -> dict[str, Any]:
    core = app[CORE_KEY]
    replicas = core.rasa.base_urls
    probe = dossier_probe() if with_dossiers else None
    async with aiohttp.ClientSession() as session:
        checks = [_answers(session, url + "/") for url in replicas]
        actions_url = core.config.actions_url
        checks.append(_answers(session, actions_url + "/health") if actions_url else _true())
        if probe:
            checks.append(_answers(session, probe[0], (200, 404), probe[1]))
        results = await asyncio.gather(*checks)
    rasa = dict(zip(replicas, results[:len(replicas)]))
    report: dict[str, Any] = {"rasa": any(rasa.values()), "rasa_replicas": rasa,
                              "actions": results[len(replicas)],
                              "dossiers": results[-1] if probe else None}
    report["down"] = [part for part in ("rasa", "actions", "dossiers") if report[part] is False]
    report["status"] = "down" if report["down"] else "ok"
    return report


async def _true() -> bool:
    return True


async def live(request: web.Request) -> web.Response:
    return _json({"status": "ok"})


async def ready(request: web.Request) -> web.Response:
    report = await check(request.app, with_dossiers=False)
    return _json(report, 200 if report["status"] == "ok" else 503)


async def full(request: web.Request) -> web.Response:
    report = await check(request.app, with_dossiers=True)
    report["channels"] = {name: bool(is_on()) for name, is_on in request.app[CHANNELS_KEY].items()}
    return _json(report, 200 if report["status"] == "ok" else 503)


def setup(app: web.Application) -> None:
    app.router.add_get("/health", full)
    app.router.add_get("/health/live", live)
    app.router.add_get("/health/ready", ready)
