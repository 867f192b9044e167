"""What to answer, given what the citizen said and what the conversation already holds.

Pure logic, no Rasa: `Dialogue.respond(Turn) -> Outcome`. The Rasa action (actions/) only
copies the tracker into a Turn and the Outcome back into messages and slot events, so every
decision here is unit-tested without a server. All conversation state lives in the Turn's slots
(stored by Rasa's tracker store), never in this process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from bot.answers import Answerer, Reply
from bot.intents import INTENT_FACETS
from bot.lexicon import Phrase
from bot.retrieval import Match, ProcedureIndex
from bot.text import clean_input, fold, has_words, words

# Slot names (domain.yml declares the same).
SLOT_PROCEDURE = "procedure"  # the procedure under discussion
SLOT_LAST_FACET = "last_facet"  # what was answered last ("còn thẻ quốc tế?" reuses it)
SLOT_PENDING_FACET = "pending_facet"  # asked, waiting for the citizen to name a procedure
SLOT_CANDIDATES = "candidates"  # procedures just offered as choices
SLOTS = (SLOT_PROCEDURE, SLOT_LAST_FACET, SLOT_PENDING_FACET, SLOT_CANDIDATES)

FACT_COMPARABLE = ("fees", "processing_time")  # facets short enough to show side by side
_CHOICE_RE = re.compile(r"^(?:so|cai|lua chon|chon|muc|thu tuc)?\s*(?:thu|so)?\s*(\d)\s*$")


@dataclass(frozen=True)
class Turn:
    intent: str
    text: str
    entity_procedure: str | None = None
    procedure: str | None = None
    last_facet: str | None = None
    pending_facet: str | None = None
    candidates: tuple[str, ...] = ()


@dataclass
class Outcome:
    replies: list[Reply]
    slots: dict[str, Any] = field(default_factory=dict)


def _phrases(items: list[str]) -> list[Phrase]:
    return sorted((tuple(words(p)) for p in items), key=len, reverse=True)


def _contains(tokens: list[str], phrase: Phrase) -> bool:
    k = len(phrase)
    return any(tuple(tokens[i:i + k]) == phrase for i in range(len(tokens) - k + 1))


class Dialogue:
    def __init__(self, answerer: Answerer, index: ProcedureIndex, lexicon_raw: dict[str, Any]):
        self.answerer = answerer
        self.index = index
        self.catalog = answerer.catalog
        self._submission_focus = {k: _phrases(v) for k, v in (lexicon_raw.get("submission_focus") or {}).items()}
        self._contact_focus = {k: _phrases(v) for k, v in (lexicon_raw.get("contact_focus") or {}).items()}
        self._follow_up = _phrases(lexicon_raw.get("follow_up_markers") or [])

    # ------------------------------------------------------------------ helpers

    def _focus(self, text: str, table: dict[str, list[Phrase]]) -> str | None:
        tokens = words(text)
        for name, phrases in table.items():
            if any(_contains(tokens, p) for p in phrases):
                return name
        return None

    def _answered(self, procedure_id: str, facet: str, text: str, alternatives: tuple = ()) -> Outcome:
        procedure = self.catalog.get(procedure_id)
        focus = self._focus(text, self._submission_focus) if facet == "submission" else None
        replies = [self.answerer.answer(procedure, facet, focus=focus)]
        if alternatives:
            replies.append(self.answerer.alternatives(list(alternatives), facet))
        return Outcome(replies, {SLOT_PROCEDURE: procedure.id, SLOT_LAST_FACET: facet,
                                 SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _offer(self, match: Match, facet: str) -> Outcome:
        procedures = list(match.procedures)
        if facet in FACT_COMPARABLE and not match.variant_mismatch:
            reply = self.answerer.compare(procedures, facet)
        else:
            reply = self.answerer.choose(procedures, facet, match.variant_mismatch)
        return Outcome([reply], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: [p.id for p in procedures]})

    def _picked_by_number(self, text: str, candidates: tuple[str, ...]) -> str | None:
        m = _CHOICE_RE.match(fold(text).strip(" .!?"))
        if m and 1 <= int(m.group(1)) <= len(candidates):
            return candidates[int(m.group(1)) - 1]
        return None

    def _facet_for(self, turn: Turn) -> str:
        if turn.intent == "ask_procedure":
            if turn.pending_facet:
                return turn.pending_facet
            tokens = words(turn.text)
            if turn.last_facet and any(_contains(tokens, p) for p in self._follow_up):
                return turn.last_facet
            return "overview"
        return INTENT_FACETS.get(turn.intent) or turn.pending_facet or "overview"

    # ------------------------------------------------------------------ turns

    def respond(self, turn: Turn) -> Outcome:
        """The reply to one procedure question (any ask_* intent, affirm, deny)."""
        if turn.intent == "deny":
            return Outcome([self.answerer.deny()], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})
        if turn.intent == "affirm":
            if len(turn.candidates) == 1 and turn.candidates[0] in self.catalog:
                return self._answered(turn.candidates[0], turn.pending_facet or "overview", turn.text)
            if turn.candidates:
                return Outcome([self.answerer.choose_one()])
            return Outcome([self.answerer.nothing_pending()])

        facet = self._facet_for(turn)
        if turn.entity_procedure and turn.entity_procedure in self.catalog:
            return self._answered(turn.entity_procedure, facet, turn.text)

        text = clean_input(turn.text)
        if not has_words(text):
            return Outcome([self.answerer.bad_input()])

        if turn.candidates:
            picked = self._picked_by_number(text, turn.candidates)
            if picked:
                return self._answered(picked, facet, text)
            within = self.index.search(text, context=turn.procedure, within=turn.candidates)
            if within.kind == "found":
                return self._answered(within.best.id, facet, text)

        match = self.index.search(text, context=turn.procedure)
        if match.kind == "found":
            return self._answered(match.best.id, facet, text, match.alternatives)
        if match.kind == "ambiguous":
            return self._offer(match, facet)
        context = turn.procedure if turn.procedure in self.catalog else None
        if match.unknown_words and not (match.kind == "weak" and not context):
            # The message names something the catalog does not have ("hộ chiếu"): say so
            # rather than answer about the procedure discussed before.
            return Outcome([self.answerer.not_in_catalog(facet)], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None})
        if context:
            return self._answered(context, facet, text)
        if match.kind == "weak":
            return Outcome([self.answerer.suggest(match.best, facet)],
                           {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: [match.best.id]})
        return Outcome([self.answerer.need_procedure(facet)], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None})

    def fallback(self, turn: Turn) -> Outcome:
        """NLU was unsure. A message that clearly names a procedure still gets an answer."""
        text = clean_input(turn.text)
        if not has_words(text):
            return Outcome([self.answerer.bad_input()])
        match = self.index.search(text, context=turn.procedure)
        if match.kind == "found" and not match.unknown_words:
            return self._answered(match.best.id, turn.pending_facet or "overview", text)
        return Outcome([self.answerer.fallback()])

    def out_of_scope(self, turn: Turn) -> Outcome:
        return Outcome([self.answerer.out_of_scope()], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def contact(self, turn: Turn) -> Outcome:
        return Outcome([self.answerer.department_info(self._focus(turn.text, self._contact_focus))])
