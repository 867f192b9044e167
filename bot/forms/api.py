"""What a Rasa action calls: start and continue a form, then deliver the filled files.

    from bot.forms import api

    turn = api.start_form("hdv-noi-dia")                       # None if the procedure has no form
    turn = api.continue_form(state, text, profiles=store)      # each message while a form is open
    if turn.status == "complete":
        result = api.deliver(turn.state, files=file_store, profiles=store, base_url=url)
        result.messages   # [{"text": links + expiry}, {"text": checklist}]
    api.forget_citizen(cccd, store)                            # "xoá thông tin của tôi"

Everything the action needs to keep between messages is `turn.state` (a JSON dict: put it in a
slot). See docs/forms.md for the state's shape and the statuses.
"""
from __future__ import annotations

import datetime as dt
import functools
import os
from dataclasses import dataclass
from typing import Any, Mapping

from bot.answers import Answerer
from bot.forms import session
from bot.forms.checklist import Checklist, build_checklist
from bot.forms.delivery import FileStore, StoredFile
from bot.forms.document import build_document
from bot.forms.fields import check_cccd
from bot.forms.profiles import ProfileStore
from bot.forms.render_docx import render_docx
from bot.forms.render_pdf import render_pdf
from bot.forms.templates import FormView, form_for_procedure, load_texts
from bot.forms.session import Turn

DEFAULT_BASE_URL = "http://localhost:8080"  # the gateway serves /files/ (bot/gateway/web.py)


def default_base_url() -> str:
    """Public address of the file endpoint ($VHTTDL_FILES_BASE_URL), used in download links."""
    return os.environ.get("VHTTDL_FILES_BASE_URL", DEFAULT_BASE_URL)


@functools.lru_cache(maxsize=1)
def _default_answerer() -> Answerer:
    return Answerer.default()


def form_for(procedure_id: str) -> FormView | None:
    """The form a procedure uses, or None (then the bot offers no form filling)."""
    return form_for_procedure(procedure_id)


def start_form(procedure_id: str, known: Mapping[str, Any] | None = None, today: dt.date | None = None) -> Turn | None:
    """Start filling the procedure's form; `known` = profile-keyed facts already known (e.g.
    from the dossier store). None when the procedure has no form template."""
    form = form_for(procedure_id)
    return session.start(form, known, today) if form else None


def continue_form(state: Mapping[str, Any], message: str, profiles: ProfileStore | None = None,
                  today: dt.date | None = None) -> Turn:
    """Handle one citizen message while a form is open."""
    return session.handle(state, message, lookup=profiles.recognise if profiles else None, today=today)


@dataclass(frozen=True)
class Delivery:
    messages: list[dict[str, Any]]  # chat messages: download links, then the checklist
    files: list[StoredFile]  # the PDF first, then the DOCX
    urls: list[str]
    checklist: Checklist
    profile_saved: bool


def render(state: Mapping[str, Any], answerer: Answerer | None = None,
           today: dt.date | None = None) -> tuple[str, bytes, bytes, Checklist]:
    """(file name stem, PDF bytes, DOCX bytes, checklist) for a completed state."""
    answerer = answerer or _default_answerer()
    form = session.view(state)
    on = today or answerer.today or dt.date.today()
    checklist = build_checklist(form, state["values"], answerer)
    doc = build_document(form, state["values"], answerer.department, on, checklist)
    return doc.filename_stem, render_pdf(doc), render_docx(doc), checklist


def deliver(state: Mapping[str, Any], *, files: FileStore, profiles: ProfileStore | None = None,
            base_url: str | None = None, answerer: Answerer | None = None, today: dt.date | None = None,
            owner: str | None = None) -> Delivery:
    """Render the completed form (PDF + DOCX with the checklist), store both behind one expiring
    token (`owner`: the conversation's id, for "xoá thông tin"), save the profile if the citizen
    consented, and compose the chat messages."""
    if state.get("phase") != "complete":
        raise ValueError("the form is not complete")
    stem, pdf, docx, checklist = render(state, answerer, today)
    stored = files.put([(f"{stem}.pdf", pdf), (f"{stem}.docx", docx)], owner=owner)
    saved = False
    if profiles is not None and state.get("consent"):
        values = session.profile_values(state)
        if session.IDENTITY_KEY in values:
            saved = profiles.save(str(values[session.IDENTITY_KEY]), values, consent=True,
                                  may_update=bool(state.get("recognised")))
    url = base_url or default_base_url()
    urls = [s.url(url) for s in stored]
    t = load_texts()["delivery"]
    expires = dt.datetime.fromtimestamp(stored[0].expires_at)
    lines = [t["ready"], t["link"].format(label=t["pdf_label"], url=urls[0]),
             t["link"].format(label=t["docx_label"], url=urls[1]),
             t["expires"].format(time=expires.strftime("%H:%M"), date=expires.strftime("%d/%m/%Y"))]
    # Nothing tells whether it was saved: "not saved" would say that this CCCD has a profile
    # (the consent answer said when one is updated).
    return Delivery([{"text": "\n".join(lines)}, {"text": checklist.as_text()}], stored, urls, checklist, saved)


def forget_citizen(cccd: str, profiles: ProfileStore) -> dict[str, Any]:
    """Delete a citizen's stored profile ("xoá thông tin của tôi"); returns the chat message."""
    check = check_cccd(cccd)
    if not check.ok:
        return {"text": check.error}
    profiles.delete(check.value)
    return {"text": load_texts()["profile"]["deleted"]}  # the same whether anything was stored
