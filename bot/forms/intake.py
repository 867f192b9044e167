"""Which form to fill, and what to say around the form session: the pure part of the Rasa
form actions (actions/forms.py).

    desk = FormDesk(dialogue, files, profiles)
    outcome = desk.start(text, entity_procedure, context_procedure, known)   # "điền đơn giúp tôi"
    outcome = desk.answer(state, text)                                       # every message in the form
    outcome = desk.forget(text)                                              # "xoá thông tin của tôi"
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from bot.answers import Button, Reply
from bot.dialogue import Dialogue
from bot.dossiers.model import Dossier
from bot.forms import api
from bot.forms.delivery import FileStore
from bot.forms.profiles import ProfileStore
from bot.forms.templates import load_texts
from bot.intents import PROCEDURE_ENTITY
from bot.text import clean_input

DONE = ("complete", "cancelled", "stopped")
_CCCD_RE = re.compile(r"(?<!\d)(\d[\d .]{10,16}\d)(?!\d)")


@dataclass
class FormOutcome:
    messages: list[dict[str, Any]]
    state: dict[str, Any] | None = None  # None: no form open
    slots: dict[str, Any] = field(default_factory=dict)


def _reply(message: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k in ("text", "buttons", "attachment") and v}


def known_from_dossier(dossier: Dossier | None) -> dict[str, str]:
    """Profile-keyed facts from a dossier the citizen has proved is theirs."""
    if dossier is None:
        return {}
    known = {"full_name": dossier.applicant_name, "phone": dossier.applicant_phone, "cccd": dossier.applicant_id_number}
    return {k: v for k, v in known.items() if v}


class FormDesk:
    def __init__(self, dialogue: Dialogue, files: FileStore, profiles: ProfileStore, base_url: str | None = None):
        self.dialogue = dialogue
        self.files = files
        self.profiles = profiles
        self.base_url = base_url
        self.texts = load_texts()["intake"]

    # ------------------------------------------------------------------ starting

    def with_forms(self) -> list[str]:
        return [p.id for p in self.dialogue.catalog if api.form_for(p.id) is not None]

    def choose(self, text: str, entity: str | None, context: str | None) -> str | None:
        """The procedure whose form to fill: a clicked button, a procedure named in the message,
        or the one under discussion - if it has a form template."""
        ids = set(self.with_forms())
        if entity in ids:
            return entity
        match = self.dialogue.index.search(clean_input(text), within=ids) if clean_input(text) else None
        if match is not None and match.kind == "found":
            return match.best.id
        if match is not None and match.kind == "ambiguous" and context in {p.id for p in match.procedures}:
            return context
        if (match is None or match.kind in ("none", "weak")) and context in ids:
            return context
        return None

    def offer(self) -> FormOutcome:
        buttons = [{"title": self.dialogue.catalog.get(pid).short_name,
                    "payload": '/request_form{"%s":"%s"}' % (PROCEDURE_ENTITY, pid)} for pid in self.with_forms()]
        return FormOutcome([{"text": self.texts["which"], "buttons": buttons}])

    def start(self, text: str, entity: str | None = None, context: str | None = None,
              known: Mapping[str, Any] | None = None) -> FormOutcome:
        procedure = self.choose(text, entity, context)
        if procedure is None:
            named = entity or context
            if named and named in self.dialogue.catalog:
                return FormOutcome([{"text": self.texts["no_template"].format(
                    procedure=self.dialogue.catalog.get(named).short_name)}] + self.offer().messages)
            return self.offer()
        turn = api.start_form(procedure, known)
        return FormOutcome([_reply(m) for m in turn.messages], turn.state, {"procedure": procedure})

    # ------------------------------------------------------------------ filling

    def answer(self, state: Mapping[str, Any] | None, text: str) -> FormOutcome:
        if not state or state.get("phase") in DONE:
            return FormOutcome([{"text": self.texts["no_form_open"]}])
        turn = api.continue_form(state, text, profiles=self.profiles)
        messages = [_reply(m) for m in turn.messages]
        if turn.state.get("phase") == "complete":
            delivery = api.deliver(turn.state, files=self.files, profiles=self.profiles, base_url=self.base_url,
                                   answerer=self.dialogue.answerer)
            messages += [_reply(m) for m in delivery.messages]
            # The files themselves, for channels that can send documents (Telegram); the web
            # widget shows them as download links.
            messages += [{"text": f.filename, "attachment": {"url": url, "name": f.filename}}
                         for f, url in zip(delivery.files, delivery.urls)]
            return FormOutcome(messages, None)
        return FormOutcome(messages, None if turn.state.get("phase") in DONE else turn.state)

    # ------------------------------------------------------------------ "xoá thông tin của tôi"

    def forget(self, text: str) -> FormOutcome:
        m = _CCCD_RE.search(clean_input(text))
        if not m:
            return FormOutcome([{"text": load_texts()["profile"]["ask_cccd"]}])
        return FormOutcome([api.forget_citizen(m.group(1), self.profiles)])
