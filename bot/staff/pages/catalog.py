"""Editing the procedure catalog through bot.catalog_edit, always with a preview first.

    GET  /staff/catalog              every procedure: id, short name, verified date, uncertain facts
    GET  /staff/catalog/{id}         the edit form, generated from catalog_edit.fields()
    POST /staff/catalog/{id}         preview: the diff and any problems, and a "Lưu" form
    POST /staff/catalog/{id}/save    save the previewed values if the file is still what was shown

The "Lưu" form carries the submitted values and a hash of the file as it was previewed; if the
file changed since (another officer saved), nothing is written and the officer is asked to reload.
"""
from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import hmac
from pathlib import Path
from typing import Any, Mapping

from aiohttp import web

from bot import catalog_edit
from bot.staff import audit, texts
from bot.staff.guard import staff_route
from bot.staff.render import NO_STORE, error_page, page
from bot.staff.settings import SETTINGS_KEY, StaffSettings

ID_PATTERN = r"[a-z0-9][a-z0-9-]{0,80}"


@dataclasses.dataclass(frozen=True)
class Row:
    id: str
    short_name: str
    verified: Any
    uncertain: int


def count_uncertain(item: object) -> int:
    """How many facts of a procedure are marked uncertain (they need the department's word)."""
    if isinstance(item, (list, tuple)):
        return sum(count_uncertain(x) for x in item)
    if isinstance(item, dict):
        return sum(count_uncertain(x) for x in item.values())
    if not dataclasses.is_dataclass(item) or isinstance(item, type):
        return 0
    n = 0
    for f in dataclasses.fields(item):
        value = getattr(item, f.name)
        if f.name in ("uncertain", "code_uncertain") and value is True:
            n += 1
        elif f.name == "uncertain_kinds":
            n += len(value or ())
        else:
            n += count_uncertain(value)
    return n


def old_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def submitted_values(form: Mapping, specs: list) -> dict[str, str]:
    """The posted values, as catalog_edit.preview() wants them: line ends unified; a checkbox the
    browser left out is unchecked ("", catalog_edit.UNCHECKED); another absent field is left out
    (preview then leaves it untouched)."""
    values: dict[str, str] = {}
    for spec in specs:
        given = [v for v in form.getall(spec.name, []) if isinstance(v, str)]
        if given:
            values[spec.name] = given[-1].replace("\r\n", "\n").replace("\r", "\n")
        elif spec.kind == "checkbox":
            values[spec.name] = ""
    return values


def _title(settings: StaffSettings, procedure_id: str) -> str:
    catalog = settings.catalog()
    procedure = catalog.get(procedure_id) if catalog is not None else None
    return procedure.short_name if procedure is not None else procedure_id


def _rows(settings: StaffSettings) -> list[Row] | None:
    catalog = settings.catalog()
    if catalog is None:
        return None
    return [Row(p.id, p.short_name, p.verified, count_uncertain(p)) for p in sorted(catalog, key=lambda p: p.id)]


@staff_route(role="officer")
async def catalog_list(request: web.Request) -> web.StreamResponse:
    rows = await asyncio.to_thread(_rows, request.app[SETTINGS_KEY])
    return page(request, "catalog_list.html", procedures=rows or [],
                error=None if rows is not None else texts.CATALOG_UNAVAILABLE)


def _current(procedure_id: str, directory: Path) -> tuple[dict[str, str], dict[str, str]]:
    """The form's current values and its locked fields (name -> why the form cannot change it)."""
    return catalog_edit.form_values(procedure_id, directory), catalog_edit.locked_fields(procedure_id, directory)


@staff_route(role="officer")
async def edit_form(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    procedure_id = request.match_info["id"]
    try:
        values, locked = await asyncio.to_thread(_current, procedure_id, settings.procedures)
    except KeyError:
        return error_page(request, 404, texts.NOT_FOUND)
    except catalog_edit.UnreadableEntry:
        return error_page(request, 422, texts.ENTRY_UNREADABLE)
    return page(request, "catalog_edit.html", procedure_id=procedure_id, title=_title(settings, procedure_id),
                specs=catalog_edit.fields(), values=values, locked=locked)


def _preview_page(request: web.Request, preview: Any, specs: list, values: dict[str, str],
                  status: int = 200) -> web.Response:
    settings = request.app[SETTINGS_KEY]
    problems = list(preview.problems)
    problem_map: dict[str, str] = {}
    for p in problems:  # each reason already starts with the field's label
        if p.field:
            problem_map[p.field] = f"{problem_map[p.field]} {p.reason}" if p.field in problem_map else p.reason
    try:
        locked = catalog_edit.locked_fields(preview.procedure_id, settings.procedures)
    except (KeyError, catalog_edit.UnreadableEntry):
        locked = {}
    return page(request, "catalog_preview.html", status=status, procedure_id=preview.procedure_id,
                title=_title(settings, preview.procedure_id), specs=specs,
                values={s.name: values[s.name] for s in specs if s.name in values}, diff=preview.diff,
                changed=preview.changed, problems=problems, problem_map=problem_map, locked=locked,
                old_hash=old_hash(preview.old_text))


@staff_route(role="officer")
async def preview_edit(request: web.Request) -> web.StreamResponse:
    specs = catalog_edit.fields()
    values = submitted_values(request["staff_form"], specs)
    preview = await _preview_of(request, values)
    if isinstance(preview, web.Response):
        return preview
    return _preview_page(request, preview, specs, values, 200 if preview.ok else 422)


async def _preview_of(request: web.Request, values: dict) -> "catalog_edit.Preview | web.Response":
    """The preview of the submitted values for the procedure in the URL, or the error page."""
    settings = request.app[SETTINGS_KEY]
    try:
        return await asyncio.to_thread(catalog_edit.preview, request.match_info["id"], values, settings.procedures)
    except KeyError:
        return error_page(request, 404, texts.NOT_FOUND)
    except catalog_edit.UnreadableEntry:
        return error_page(request, 422, texts.ENTRY_UNREADABLE)


def _conflict(request: web.Request, procedure_id: str) -> web.Response:
    return page(request, "error.html", status=409, status_code=409, message=texts.EDIT_CONFLICT,
                reload=f"/staff/catalog/{procedure_id}")


@staff_route(role="officer")
async def save_edit(request: web.Request) -> web.StreamResponse:
    settings = request.app[SETTINGS_KEY]
    procedure_id = request.match_info["id"]
    form = request["staff_form"]
    specs = catalog_edit.fields()
    values = submitted_values(form, specs)
    preview = await _preview_of(request, values)
    if isinstance(preview, web.Response):
        return preview
    shown = form.get("old_hash")
    if not isinstance(shown, str) or not hmac.compare_digest(old_hash(preview.old_text), shown):
        return _conflict(request, procedure_id)  # the file is no longer what the officer previewed
    if preview.problems or not preview.changed:
        return _preview_page(request, preview, specs, values, 422 if preview.problems else 200)
    try:
        await asyncio.to_thread(catalog_edit.save, preview, settings.procedures)
    except catalog_edit.EditConflict:
        return _conflict(request, procedure_id)
    except catalog_edit.EditRefused:
        return _preview_page(request, preview, specs, values, 422)
    username = request["staff_session"].account.username
    await asyncio.to_thread(audit.write, username, "catalog_edit", procedure_id, preview.diff, settings.engine)
    raise web.HTTPSeeOther(f"/staff/catalog/{procedure_id}?notice=saved", headers=NO_STORE)


def setup(app: web.Application) -> None:
    app.router.add_get("/staff/catalog", catalog_list)
    app.router.add_get(f"/staff/catalog/{{id:{ID_PATTERN}}}", edit_form)
    app.router.add_post(f"/staff/catalog/{{id:{ID_PATTERN}}}", preview_edit)
    app.router.add_post(f"/staff/catalog/{{id:{ID_PATTERN}}}/save", save_edit)
