"""The review queue: GET /staff/review lists groups of similar unanswered / 👎 questions; POST
/staff/review handles one group: add its wording as an alias of a procedure (catalog_edit, then
saved and audited), ask for a new answer, or ignore it."""
from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

from aiohttp import web

from bot import catalog_edit
from bot.analytics import review
from bot.text import normalize
from bot.staff import audit, texts
from bot.staff.guard import staff_route
from bot.staff.render import NO_STORE, error_page, page
from bot.staff.settings import SETTINGS_KEY, StaffSettings

log = logging.getLogger(__name__)
MAX_TURNS = 5000
ID = re.compile(r"^[0-9]{1,18}$")  # ASCII digits only ("²".isdigit() is true), and fits SQL integers
MAX_ALIAS = 200


def parse_turn_ids(raw: object) -> list[int] | None:
    """"12,13,20" -> [12, 13, 20]; None when malformed or empty."""
    if not isinstance(raw, str) or not raw.strip():
        return None
    parts = raw.split(",")
    if len(parts) > MAX_TURNS or not all(ID.match(p.strip()) for p in parts):
        return None
    return [int(p) for p in parts]


def _queue(settings: StaffSettings) -> tuple[list[review.Group], list]:
    """The pending groups and the procedures to choose from (empty if the catalog is unreadable).
    A group no answer was tied to gets retrieval's best guess as its suggested procedure, so
    that the officer usually only confirms it."""
    catalog = settings.catalog()
    procedures = sorted(catalog, key=lambda p: p.short_name) if catalog is not None else []
    groups = review.pending(settings.engine)
    if catalog is not None and any(not g.procedures for g in groups):
        _suggest(catalog, [g for g in groups if not g.procedures])
    return groups, procedures


def _suggest(catalog: Any, groups: list[review.Group]) -> None:
    """Fill each group's suggested procedure from retrieval over its first wording (found or
    weak matches only); a failure leaves the groups without a suggestion."""
    from bot.nlu_data import question_words
    from bot.retrieval import ProcedureIndex

    try:
        index = ProcedureIndex(catalog, question_words())
        for group in groups:
            match = index.search(group.texts[0])
            if match.kind in ("found", "weak") and match.best is not None:
                group.procedures = [match.best.id]
    except Exception:  # noqa: BLE001 - a suggestion is a convenience, never a reason to fail the page
        log.exception("review queue suggestions failed")


async def _review_page(request: web.Request, status: int = 200, **extra: Any) -> web.Response:
    groups, procedures = await asyncio.to_thread(_queue, request.app[SETTINGS_KEY])
    extra.setdefault("alias_problems", [])
    if not procedures:
        extra.setdefault("error", texts.CATALOG_UNAVAILABLE)
    return page(request, "review.html", status=status, groups=groups, procedures=procedures,
                names={p.id: p.short_name for p in procedures}, **extra)


@staff_route(role="officer")
async def review_page(request: web.Request) -> web.StreamResponse:
    return await _review_page(request)


def _add_alias(settings: StaffSettings, username: str, procedure_id: str, alias: str,
               turn_ids: list[int]) -> tuple[str, list]:
    """Add the alias (saved and audited) and mark the turns: (notice key, problems). An alias the
    procedure already has (which catalog_edit.add_alias refuses as a duplicate) only marks them."""
    if not _has_alias(settings, procedure_id, alias):
        preview = catalog_edit.add_alias(procedure_id, alias, directory=settings.procedures)
        if preview.problems:
            return "", list(preview.problems)
        if preview.changed:
            catalog_edit.save(preview, directory=settings.procedures)
            audit.write(username, "alias_add", procedure_id, preview.diff, settings.engine)
            review.mark(turn_ids, "alias", username, note=procedure_id, engine=settings.engine)
            return "alias", []
    review.mark(turn_ids, "alias", username, note=procedure_id, engine=settings.engine)
    audit.write(username, "review", _turns_target(turn_ids), f"alias (đã có sẵn) → {procedure_id}", settings.engine)
    return "alias_exists", []


def _has_alias(settings: StaffSettings, procedure_id: str, alias: str) -> bool:
    catalog = settings.catalog()
    procedure = catalog.get(procedure_id) if catalog is not None else None
    return procedure is not None and normalize(alias) in {normalize(a) for a in procedure.aliases}


def _turns_target(turn_ids: list[int]) -> str:
    target = "turns:" + ",".join(map(str, turn_ids))
    return target if len(target) <= 128 else target[:125] + "..."


def _mark(settings: StaffSettings, username: str, action: str, turn_ids: list[int]) -> None:
    review.mark(turn_ids, action, username, engine=settings.engine)
    audit.write(username, "review", _turns_target(turn_ids), action, settings.engine)


@staff_route(role="officer")
async def review_post(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    form = request["staff_form"]
    username = request["staff_session"].account.username
    action = form.get("action")
    turn_ids = parse_turn_ids(form.get("turn_ids"))
    if action not in review.ACTIONS or turn_ids is None:
        return error_page(request, 400, texts.REVIEW_BAD_REQUEST)
    if action == "alias":
        alias = " ".join(str(form.get("alias") or "").split())
        procedure_id = str(form.get("procedure") or "")
        catalog = settings.catalog()
        if not alias or len(alias) > MAX_ALIAS or catalog is None or procedure_id not in catalog:
            return await _review_page(request, 400, error=texts.REVIEW_BAD_REQUEST)
        try:
            notice, problems = await asyncio.to_thread(_add_alias, settings, username, procedure_id, alias, turn_ids)
        except catalog_edit.EditConflict:
            return await _review_page(request, 409, error=texts.EDIT_CONFLICT)
        except catalog_edit.EditRefused as exc:
            return await _review_page(request, 422, alias_problems=list(exc.problems))
        except (KeyError, catalog_edit.UnreadableEntry):
            return await _review_page(request, 422, error=texts.ENTRY_UNREADABLE)
        if problems:
            return await _review_page(request, 422, alias_problems=problems)
    else:
        await asyncio.to_thread(_mark, settings, username, action, turn_ids)
        notice = action
    raise web.HTTPSeeOther(f"/staff/review?notice={notice}", headers=NO_STORE)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/review", review_page)
    app.router.add_post("/staff/review", review_post)
