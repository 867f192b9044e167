"""Which form to fill, and what to say around the form session: the pure part of the Rasa
form actions (actions/forms.py).

    desk = FormDesk(dialogue, files, profiles)
    outcome = desk.start(text, entity_procedure, context_procedure, known)   # "điền đơn giúp tôi"
    outcome = desk.answer(state, text, conversation=sender)                  # every message in the form
    outcome = desk.forget(text, conversation=sender)                         # "xoá thông tin của tôi"
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from bot.dialogue import Dialogue
from bot.dossiers.model import Dossier
from bot.dossiers.model import find_code
from bot.forms import api, session
from bot.forms.delivery import FileStore
from bot.forms.fields import ascii_digits, check_phone
from bot.forms.profiles import ProfileStore
from bot.forms.templates import CCCD_IN_TEXT, asks_for_a_form, asks_to_forget, load_texts
from bot.intents import PROCEDURE_ENTITY
from bot.text import clean_input

DONE = ("complete", "cancelled", "stopped")
# 12 digits (CCCD) and a phone number, as typed: "0010 9001 2345", "+84 912 345 678".
_PHONE_RE = re.compile(r"(?<![\d+])(?:\+84|0)(?:[ .]?\d){9,10}(?!\d)")


@dataclass
class FormOutcome:
    messages: list[dict[str, Any]]
    state: dict[str, Any] | None = None  # None: no form open
    slots: dict[str, Any] = field(default_factory=dict)
    delivered: bool = False  # the filled form was just handed over


def _reply(message: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in message.items() if k in ("text", "buttons", "attachment") and v}


def dossier_lookup(dossier: Dossier | None):
    """A recognition source from a dossier looked up in this conversation: once the citizen has
    typed the dossier's CCCD *and* phone in full, its name is filled in. Nothing from the dossier
    is shown before that: the lookup's 4 digits are not proof enough to reveal an identity."""
    def lookup(cccd: str, proof: Mapping[str, Any]) -> dict[str, str] | None:
        if dossier is None or not dossier.applicant_id_number or cccd != dossier.applicant_id_number:
            return None
        if not dossier.applicant_phone or proof.get("phone") != dossier.applicant_phone:
            return None
        return {"full_name": dossier.applicant_name}
    return lookup


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
        if isinstance(entity, str) and entity in ids:
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
            if isinstance(named, str) and named in self.dialogue.catalog:
                return FormOutcome([{"text": self.texts["no_template"].format(
                    procedure=self.dialogue.catalog.get(named).short_name)}] + self.offer().messages)
            return self.offer()
        turn = api.start_form(procedure, known)
        return FormOutcome([_reply(m) for m in turn.messages], turn.state, {"procedure": procedure})

    def asks_for_a_form(self, text: str) -> bool:
        """Whether a message really asks for a filled form ("điền đơn", "làm đơn giúp", "tờ
        khai"): the model sometimes reads a plain question as one."""
        return asks_for_a_form(text, self.texts)

    # ------------------------------------------------------------------ filling

    def answer(self, state: Mapping[str, Any] | None, text: str, dossier: Dossier | None = None,
               conversation: str | None = None) -> FormOutcome:
        """One message while the form is open. `dossier`: one the citizen proved in this
        conversation (a recognition source, see dossier_lookup); `conversation`: its id, kept
        (hashed) with the files delivered so that "xoá thông tin" can delete them."""
        if not state or state.get("phase") in DONE:
            return FormOutcome([{"text": self.texts["no_form_open"]}])
        if text.lstrip().startswith("/") or find_code(text):
            # An old button of another question, or a dossier code: not an answer to print on
            # the official form.
            form = session.view(state)
            return FormOutcome([{"text": self.texts["busy"].format(form=form.name)}], dict(state))
        from_dossier = dossier_lookup(dossier)

        def lookup(cccd: str, proof: Mapping[str, Any]) -> dict[str, Any] | None:
            return self.profiles.recognise(cccd, proof) or from_dossier(cccd, proof)

        turn = session.handle(state, text, lookup=lookup)
        messages = [_reply(m) for m in turn.messages]
        if turn.state.get("phase") == "complete":
            delivery = api.deliver(turn.state, files=self.files, profiles=self.profiles, base_url=self.base_url,
                                   answerer=self.dialogue.answerer, owner=conversation)
            messages += [_reply(m) for m in delivery.messages]
            # The files themselves, for channels that can send documents (Telegram); the web
            # widget shows them as download links.
            messages += [{"text": f.filename, "attachment": {"url": url, "name": f.filename}}
                         for f, url in zip(delivery.files, delivery.urls)]
            return FormOutcome(messages, None, delivered=True)
        return FormOutcome(messages, None if turn.state.get("phase") in DONE else turn.state)

    # ------------------------------------------------------------------ "xoá thông tin của tôi"

    def asks_to_forget(self, text: str) -> bool:
        """Whether a message really asks to delete stored details ("xoá thông tin của tôi", or
        a CCCD with it): the model sometimes reads a plain question as one."""
        return asks_to_forget(text, self.texts)

    def forget(self, text: str, conversation: str | None = None) -> FormOutcome:
        """Delete what is kept about the citizen: the files delivered in this `conversation` (its
        id: the conversation itself is the proof, and they go at once), and a stored profile, for
        which the message must hold its CCCD and the phone stored with it (the same proof as
        recognition). The reply is the same whether anything was deleted."""
        if conversation:
            self.files.forget(conversation)
        text = ascii_digits(clean_input(text))
        m = CCCD_IN_TEXT.search(text)
        cccd = re.sub(r"\D", "", m.group(0)) if m else None
        rest = text[:m.start()] + " " + text[m.end():] if m else text
        p = _PHONE_RE.search(rest)
        phone = check_phone(p.group(0)) if p else None
        if not cccd or not phone or not phone.ok:
            return FormOutcome([{"text": load_texts()["profile"]["ask_cccd"]}])
        self.profiles.forget(cccd, {"phone": phone.value})
        return FormOutcome([{"text": load_texts()["profile"]["deleted"]}])
