"""The dossier lookup conversation: code, then the second check, then the status.

Pure logic, no Rasa: `DossierDesk.respond(DossierTurn) -> Outcome`. The code and the verified
codes live in Rasa slots (the tracker store), failed checks in the guard's SQLite file: nothing
about a conversation is kept in this process.

Safety rules:
- nothing about a dossier is shown before the last 4 digits of the phone number or CCCD on it;
- an unknown code and wrong digits get the same reply (no way to learn which codes exist);
- too many failures for one code or one sender lock lookups for a while (bot/dossiers/guard.py);
- the name is masked and the phone and CCCD are never shown or logged.
"""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from typing import Callable

from bot.dialogue import SLOT_CANDIDATES, SLOT_LAST_FACET, SLOT_PENDING_FACET, SLOT_PROCEDURE, Outcome
from bot.dossiers.guard import LookupGuard
from bot.dossiers.model import code_span, find_code
from bot.dossiers.replies import DossierReplies, FactorReader
from bot.dossiers.source import DossierSource, SourceUnavailable

log = logging.getLogger(__name__)

SLOT_CODE = "dossier_code"  # the code being asked about
SLOT_VERIFIED = "dossier_verified"  # codes this conversation has proved (list)


@dataclass(frozen=True)
class DossierTurn:
    text: str
    sender: str
    code: str | None = None  # from the NLU entity, if any
    last_digits: str | None = None  # from the NLU entity, if any
    pending_code: str | None = None
    verified: tuple[str, ...] = ()
    client: str | None = None  # the gateway's hashed client address, when it sends one


class DossierDesk:
    def __init__(self, source: DossierSource, guard: LookupGuard, replies: DossierReplies,
                 today: Callable[[], dt.date] = dt.date.today):
        self.source = source
        self.guard = guard
        self.replies = replies
        self.today = today
        self._factor = FactorReader.from_texts(replies.texts)

    def last_digits(self, text: str) -> str | None:
        """The 4 digits of a message that says nothing else ("4 số cuối là 5678 ạ")."""
        span = code_span(text)
        if span:  # "mã ...-0001, số cuối 5678": look only outside the code
            text = text[:span[0]] + " " + text[span[1]:]
        return self._factor.read(text)

    def respond(self, turn: DossierTurn) -> Outcome:
        code = turn.code or find_code(turn.text)
        digits = turn.last_digits or self.last_digits(turn.text)
        verified = tuple(turn.verified)
        if code:
            if code in verified:
                return self._show(code, verified)
            if digits:
                return self._check(code, digits, turn, verified)
            if self.guard.locked(code, turn.sender, turn.client):
                return self._locked(code, turn.sender, turn.client)
            return Outcome([self.replies.simple("ask_factor", code=code)], {SLOT_CODE: code})
        pending = turn.pending_code
        if digits:
            if not pending:
                return Outcome([self.replies.simple("need_code_first")])
            return self._check(pending, digits, turn, verified)
        if pending and pending in verified:
            return self._show(pending, verified)  # "hồ sơ đến đâu rồi?" again: no new proof
        if pending:
            return Outcome([self.replies.simple("ask_factor", code=pending)])
        return Outcome([self.replies.simple("ask_code")])

    def _check(self, code: str, digits: str, turn: DossierTurn, verified: tuple[str, ...]) -> Outcome:
        sender, client = turn.sender, turn.client
        if self.guard.locked(code, sender, client):
            return self._locked(code, sender, client)
        try:
            dossier = self.source.get(code)
        except SourceUnavailable:
            return Outcome([self.replies.simple("unavailable")], {SLOT_CODE: code}, "other")
        if dossier is not None and dossier.matches_factor(digits):
            verified = verified + (code,)
            return Outcome([self.replies.status(dossier, self.today())],
                           {SLOT_CODE: code, SLOT_VERIFIED: list(verified), **_discussing(dossier)},
                           event="lookup_ok")
        if self.guard.record_failure(code, sender, client):
            log.warning("dossier lookups locked after repeated failed checks")
            return self._locked(code, sender, client)
        return Outcome([self.replies.simple("mismatch")], {SLOT_CODE: code}, "other", "lookup_failed_check")

    def _show(self, code: str, verified: tuple[str, ...]) -> Outcome:
        try:
            dossier = self.source.get(code)
        except SourceUnavailable:
            return Outcome([self.replies.simple("unavailable")], {SLOT_CODE: code}, "other")
        if dossier is None:  # withdrawn from the system since it was verified
            return Outcome([self.replies.simple("mismatch")], {SLOT_CODE: code}, "other")
        return Outcome([self.replies.status(dossier, self.today())],
                       {SLOT_CODE: code, SLOT_VERIFIED: list(verified), **_discussing(dossier)},
                           event="lookup_ok")

    def _locked(self, code: str, sender: str, client: str | None = None) -> Outcome:
        minutes = max(1, -(-int(self.guard.locked_for(code, sender, client)) // 60))  # rounded up
        return Outcome([self.replies.simple("locked", minutes=minutes)], {SLOT_CODE: code}, "other", "lookup_locked")


def _discussing(dossier) -> dict:
    """After a verified lookup, the dossier's procedure is the one under discussion: "phí bao
    nhiêu?" next is about it (and "khi nào có kết quả?" about the dossier, see bot.dialogue)."""
    return {SLOT_PROCEDURE: dossier.procedure_id, SLOT_LAST_FACET: None, SLOT_PENDING_FACET: None,
            SLOT_CANDIDATES: None}
