"""What to answer, given what the citizen said and what the conversation already holds.

Pure logic, no Rasa: `Dialogue.respond(Turn) -> Outcome`. The Rasa action (actions/) only
copies the tracker into a Turn and the Outcome back into messages and slot events, so every
decision here is unit-tested without a server. All conversation state lives in the Turn's slots
(stored by Rasa's tracker store), never in this process.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from bot.answers import Answerer, Button, Reply
from bot.intents import INTENT_FACETS, form_payload
from bot.lexicon import Phrase
from bot.retrieval import Match, ProcedureIndex
from bot.text import clean_input, fold, has_words, phrase_positions, words

# Slot names (domain.yml declares the same).
SLOT_PROCEDURE = "procedure"  # the procedure under discussion
SLOT_LAST_FACET = "last_facet"  # what was answered last ("còn thẻ quốc tế?" reuses it)
SLOT_PENDING_FACET = "pending_facet"  # asked, waiting for the citizen to name a procedure
SLOT_CANDIDATES = "candidates"  # procedures just offered as choices

FACT_COMPARABLE = ("fees", "processing_time")  # facets short enough to show side by side
FORM_FACETS = ("forms", "documents")  # answers that offer to fill the form in the chat
# Evidence (Match.other_subject) that a follow-up is about a subject the catalog lacks: one
# word typed with diacritics that the catalog never uses ("chiếu"), or two typed without.
OTHER_SUBJECT = 1.0
SURE_FACET = 0.9  # below this NLU confidence, "còn ... thì sao?" keeps the previous facet
# In a follow-up, another procedure is taken only if it explains nearly the whole message
# ("còn karaoke thì sao": 0.93); stray words matching elsewhere ("văn bản pháp lý nào quy
# định": 0.72, "phải cách trường học bao xa": 0.79) keep the procedure under discussion.
SWITCH_SCORE = 0.85
# Unrelated procedures tied at a low score share only common words ("làm hộ chiếu online phí
# bn" ties karaoke and hotel rating at 0.67): that is no choice worth offering.
OFFER_SCORE = 0.8
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
    confidence: float = 1.0  # the NLU's confidence in `intent`


@dataclass
class Outcome:
    replies: list[Reply]
    slots: dict[str, Any] = field(default_factory=dict)


def _contains(tokens: list[str], phrase: Phrase) -> bool:
    return bool(phrase_positions(tokens, phrase))


class Dialogue:
    def __init__(self, answerer: Answerer, index: ProcedureIndex, has_form: Callable[[str], bool] = lambda _: False):
        self.answerer = answerer
        self.index = index
        self.has_form = has_form  # procedure id -> can bot.forms fill its form?
        self.catalog = answerer.catalog
        lexicon = self.catalog.lexicon
        self._submission_focus = lexicon.submission_focus
        self._contact_focus = lexicon.contact_focus
        self._question_focus = lexicon.question_focus
        self._follow_up = lexicon.follow_up_markers

    # ------------------------------------------------------------------ helpers

    def _asked(self, text: str) -> str | None:
        """The facet a plain question word asks about (data/lexicon.yml: question_focus)."""
        key = self._focus(text, self._question_focus)
        return "overview" if key == "authority" else key

    def _focus(self, text: str, table: dict[str, tuple[Phrase, ...]]) -> str | None:
        tokens = words(text)
        for name, phrases in table.items():
            if any(_contains(tokens, p) for p in phrases):
                return name
        return None

    def _answered(self, procedure_id: str, facet: str, text: str, alternatives: tuple = ()) -> Outcome:
        procedure = self.catalog.get(procedure_id)
        focus = self._focus(text, self._submission_focus) if facet == "submission" else None
        replies = [self.answerer.answer(procedure, facet, focus=focus)]
        if facet in FORM_FACETS and self.has_form(procedure.id):
            first = replies[0]
            fill = Button(self.answerer.phrase("fill_form_button"), form_payload(procedure.id))
            replies[0] = Reply(first.text, first.buttons + (fill,))
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

    def _stays_with(self, context: str, match: Match, text: str) -> bool:
        """Whether a follow-up is still about the procedure under discussion although retrieval
        found something else: the other procedure does not explain the message well enough."""
        discussed = self.catalog.get(context)
        if match.kind == "found":
            other = match.best
            related = other.id == context or (discussed.group is not None and other.group == discussed.group)
            return not related and match.scores[0] < SWITCH_SCORE
        if match.kind == "ambiguous" and match.other_subject < OTHER_SUBJECT:
            if context in {p.id for p in match.procedures}:
                return True
            own = self.index.search(text, within={context})
            return own.kind in ("found", "weak") and own.scores[0] >= match.scores[0] - 0.1
        return False

    def _facet_for(self, turn: Turn) -> str:
        follow_up = bool(turn.last_facet) and any(_contains(words(turn.text), p) for p in self._follow_up)
        if turn.intent == "ask_procedure":
            if turn.pending_facet:
                return turn.pending_facet
            return turn.last_facet if follow_up else "overview"
        if follow_up and turn.confidence < SURE_FACET:
            # "còn tăng thêm phòng thì sao?" keeps the question asked before, unless the model
            # is sure the facet changed ("còn phí thì sao?").
            return turn.last_facet
        return INTENT_FACETS.get(turn.intent) or turn.pending_facet or "overview"

    # ------------------------------------------------------------------ turns

    def respond(self, turn: Turn) -> Outcome:
        """The reply to one procedure question (any ask_* intent, affirm, deny)."""
        if turn.intent in ("affirm", "deny") and not turn.candidates:
            # "ko"/"dc" in a real question can look like a yes or a no ("triển lãm tranh có phải
            # xin phép ko"): a message that asks plainly about a named procedure is answered.
            rescued = self._named_question(turn)
            if rescued:
                return rescued
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
            # The reply may name a variant that was not offered but is in the same group
            # ("cấp đổi" after the first-issue cards were offered).
            groups = {p.group for c in turn.candidates if (p := self.catalog.get(c)) and p.group}
            offered = set(turn.candidates) | {m.id for g in groups for m in self.catalog.group(g)}
            within = self.index.search(text, context=turn.procedure, within=offered)
            if within.kind == "found":
                return self._answered(within.best.id, facet, text)
            if within.kind == "none" and self.index.search(text).kind == "none":
                # "phí bao nhiêu?" right after a choice was offered: the same choice, for that question.
                offered_now = [p for c in turn.candidates if (p := self.catalog.get(c))]
                if len(offered_now) > 1:
                    return self._offer(Match("ambiguous", tuple(offered_now), tuple(1.0 for _ in offered_now)), facet)

        match = self.index.search(text, context=turn.procedure)
        discussed = self.catalog.get(turn.procedure) if turn.procedure else None
        if match.kind in ("none", "weak") and discussed is not None and discussed.group:
            # "thế cấp đổi thì sao?" names only a variant of the procedure under discussion.
            siblings = [p.id for p in self.catalog.group(discussed.group)]
            same_group = self.index.search(text, context=discussed.id, within=siblings)
            if same_group.kind == "found" and same_group.best.id != discussed.id:
                return self._answered(same_group.best.id, facet, text)
        if (match.kind == "ambiguous" and match.scores and match.scores[0] < OFFER_SCORE
                and len({p.group or p.id for p in match.procedures}) > 1):
            match = Match("none", other_subject=match.other_subject, unknown_words=match.unknown_words)
        context = turn.procedure if turn.procedure in self.catalog else None
        if context and self._stays_with(context, match, text):
            return self._answered(context, facet, text)
        if match.kind == "found":
            return self._answered(match.best.id, facet, text, match.alternatives)
        if match.kind == "ambiguous" and match.other_subject < OTHER_SUBJECT:
            return self._offer(match, facet)
        if match.other_subject >= OTHER_SUBJECT or (match.other_subject and not context):
            # The message names something the catalog does not have ("hộ chiếu"): say so rather
            # than answer about the procedure discussed before, which stays one tap away.
            offered = self.catalog.get(context) if context else None
            return Outcome([self.answerer.not_in_catalog(facet, offered)],
                           {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None})
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
        if match.kind == "found" and match.other_subject < OTHER_SUBJECT:
            facet = turn.pending_facet or self._asked(text) or "overview"
            return self._answered(match.best.id, facet, text)
        return Outcome([self.answerer.fallback()])

    def out_of_scope(self, turn: Turn) -> Outcome:
        """Off-topic. If the message also names a procedure clearly ("quán karaoke nào hay"),
        that procedure is offered as a button: a misread question is one tap from its answer. If
        it also asks plainly about one detail ("hồ sơ ...", "lệ phí ..."), that is answered."""
        text = clean_input(turn.text)
        match = self.index.search(text)
        named = match.best if match.kind == "found" and match.other_subject < OTHER_SUBJECT else None
        facet = self._asked(text) if named else None
        if named and facet:
            # A procedure named with a plain question word ("hồ sơ ...", "phí ...") is in scope,
            # whatever the model thought.
            return self._answered(named.id, facet, text)
        return Outcome([self.answerer.out_of_scope(named)], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _named_question(self, turn: Turn) -> Outcome | None:
        """An answer when the message asks plainly (a question word) about a clearly named
        procedure, or about the one under discussion; None otherwise."""
        text = clean_input(turn.text)
        key = self._focus(text, self._question_focus)
        if not key or not has_words(text):
            return None
        facet = "overview" if key == "authority" else key
        match = self.index.search(text, context=turn.procedure)
        context = turn.procedure if turn.procedure in self.catalog else None
        # The procedure under discussion is meant only by a specific question ("ai ra quyết
        # định", "phí bao nhiêu"), not by a bare "thế nào" that fits any small talk.
        if context and key != "overview" and match.other_subject < OTHER_SUBJECT and (
                match.kind in ("none", "weak") or self._stays_with(context, match, text)):
            return self._answered(context, facet, text)
        if match.kind == "found" and match.other_subject < OTHER_SUBJECT:
            return self._answered(match.best.id, facet, text)
        return None

    def bot_challenge(self, turn: Turn) -> Outcome:
        """"Bạn là ai?" - unless the message is really a question about a procedure ("ai ra quyết
        định công nhận", "nhà hàng có ban nhạc thì có phải xin phép không")."""
        return self._named_question(turn) or Outcome([Reply(self.answerer.phrase("bot_challenge"))])

    def contact(self, turn: Turn) -> Outcome:
        """The department's details, unless the message names a procedure and asks nothing about
        the department ("khách sạn 4 sao thì Sở có công nhận không?" is about the procedure)."""
        text = clean_input(turn.text)
        focus = self._focus(text, self._contact_focus)
        if focus in (None, "address") and has_words(text):
            # "nộp hồ sơ karaoke ở địa chỉ nào" is about where that procedure is submitted.
            match = self.index.search(text)
            if match.kind == "found" and match.other_subject < OTHER_SUBJECT:
                facet = self._asked(text) or ("submission" if focus else "overview")
                return self._answered(match.best.id, facet, text)
        return Outcome([self.answerer.department_info(focus)])
