"""What to answer, given what the citizen said and what the conversation already holds.

Pure logic, no Rasa: `Dialogue.respond(Turn) -> Outcome`. The Rasa action (actions/) only
copies the tracker into a Turn and the Outcome back into messages and slot events, so every
decision here is unit-tested without a server. All conversation state lives in the Turn's slots
(stored by Rasa's tracker store), never in this process.

Each entry point (one per kind of intent) runs an ordered list of small rules; the first rule
that answers wins. The intent model says what kind of message it saw, but it is one signal among
others: a message that describes a situation a catalog procedure covers is answered as a
question about that procedure even when the model read it as small talk or off-topic
("in scope beats out of scope"); a question about the dossier just looked up is answered from
that dossier; a question about the whole catalogue is answered from the whole catalog; another
agency's procedure is pointed to that agency. The rule lists (`*_RULES` below) read top to
bottom in the order they are tried.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Callable

from bot.answers import Answerer, Button, Reply
from bot.catalogue import CatalogueQuestion
from bot.forms.templates import asks_for_a_form, asks_to_forget, load_texts as load_form_texts
from bot.intents import FACET_INTENTS, INTENT_FACETS, check_payload, form_payload
from bot.lexicon import Phrase, Typed, contains_any, find_phrase
from bot.precheck import asks_for_a_check
from bot.retrieval import Match, ProcedureIndex
from bot.text import clean_input, fold, has_words, normalize, phrase_positions, words
from bot.yesno import read_yes_no

# Slot names (domain.yml declares the same).
SLOT_PROCEDURE = "procedure"  # the procedure under discussion
SLOT_LAST_FACET = "last_facet"  # what was answered last ("còn thẻ quốc tế?" reuses it)
SLOT_PENDING_FACET = "pending_facet"  # asked, waiting for the citizen to name a procedure
SLOT_CANDIDATES = "candidates"  # procedures just offered as choices

FACT_COMPARABLE = ("fees", "processing_time")  # facets short enough to show side by side
SHORT_FACETS = ("fees", "processing_time", "submission")
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
# A message the model did not read as a procedure question is answered as one only when
# retrieval is this sure of the procedure (and the message asks or describes a need).
RESCUE_SCORE = 0.6
RESCUE_MASS = 8.0  # ... or when the words it explains weigh this much (a long situation explains a small share)
WORDS_PER_UNKNOWN = 4  # a situation of 20 words may hold 5 words the catalog never uses
# The situation search (bot/situations.py) for long messages retrieval could not place: its BM25
# score to answer at all, how far the first must lead the second to be answered alone, and how
# close others must be to be offered with it.
SITUATION_WORDS = 8
SITUATION_SCORE = 5.0
SITUATION_LEAD = 1.5
SITUATION_CLOSE = 0.75
ASIDE_CONFIDENCE = 0.6  # a question typed while a form waits for an answer, read this surely
SMALL_TALK_WORDS = 4  # "ok cảm ơn nhé" is small talk; a longer message may hold a question
LONG_MESSAGE_WORDS = 15  # from this length the model's facet guess yields to the message's plain question words
SHORT_ANSWER_WORDS = 3  # a yes/no the model saw in a longer message is only trusted when the words say so
# Where a fact a detail question found belongs to the facet asked, the facet's own answer
# (which lists that fact among the others) is given instead.
DETAIL_FACETS = {"documents": "documents", "documents_note": "documents", "fees": "fees", "fees_note": "fees",
                 "processing_time": "processing_time", "submission": "submission", "submission_note": "submission",
                 "conditions": "conditions", "conditions_note": "conditions", "forms": "forms"}
# Intents the model is trusted with: set by rule (a dossier code, the 4 digits) or by a button.
FIXED_INTENTS = ("inform_last_digits",)
# The intent of a question about the whole catalogue, by what it asks about.
CATALOGUE_INTENTS = {"free": "ask_fee", "fastest": "ask_time"}
# Intents the model may have misread when the words show a question about a procedure.
REFINABLE = ("out_of_scope", "nlu_fallback", "greet", "goodbye", "thank", "bot_challenge", "ask_contact",
             "check_dossier", "request_form", "forget_profile", "ask_dossier_status")
SMALL_TALK_INTENTS = ("greet", "goodbye", "thank", "bot_challenge")
VARIANT_PICKERS = ("action", "scope")  # variant dimensions whose keywords name no subject
SURE_OVERVIEW = 0.98  # "how to go about it" is the model's default guess: a plain facet word beats it unless it is sure
# Each run of spaces is read one way only (two adjacent \s* around an absent word would split a
# long run in every possible way before failing: quadratic).
_CHOICE_RE = re.compile(r"^(?:so|cai|lua chon|chon|muc|thu tuc)?\s*(?:(?:thu|so)\s*)?(\d)\s*$")


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
    dossier: Any = None  # the dossier this conversation looked up and proved (bot.dossiers.model.Dossier)


# What became of a citizen's message, for the department's figures (bot/analytics): answered,
# ambiguous (the assistant asked which procedure), fallback (not understood), out_of_scope
# (not the department's business), other (a step: yes/no, greetings, a second check...).
KINDS = ("answered", "ambiguous", "fallback", "out_of_scope", "other")


@dataclass
class Outcome:
    replies: list[Reply]
    slots: dict[str, Any] = field(default_factory=dict)
    kind: str = "answered"
    event: str | None = None  # lookup_ok / lookup_failed_check / lookup_locked (bot.dossiers)


Rule = Callable[["Dialogue", Turn, "_Seen"], "Outcome | None"]


class _Seen:
    """What the dialogue has worked out about one message, each part computed once, when a
    rule first needs it."""

    def __init__(self, dialogue: "Dialogue", turn: Turn):
        self._d = dialogue
        self.turn = turn
        self.text = clean_input(turn.text)

    @cached_property
    def typed(self) -> list[Typed]:
        return self._d.lexicon.typed(self.text)

    @cached_property
    def folded_words(self) -> list[str]:
        return words(self.text)

    @cached_property
    def context(self) -> str | None:
        return self.turn.procedure if self.turn.procedure in self._d.catalog else None

    @cached_property
    def match(self) -> Match:
        return self._d.index.search(self.text, context=self.context)

    @cached_property
    def named(self) -> Match | None:
        """The match when the message itself clearly names one procedure. A long message that
        describes a situation always holds words the catalog does not know ("mặt tiền", "tầng
        trên"): the more words, the more of those are tolerated."""
        m = self.match
        tolerated = max(OTHER_SUBJECT, len(self.folded_words) / WORDS_PER_UNKNOWN)
        return m if m.kind == "found" and m.other_subject < tolerated else None

    @cached_property
    def asked(self) -> str | None:
        """The facet a plain question word asks about (data/lexicon.yml: question_focus)."""
        key = self._d._focus(self.text, self._d.lexicon.question_focus)
        return "overview" if key == "authority" else key

    @cached_property
    def needs(self) -> bool:
        """The message asks about a procedure or describes a need ("muốn", "phải xin gì");
        a bare "bao nhiêu?" may be a shopper's question ("giá hát karaoke bao nhiêu")."""
        return bool(self.asked) or contains_any(self.typed, self._d.lexicon.need_words)

    @cached_property
    def catalogue(self):
        return self._d.catalogue.question(self.text) if self._d.catalogue else None

    @cached_property
    def situations(self) -> list:
        """Procedures ranked by how well the message describes their situation (bot.situations)."""
        return self._d.situations.search(self.text) if self._d.situations else []

    @cached_property
    def agency(self):
        return self._d.agencies.match(self.text) if self._d.agencies else None


def _without(typed: list[Typed], phrases: tuple[Phrase, ...]) -> str:
    """The message without the words of `phrases`, as text."""
    hidden = {i for p in phrases for j in find_phrase(typed, p) for i in range(j, j + len(p))}
    return " ".join(t.accented or t.folded for i, t in enumerate(typed) if i not in hidden)


def _contains(tokens: list[str], phrase: Phrase) -> bool:
    return bool(phrase_positions(tokens, phrase))


class Dialogue:
    def __init__(self, answerer: Answerer, index: ProcedureIndex, has_form: Callable[[str], bool] = lambda _: False,
                 facts=None, agencies=None, catalogue=None, dossiers=None, situations=None):
        """facts: bot.facts.FactIndex (detail questions); agencies: bot.agencies.AgencyTable;
        catalogue: bot.catalogue.Catalogue; dossiers: bot.dossiers.replies.DossierReplies (answers
        about the dossier just looked up); situations: bot.situations.SituationIndex (long
        descriptions naming no procedure). Each is optional: without it, its rules stay silent."""
        self.answerer = answerer
        self.index = index
        self.has_form = has_form  # procedure id -> can bot.forms fill its form?
        self.catalog = answerer.catalog
        self.lexicon = self.catalog.lexicon
        self.facts = facts
        self.agencies = agencies
        self.catalogue = catalogue
        self.dossiers = dossiers
        self.situations = situations
        self._submission_focus = self.lexicon.submission_focus
        self._contact_focus = self.lexicon.contact_focus
        self._follow_up = self.lexicon.follow_up_markers

    # ------------------------------------------------------------------ entry points

    def respond(self, turn: Turn) -> Outcome:
        """A question about a procedure (any ask_* intent), or a yes/no."""
        return self._run(turn, QUESTION_RULES)

    def fallback(self, turn: Turn) -> Outcome:
        """NLU was unsure."""
        return self._run(turn, UNSURE_RULES)

    def out_of_scope(self, turn: Turn) -> Outcome:
        """The model read the message as off-topic."""
        return self._run(turn, OFF_TOPIC_RULES)

    def bot_challenge(self, turn: Turn) -> Outcome:
        """"Bạn là ai?" - unless the message is really a question about a procedure."""
        return self._run(turn, CHALLENGE_RULES)

    def contact(self, turn: Turn) -> Outcome:
        """The department's details, unless the message is about a procedure."""
        return self._run(turn, CONTACT_RULES)

    def small_talk(self, turn: Turn) -> Outcome | None:
        """Greeting, thanks, goodbye: None lets the canned reply answer; a long message that
        names a procedure and asks something gets the answer instead."""
        return self._first(turn, SMALL_TALK_RULES)

    def dossier_question(self, turn: Turn) -> Outcome | None:
        """A message the model read as a dossier lookup but that holds no dossier code: None
        lets the lookup ask for the code; a question about procedures is answered instead."""
        seen = _Seen(self, turn)
        advice = self._supplement_advice(turn, seen)
        if advice is not None or (self.dossiers is not None and self.dossiers.about_own_dossier(seen.typed)):
            return advice
        return self._first(turn, DOSSIER_INTENT_RULES)

    def asks_aside(self, turn: Turn, plain_words: bool = True) -> bool:
        """Whether a message typed while a form or a check waits for an answer is a question
        to answer first ("à mà phí bao nhiêu?", "nộp online được không?"): the model read it as
        a question about a procedure and (`plain_words`, for a form whose fields take any text)
        it says what it asks in plain words."""
        if turn.text.lstrip().startswith("/"):
            return False  # an old button tapped mid-form is not a question (the form says it is busy)
        seen = _Seen(self, turn)
        if read_yes_no(seen.text, self.lexicon) is not None:
            return False
        if not plain_words and turn.intent in ("nlu_fallback", "out_of_scope") and seen.context:
            # "sơ yếu lý lịch thì ai xác nhận" in a check: a detail of the procedure checked
            return bool(seen.asked) or self._detail_facts(self.catalog.get(seen.context), seen.text) is not None
        if turn.intent not in INTENT_FACETS or turn.confidence < ASIDE_CONFIDENCE:
            return False
        if not plain_words:
            return True
        # Plain question words are required: a field's answer may well name a topic the model
        # reads as a question ("Hướng dẫn du lịch" as the applicant's field of study).
        return bool(seen.asked) or "?" in seen.text or bool(seen.catalogue and seen.catalogue.wants_list)

    def refine_intent(self, text: str, intent: str, confidence: float) -> str | None:
        """The intent the message's own words show when the model's guess disagrees with them,
        or None to keep the guess (bot.nlu.components.IntentRefiner, in Rasa's NLU pipeline).

        The same evidence the rules above use: a whole-message yes/no; the citizen's own
        dossier; a request to check a dossier; another agency's procedure; a question about the
        whole catalogue; and, for a message that names or describes a procedure of ours and asks
        or needs something, the facet its plain words ask (data/lexicon.yml: question_focus)."""
        turn = Turn(intent, text, confidence=confidence)
        seen = _Seen(self, turn)
        if not has_words(seen.text) or seen.text.lstrip().startswith("/"):
            return None
        answer = read_yes_no(seen.text, self.lexicon)
        if answer is not None:
            return {"yes": "affirm", "no": "deny"}[answer]
        advice = contains_any(seen.typed, self.lexicon.advice_words)
        if self.dossiers is not None and not advice and self.dossiers.about_own_dossier(seen.typed):
            return "ask_dossier_status"
        if intent in FIXED_INTENTS:
            return None
        if self._asks_for_a_check(seen):
            return "check_dossier"
        q = seen.catalogue
        if q is not None and (q.wants_list or q.topic == "all") and not (seen.named and seen.named.scores[0] >= RESCUE_SCORE):
            return CATALOGUE_INTENTS.get(q.topic, "ask_submission")
        if seen.agency is not None and self._other_agency(turn, seen) is not None:
            return "out_of_scope"
        asked = self._plain_facets(seen.text)
        plain = [f for f in asked if f != "overview"]
        facet = INTENT_FACETS.get(intent)
        if facet is not None:
            # The model is over-confident on long messages: there its facet guess yields to a
            # plain question word for another facet; a bare "thế nào" only counts when it hesitates.
            if asked and facet not in asked:
                if plain and (confidence < SURE_FACET or len(seen.folded_words) >= LONG_MESSAGE_WORDS
                              or (facet == "overview" and confidence < SURE_OVERVIEW)):
                    return FACET_INTENTS[plain[0]]
                if not plain and confidence < SURE_FACET:
                    return "ask_procedure"
            return None
        if intent in ("out_of_scope", "nlu_fallback") and self._about_department(seen):
            return "ask_contact"
        if intent not in REFINABLE or not self._misread(intent, seen):
            return None
        if not (seen.needs or advice) or not self._ours(seen):
            return None
        if intent in SMALL_TALK_INTENTS and not (plain or (seen.named and seen.named.scores[0] >= OFFER_SCORE)):
            return None  # "xin cảm ơn sở đã hỗ trợ" stays thanks
        return FACET_INTENTS[plain[0]] if plain else "ask_procedure"

    def _misread(self, intent: str, seen: _Seen) -> bool:
        """Whether the message lacks the words its intent needs (the actions make the same check)."""
        if intent == "ask_contact":
            return self._focus(seen.text, self._contact_focus) in (None, "address")
        if intent == "check_dossier":
            return not self._asks_for_a_check(seen)
        if intent == "request_form":
            return not asks_for_a_form(seen.text, self._intake_words)
        if intent == "forget_profile":
            return not asks_to_forget(seen.text, self._intake_words)
        return True

    @cached_property
    def _intake_words(self) -> dict[str, list[str]]:
        return load_form_texts()["intake"]

    def _about_department(self, seen: _Seen) -> bool:
        """"Sở chiều nay có mở cửa không": the department's hours, hotline, e-mail or website."""
        focus = self._focus(seen.text, self._contact_focus)
        return focus in ("hours", "hotline", "email", "portal") and contains_any(seen.typed, self.lexicon.department_words) \
            and seen.agency is None

    def _ours(self, seen: _Seen) -> bool:
        """Whether the message names or describes one of our procedures."""
        m = seen.match
        if seen.named is not None and (m.scores[0] >= RESCUE_SCORE or m.mass >= RESCUE_MASS):
            return True
        if m.kind == "ambiguous" and m.other_subject < OTHER_SUBJECT and m.scores[0] >= OFFER_SCORE:
            return True
        if self.situations is None or len(seen.folded_words) < SITUATION_WORDS:
            return False
        ranked = seen.situations
        return bool(ranked) and ranked[0][1] >= SITUATION_SCORE

    def _asks_for_a_check(self, seen: _Seen) -> bool:
        return asks_for_a_check(seen.text, self.answerer, seen.typed)

    def _first(self, turn: Turn, rules: tuple[Rule, ...]) -> Outcome | None:
        seen = _Seen(self, turn)
        for rule in rules:
            outcome = rule(self, turn, seen)
            if outcome is not None:
                return outcome
        return None

    def _run(self, turn: Turn, rules: tuple[Rule, ...]) -> Outcome:
        outcome = self._first(turn, rules)
        if outcome is None:  # every rule list passed here ends with a rule that always answers
            raise RuntimeError("rule list without a final answer")
        return outcome

    # ------------------------------------------------------------------ helpers

    def _focus(self, text: str, table: dict[str, tuple[Phrase, ...]]) -> str | None:
        tokens = words(text)
        for name, phrases in table.items():
            if any(_contains(tokens, p) for p in phrases):
                return name
        return None

    def _answered(self, procedure_id: str, facet: str, text: str, alternatives: tuple = ()) -> Outcome:
        procedure = self.catalog.get(procedure_id)
        focus = None
        q = self.catalogue.question(text) if facet == "submission" and self.catalogue else None
        if facet == "submission":
            focus = q.topic if q and q.topic in ("result_post", "result_online") else self._focus(text, self._submission_focus)
        detail = self._detail(procedure, facet, text)
        reply = self.answerer.answer(procedure, facet, focus=focus)
        if detail is None:
            replies = [reply]
        elif self._plain_facets(text) or (facet == "overview" and self.index.own_words(procedure.id, text)):
            # Asked plainly ("lễ hội bị gián đoạn 3 năm, đăng ký cần giấy tờ gì"), or a first
            # question naming the procedure ("e vừa tốt nghiệp trung cấp, muốn dẫn tour thì làm
            # gì"): that answer, then the fact about the detail the message also names.
            replies = [reply, detail[1]]
        else:  # only a detail ("phòng hát phải rộng bao nhiêu"): just the fact, from its procedure
            procedure, reply = detail
            replies = [reply]
        # "phí bn, bao lâu có?": a second short facet asked in plain words is answered too.
        also = [f for f in self._plain_facets(text) if f in SHORT_FACETS and f != facet][:1] if facet in SHORT_FACETS else []
        for extra in also:
            replies.append(self.answerer.answer(procedure, extra, focus=self._focus(text, self._submission_focus)))
        if facet == "submission" and procedure.channels is None and q is not None:
            # Nothing verified about this procedure's channels: the general guidance on the
            # channel asked about still helps ("nhận kết quả qua bưu điện được không?").
            if q.topic != "where" and self.catalogue.has_guide(q.topic):
                replies.append(self.catalogue.guide(q.topic))
        if facet in FORM_FACETS and self.has_form(procedure.id):
            fill = Button(self.answerer.phrase("fill_form_button"), form_payload(procedure.id))
            replies[0] = Reply(reply.text, reply.buttons + (fill,))
        if alternatives:
            replies.append(self.answerer.alternatives(list(alternatives), facet))
        return Outcome(replies, {SLOT_PROCEDURE: procedure.id, SLOT_LAST_FACET: facet,
                                 SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _detail(self, procedure, facet: str, text: str):
        """(procedure holding it, reply) with the fact(s) answering a detail question about the
        procedure (bot.facts), unless the facet asked already holds them, or no fact answers it
        confidently."""
        found = self._detail_facts(procedure, text)
        if found is None:
            return None
        owner, search = found
        if owner is procedure and facet != "overview" and DETAIL_FACETS.get(search.best.fact.facet) == facet:
            return None
        return owner, self.answerer.detail(owner, search.shown())

    def _detail_facts(self, procedure, text: str):
        """(procedure, confident FactSearch) for a detail question: the procedure's own facts
        first, then those of the other variants of its group ("chuyển quán karaoke sang địa
        điểm khác": the adjustment procedure says a move needs a new licence)."""
        if self.facts is None or text.lstrip().startswith("/"):
            return None
        group = [p for p in self.catalog.group(procedure.group) if p.id != procedure.id] if procedure.group else []
        for candidate in [procedure] + group:
            search = self.facts.search(text, candidate.id)
            if search.confident:
                return candidate, search
        return None

    def _offer(self, match: Match, facet: str) -> Outcome:
        procedures = list(match.procedures)
        if facet in FACT_COMPARABLE and not match.variant_mismatch:
            reply = self.answerer.compare(procedures, facet)
        else:
            reply = self.answerer.choose(procedures, facet, match.variant_mismatch)
        return Outcome([reply], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: [p.id for p in procedures]}, "ambiguous")

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
            if related:
                return False
            named_itself = self._named_by_own_words(other.id, text)
            if named_itself and (match.scores[0] >= SWITCH_SCORE or match.mass >= RESCUE_MASS):
                return False  # "...công nhận là bảo vật quốc gia thì cấp nào quyết định": that one
            if self._detail_facts(discussed, text) is not None:
                return True  # a detail of the procedure discussed ("giấy khám sức khỏe còn dùng được không")
            if not named_itself:
                return True  # "ai là người quyết định công nhận": no word of its own names the other one
            if match.scores[0] >= SWITCH_SCORE:
                return False
            if match.mass < RESCUE_MASS:
                return True
            # The other procedure has strong evidence ("bảo vật quốc gia" named in a long
            # message): stay only if the one under discussion explains the message about as well.
            own = self.index.search(text, within={context})
            return own.kind in ("found", "weak") and own.scores[0] >= match.scores[0] - 0.1
        if match.kind == "ambiguous" and match.other_subject < OTHER_SUBJECT:
            if context in {p.id for p in match.procedures} or self._detail_facts(discussed, text) is not None:
                return True
            if not any(self._named_by_own_words(p.id, text) for p in match.procedures):
                return True  # "nộp online ở trang nào": stray words, none of them a procedure's own
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
        facet = INTENT_FACETS.get(turn.intent)
        plain = self._plain_facets(turn.text)
        if facet and plain and facet not in plain and turn.confidence < SURE_FACET:
            # The model hesitates and the message's plain words ask something else ("khách sạn
            # muốn công nhận 3 sao, thủ tục thế nào?" is no question about conditions).
            return next((f for f in plain if f != "overview"), "overview")
        return facet or turn.pending_facet or "overview"

    def _plain_facets(self, text: str) -> list[str]:
        """The facets the message's plain question words ask about (data/lexicon.yml:
        question_focus), in the lexicon's order; "ai cấp" asks the overview."""
        tokens = words(text)
        for phrase in self.lexicon.name_phrases:  # "giấy phép đủ điều kiện" asks nothing about conditions
            for i in reversed(phrase_positions(tokens, phrase)):
                tokens[i:i + len(phrase)] = ["|"]
        found = ["overview" if name == "authority" else name for name, phrases in self.lexicon.question_focus.items()
                 if any(_contains(tokens, p) for p in phrases)]
        return list(dict.fromkeys(found))

    def _rescued_facet(self, seen: _Seen) -> str:
        return seen.turn.pending_facet or seen.asked or "overview"

    # ------------------------------------------------------------------ rules

    def _unreadable(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """No letter or digit at all (emoji, markup, empty): ask for words."""
        if turn.entity_procedure or has_words(seen.text):
            return None
        return Outcome([self.answerer.bad_input()], kind="fallback")

    def _button(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A button payload names the procedure: answer the facet its intent asks."""
        if turn.entity_procedure and turn.entity_procedure in self.catalog:
            return self._answered(turn.entity_procedure, self._facet_for(turn), turn.text)
        return None

    def _choice(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """Procedures were just offered: a number, a yes/no, or a named variant picks one."""
        if not turn.candidates:
            return None
        answer = read_yes_no(seen.text, self.lexicon) or {"affirm": "yes", "deny": "no"}.get(turn.intent)
        if answer == "no":
            return Outcome([self.answerer.deny()], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None}, "other")
        if answer == "yes":
            if len(turn.candidates) == 1 and turn.candidates[0] in self.catalog:
                # The yes says nothing about a detail: the facet asked before is answered.
                return self._answered(turn.candidates[0], turn.pending_facet or "overview", "")
            return Outcome([self.answerer.choose_one()], kind="ambiguous")
        facet = self._facet_for(turn)
        picked = self._picked_by_number(seen.text, turn.candidates)
        if picked:
            return self._answered(picked, facet, seen.text)
        # The reply may name a variant that was not offered but is in the same group
        # ("cấp đổi" after the first-issue cards were offered).
        groups = {p.group for c in turn.candidates if (p := self.catalog.get(c)) and p.group}
        offered = set(turn.candidates) | {m.id for g in groups for m in self.catalog.group(g)}
        within = self.index.search(seen.text, context=turn.procedure, within=offered)
        if within.kind == "found" and self._told_apart(within.best.id, turn.candidates, seen.text):
            return self._answered(within.best.id, facet, seen.text)
        # One of the offered procedures named by a word the others lack ("công nhận" among a
        # tourist spot, a performance and a guide card), or holding the detail asked.
        apart = [c for c in turn.candidates if c in self.catalog and self._told_apart(c, turn.candidates, seen.text, strict=True)]
        detailed = [c for c in turn.candidates if c in self.catalog
                    and self._detail_facts(self.catalog.get(c), seen.text) is not None]
        chosen = apart if len(apart) == 1 else detailed if len(detailed) == 1 else []
        if chosen:
            return self._answered(chosen[0], facet, seen.text)
        if within.kind in ("none", "weak") and seen.match.kind in ("none", "weak") and turn.intent in INTENT_FACETS \
                and not seen.catalogue and not seen.agency:
            # "phí bao nhiêu?" right after a choice was offered: the same choice, for that question.
            offered_now = [p for c in turn.candidates if (p := self.catalog.get(c))]
            if len(offered_now) > 1:
                return self._offer(Match("ambiguous", tuple(offered_now), tuple(1.0 for _ in offered_now)), facet)
        return None

    def _yes_no(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A yes or a no with nothing pending. "ko"/"dc" in a real question can look like a
        yes or a no ("triển lãm tranh có phải xin phép ko"): a question is answered instead."""
        if turn.intent not in ("affirm", "deny") or turn.candidates:
            return None
        rescued = self._named_question(turn, seen) or self._context_detail(turn, seen)
        if rescued:
            return rescued
        if read_yes_no(seen.text, self.lexicon) is None and len(seen.folded_words) > SHORT_ANSWER_WORDS:
            return None  # "sở ko trả lời thì sao": a question with a "ko" in it, not a no
        if turn.intent == "deny" or read_yes_no(seen.text, self.lexicon) == "no":
            return Outcome([self.answerer.deny()], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None}, "other")
        discussed = self.catalog.get(seen.context) if seen.context else None
        return Outcome([self.answerer.nothing_pending(discussed)], kind="other")

    def _dossier_follow_up(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A question about the dossier just looked up ("khi nào có kết quả?", "gửi bổ sung qua
        bưu điện được không?"): answered from that dossier, unless another procedure is named."""
        if turn.dossier is None or self.dossiers is None or turn.entity_procedure:
            return None
        foci = self.dossiers.follow_up_focus(seen.typed)
        if not foci and seen.asked == "processing_time" and seen.named is None:
            foci = {"due"}  # "vậy bao lâu nữa?" right after the lookup: this dossier's due date
        if not foci:
            return None
        if contains_any(seen.typed, self.lexicon.advice_words) and not self.dossiers.about_own_dossier(seen.typed):
            return None  # "làm sao để không bị yêu cầu bổ sung": advice, not this dossier's state
        named = seen.named
        if named is not None and named.best.id != turn.dossier.procedure_id and named.scores[0] >= OFFER_SCORE:
            return None
        channel = self._focus(seen.text, self._submission_focus)
        reply = self.dossiers.follow_up(turn.dossier, foci, self.answerer._today(), channel)
        return Outcome([reply], {SLOT_PROCEDURE: turn.dossier.procedure_id, SLOT_PENDING_FACET: None,
                                 SLOT_CANDIDATES: None})

    def _own_dossier(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """"hồ sơ của tôi đến đâu rồi" without a code: the lookup's first question."""
        if self.dossiers is None or not self.dossiers.about_own_dossier(seen.typed):
            return None
        if turn.dossier is not None:
            return Outcome([self.dossiers.status(turn.dossier, self.answerer._today())])
        return Outcome([self.dossiers.simple("ask_code")])

    def _supplement_advice(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """"Vì sao hồ sơ hay bị yêu cầu bổ sung?", "làm sao để không bị trả lại?": the points
        to check for the procedure named or discussed, or the usual reasons."""
        if not contains_any(seen.typed, self.lexicon.advice_words):
            return None
        # The procedure named apart from the advice words ("bổ sung" is no procedure's name), by
        # a word of its own.
        rest = _without(seen.typed, self.lexicon.advice_words + self._variant_phrases)
        match = self.index.search(rest, context=seen.context) if has_words(rest) else Match("none")
        named = match.best if match.kind == "found" and match.other_subject < OTHER_SUBJECT and any(
            self.index.distinctive(match.best.id, w) for w in self.index.own_words(match.best.id, rest)) else None
        procedure = named or (self.catalog.get(seen.context) if seen.context else None)
        if procedure is None and turn.dossier is not None:
            procedure = self.catalog.get(turn.dossier.procedure_id)
        check = check_payload(procedure.id) if procedure and procedure.documents else None
        slots = {SLOT_PROCEDURE: procedure.id} if procedure else {}
        return Outcome([self.answerer.supplement_advice(procedure, check)], slots)

    def _catalogue_list(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """"Thủ tục nào nộp online toàn trình được?": a list from the whole catalog."""
        q = seen.catalogue
        if q is None or not (q.wants_list or q.topic == "all"):
            return None
        if seen.named is not None and seen.named.scores[0] >= RESCUE_SCORE:
            return None  # "karaoke thì những thủ tục nào?": about that procedure
        return Outcome([self.catalogue.answer(q)], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _general_guide(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """"Gửi hồ sơ qua bưu điện thế nào?", "kết quả điện tử có giá trị không?" with no
        procedure named or under discussion: the general guidance for that topic."""
        q = seen.catalogue
        if q is None or q.wants_list or seen.match.kind in ("found", "ambiguous"):
            return None
        if seen.context and q.topic not in ("result_online",) and turn.dossier is None:
            return None  # "nộp online được không?" about the procedure under discussion
        if seen.context and q.topic == "result_online" and not contains_any(seen.typed, self.lexicon.legal_value_words):
            return None
        return Outcome([self.catalogue.answer(q)], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _other_agency(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """Another agency's procedure ("làm hộ chiếu ở đâu"): who handles it, never an answer
        about one of ours. A procedure of ours that the message names just as clearly wins."""
        found = seen.agency
        if found is None:
            return None
        named = seen.named
        if named is not None and named.scores[0] >= RESCUE_SCORE:
            # "mở công ty lữ hành", "hộ kinh doanh có xin được giấy phép lữ hành": words of ours
            # beyond the other agency's keyword name our procedure; "giấy phép xây dựng nhà ở"
            # has none beyond it (tượng đài is not asked about).
            if named.scores[0] >= SWITCH_SCORE or self._ours_beyond(named, seen, found):
                return None
        if seen.context and (self._detail_facts(self.catalog.get(seen.context), seen.text) is not None
                             or (self.facts is not None and self.facts.mentions(seen.context, found.keyword))):
            return None  # "hộ kinh doanh cá thể có xin được không" about the travel licence
        offered = named.best if named is not None and self._ours_beyond(named, seen, found) else None
        return Outcome([self.answerer.other_agency(found.agency, offered)],
                       {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None}, "out_of_scope")

    def _situation(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A long message that tells a situation and names no procedure ("trường tôi muốn
        trưng bày tranh của học sinh ở nhà văn hóa, không bán, có phải báo Sở không?"): the
        procedure that clearly leads the situation search, or the leading ones as choices."""
        if self.situations is None or len(seen.folded_words) < SITUATION_WORDS or not seen.needs:
            return None
        if seen.context and len(seen.folded_words) < 2 * SITUATION_WORDS:
            return None  # a short follow-up belongs to the procedure under discussion
        leaders: dict[str, tuple] = {}
        for p, score in seen.situations:
            leaders.setdefault(p.group or p.id, (p, score))
        ranked = list(leaders.values())
        if not ranked or ranked[0][1] < SITUATION_SCORE:
            return None
        facet = self._rescued_facet(seen)
        top, score = ranked[0]
        agrees = seen.match.best is not None and (seen.match.best.group or seen.match.best.id) == (top.group or top.id)
        if len(ranked) == 1 or score >= SITUATION_LEAD * ranked[1][1] or agrees:
            if top.group:  # which variant: retrieval within the group, else the search's pick
                within = self.index.search(seen.text, within={m.id for m in self.catalog.group(top.group)})
                top = within.best if within.kind == "found" else top
            return self._answered(top.id, facet, seen.text)
        close = [p for p, s in ranked if s >= SITUATION_CLOSE * score][:3]
        return Outcome([self.answerer.choose(close, facet)], {SLOT_PENDING_FACET: facet,
                                                               SLOT_CANDIDATES: [p.id for p in close]}, "ambiguous")

    def _told_apart(self, procedure_id: str, candidates: tuple[str, ...], text: str, strict: bool = False) -> bool:
        """Whether the message names this procedure with a word the other candidates lack
        ("đăng ký" is shared by the artefact registration and the festival registration).
        Not strict: a candidate of the same group is told apart by its variant keywords too."""
        others = [c for c in candidates if c != procedure_id]
        own = self.index.own_words(procedure_id, text)
        if not strict and own and not others:
            return True
        return any(not any(self.index.knows(c, (w,)) for c in others) for w in own) or (
            not strict and bool(self.catalog.get(procedure_id).group)
            and all(self.catalog.get(c).group == self.catalog.get(procedure_id).group for c in others if c in self.catalog))

    def needs_dossier(self, text: str) -> bool:
        """Whether the dossier looked up earlier in the conversation may matter to this message
        (a follow-up about it, advice, a general guide): the actions fetch it from the one-stop
        system only then, not on every turn."""
        if self.dossiers is None:
            return False
        seen = _Seen(self, Turn("", text))
        return bool(self.dossiers.follow_up_focus(seen.typed)) or self.dossiers.about_own_dossier(seen.typed) \
            or contains_any(seen.typed, self.lexicon.advice_words) or seen.catalogue is not None \
            or seen.asked == "processing_time"

    def about_other_agency(self, text: str) -> bool:
        """Whether a message is about another agency's procedure and none of ours ("kiểm tra
        hồ sơ làm hộ chiếu đủ chưa"): the question rules then say who handles it."""
        turn = Turn("ask_procedure", text)
        seen = _Seen(self, turn)
        return seen.agency is not None and self._other_agency(turn, seen) is not None

    def procedure_to_check(self, text: str, context: str | None) -> str | None:
        """The procedure a check request names ("kiểm tra giúp hồ sơ karaoke"), apart from the
        request's own words; while another is under discussion, only one named by its own words
        replaces it ("kiểm tra giấy tờ giúp em" keeps the one discussed)."""
        rest = _without(self.lexicon.typed(text), self._check_phrases)
        match = self.index.search(rest) if has_words(rest) else None
        if match is None or match.kind != "found":
            return None
        pid = match.best.id
        if context and pid != context and not self._named_by_own_words(pid, rest):
            return None
        return pid

    @cached_property
    def _check_phrases(self) -> tuple[Phrase, ...]:
        words_ = self.answerer.replies.get("precheck", {})
        return tuple(p for key in ("request_words", "check_objects") for w in words_.get(key, [])
                     if (p := tuple(normalize(w).split())))

    def _named_by_own_words(self, procedure_id: str, text: str) -> bool:
        """Whether a word only this procedure (or its group) uses names it in the message, apart
        from variant keywords ("khu di tích" picks the on-site guide card; it names no card)."""
        rest = _without(self.lexicon.typed(text), self._variant_phrases)
        return any(self.index.distinctive(procedure_id, w) for w in self.index.own_words(procedure_id, rest))

    def _ours_beyond(self, named: Match, seen: _Seen, found) -> bool:
        """Whether the message names our procedure with its own telling words beyond the other
        agency's keyword ("lữ hành" beside "hộ kinh doanh"; not "lần đầu" beside "hộ chiếu")."""
        # Variant keywords pick a variant ("hàn quốc": the international card); they name no
        # subject of ours beside "visa".
        rest = _without(seen.typed, (found.keyword,) + self._variant_phrases)
        # Words of the agency's other keywords describe its subject too ("xây" of "xây nhà" beside
        # "giấy phép xây dựng"): not a word of ours.
        theirs = {fold(w) for kw in found.agency.keywords for w in kw}
        return any(self.index.distinctive(named.best.id, w)
                   for w in self.index.own_words(named.best.id, rest) if w not in theirs)

    @cached_property
    def _variant_phrases(self) -> tuple[Phrase, ...]:
        """Keywords that pick a variant without naming a subject ("lần đầu", "quốc tế"): of the
        action and scope dimensions. Kind keywords name things ("tượng", "nhà hàng") and stay."""
        return tuple(kw for name, dim in self.lexicon.variants.items() if name in VARIANT_PICKERS
                     for v in dim.values() for kw in (*v.keywords, *v.weak_keywords))

    def _procedure_question(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A question about a procedure: named in the message, or the one under discussion."""
        facet = self._facet_for(turn)
        text = seen.text
        match = seen.match
        sibling = self._sibling(turn, seen, facet)
        if sibling is not None:
            return sibling
        context = seen.context
        discussed = self.catalog.get(context) if context else None
        if match.kind == "ambiguous" and discussed is not None and discussed.group:
            # "còn điểm du lịch thì sao?" after the tourist area: of the procedures it could
            # mean, the other variant of the one discussed.
            variants = [p for p in match.procedures if p.group == discussed.group and p.id != context]
            if len(variants) == 1:
                return self._answered(variants[0].id, facet, text)
        if (match.kind == "ambiguous" and match.scores and match.scores[0] < OFFER_SCORE
                and len({p.group or p.id for p in match.procedures}) > 1):
            match = Match("none", other_subject=match.other_subject, unknown_words=match.unknown_words)
        if context and self._stays_with(context, match, text):
            return self._answered(context, facet, text)
        if match.kind == "found":
            return self._answered(match.best.id, facet, text, match.alternatives)
        if match.kind == "ambiguous" and match.other_subject < max(OTHER_SUBJECT, len(seen.folded_words) / WORDS_PER_UNKNOWN):
            return self._offer(match, facet)
        if context:
            # A detail of the procedure under discussion in words the catalog's names lack
            # ("gần trường học thì phải cách bao xa"): its facts answer before "not found".
            detail = self._context_detail(turn, seen)
            if detail is not None:
                return detail
        if match.kind in ("none", "weak"):
            situation = self._situation(turn, seen)
            if situation is not None:
                return situation
        if match.other_subject >= OTHER_SUBJECT or (match.other_subject and not context):
            # The message names something the catalog does not have ("hộ chiếu"): say so rather
            # than answer about the procedure discussed before, which stays one tap away.
            offered = self.catalog.get(context) if context else None
            return Outcome([self.answerer.not_in_catalog(facet, offered)],
                           {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None}, "fallback")
        if context:
            return self._answered(context, facet, text)
        if match.kind == "weak":
            return Outcome([self.answerer.suggest(match.best, facet)],
                           {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: [match.best.id]}, "ambiguous")
        if facet == "submission" and self.catalogue is not None:
            return Outcome([self.catalogue.answer(_WHERE)], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None})
        return Outcome([self.answerer.need_procedure(facet)], {SLOT_PENDING_FACET: facet, SLOT_CANDIDATES: None},
                       "ambiguous")

    def _sibling(self, turn: Turn, seen: _Seen, facet: str) -> Outcome | None:
        """"Thế cấp đổi thì sao?", "muốn mở thêm 3 phòng thì làm thủ tục gì" name only a
        variant of the procedure under discussion: that variant's answer."""
        discussed = self.catalog.get(seen.context) if seen.context else None
        if seen.match.kind not in ("none", "weak") or discussed is None or not discussed.group:
            return None
        siblings = [p.id for p in self.catalog.group(discussed.group)]
        same_group = self.index.search(seen.text, context=discussed.id, within=siblings)
        if same_group.kind == "found" and same_group.best.id != discussed.id:
            return self._answered(same_group.best.id, facet, seen.text)
        return None

    def _context_detail(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """A detail question about the procedure under discussion ("phòng hát phải rộng bao
        nhiêu" after karaoke), answered from its facts, or from a fact of another variant of
        the same group ("tiền ký quỹ có rút lại được không" after the travel licence: the
        revocation procedure holds it). Nothing when another procedure is clearly named."""
        if not seen.context or turn.entity_procedure:
            return None
        named = seen.named
        if named is not None and named.best.id != seen.context and named.scores[0] >= OFFER_SCORE:
            return None
        discussed = self.catalog.get(seen.context)
        found = self._detail_facts(discussed, seen.text)
        if found is None:
            return None
        owner, search = found
        plain = self._plain_facets(seen.text)
        if plain:  # asked plainly too ("bao lâu có văn bản trả lời"): that answer, then the fact
            return self._answered(owner.id, plain[0], seen.text)
        return Outcome([self.answerer.detail(owner, search.shown())],
                       {SLOT_PROCEDURE: owner.id, SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None})

    def _named_question(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """An answer when the message asks plainly (a question word) about a clearly named
        procedure, or about the one under discussion; None otherwise."""
        text = seen.text
        key = self._focus(text, self.lexicon.question_focus)
        if not key or not has_words(text):
            return None
        facet = "overview" if key == "authority" else key
        match = seen.match
        context = seen.context
        # The procedure under discussion is meant only by a specific question ("ai ra quyết
        # định", "phí bao nhiêu"), not by a bare "thế nào" that fits any small talk.
        if context and key != "overview" and match.other_subject < OTHER_SUBJECT and (
                match.kind in ("none", "weak") or self._stays_with(context, match, text)):
            return self._answered(context, facet, text)
        if match.kind == "found" and match.other_subject < OTHER_SUBJECT:
            return self._answered(match.best.id, facet, text)
        return None

    def _in_scope(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """In scope beats out of scope: a message the model did not read as a procedure question
        is answered as one when retrieval is sure of the procedure and the message asks
        something or describes a need; a detail of the procedure under discussion is answered
        too ("phòng hát phải rộng bao nhiêu" right after karaoke)."""
        detail = self._context_detail(turn, seen)  # silent when another procedure is clearly named
        if detail is not None:
            return detail
        named = seen.named
        sure = named is not None and (named.scores[0] >= RESCUE_SCORE or named.mass >= RESCUE_MASS)
        if sure and (seen.needs or turn.intent == "nlu_fallback"):
            return self._answered(named.best.id, self._rescued_facet(seen), seen.text, named.alternatives)
        m = seen.match
        one_group = m.kind == "ambiguous" and len({p.group or p.id for p in m.procedures}) == 1
        if (m.kind == "ambiguous" and seen.needs and not seen.context
                and (m.other_subject < OTHER_SUBJECT and m.scores[0] >= OFFER_SCORE
                     or one_group and (m.scores[0] >= RESCUE_SCORE or m.mass >= RESCUE_MASS))):
            return self._offer(m, self._rescued_facet(seen))
        sibling = self._sibling(turn, seen, self._rescued_facet(seen))
        if sibling is not None:
            return sibling
        return self._named_question(turn, seen) or (self._situation(turn, seen) if m.kind in ("none", "weak") else None)

    def _long_message_in_scope(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """Small talk is short: a longer message that names a procedure and asks something
        ("cảm ơn, còn thẻ quốc tế thì phí bao nhiêu") is a question."""
        if len(seen.folded_words) < SMALL_TALK_WORDS or not seen.needs:
            return None
        return (self._dossier_follow_up(turn, seen) or self._catalogue_list(turn, seen)
                or self._other_agency(turn, seen) or self._general_guide(turn, seen) or self._in_scope(turn, seen))

    def _place_question(self, turn: Turn, seen: _Seen) -> Outcome | None:
        """"Nộp hồ sơ karaoke ở địa chỉ nào" is about where that procedure is submitted; a
        question naming a procedure and asking nothing about the department is about it."""
        focus = self._focus(seen.text, self._contact_focus)
        if focus not in (None, "address") or seen.named is None:
            return None
        facet = seen.asked or ("submission" if focus else "overview")
        return self._answered(seen.named.best.id, facet, seen.text)

    # ------------------------------------------------------------------ last rules: always answer

    def _fallback_reply(self, turn: Turn, seen: _Seen) -> Outcome:
        return Outcome([self.answerer.fallback()], kind="fallback")

    def _off_topic_reply(self, turn: Turn, seen: _Seen) -> Outcome:
        named = seen.named.best if seen.named else None
        return Outcome([self.answerer.out_of_scope(named)], {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None},
                       "out_of_scope")

    def _challenge_reply(self, turn: Turn, seen: _Seen) -> Outcome:
        return Outcome([Reply(self.answerer.phrase("bot_challenge"))], kind="other")

    def _contact_reply(self, turn: Turn, seen: _Seen) -> Outcome:
        return Outcome([self.answerer.department_info(self._focus(seen.text, self._contact_focus))])


_WHERE = CatalogueQuestion("where", False)
D = Dialogue
# Questions the model read as being about a procedure (ask_*), or a yes/no.
QUESTION_RULES: tuple[Rule, ...] = (
    D._unreadable, D._button, D._choice, D._yes_no, D._dossier_follow_up, D._supplement_advice, D._own_dossier,
    D._catalogue_list, D._other_agency, D._general_guide, D._procedure_question)
# The model was unsure.
UNSURE_RULES: tuple[Rule, ...] = (
    D._unreadable, D._button, D._choice, D._dossier_follow_up, D._supplement_advice, D._own_dossier,
    D._catalogue_list, D._other_agency, D._general_guide, D._in_scope, D._fallback_reply)
# The model read the message as off-topic.
OFF_TOPIC_RULES: tuple[Rule, ...] = (
    D._unreadable, D._choice, D._dossier_follow_up, D._supplement_advice, D._own_dossier, D._catalogue_list,
    D._other_agency, D._general_guide, D._in_scope, D._off_topic_reply)
# "Bạn là ai?"
CHALLENGE_RULES: tuple[Rule, ...] = (
    D._choice, D._dossier_follow_up, D._catalogue_list, D._other_agency, D._in_scope, D._challenge_reply)
# The department's address, hours, hotline.
CONTACT_RULES: tuple[Rule, ...] = (
    D._dossier_follow_up, D._own_dossier, D._catalogue_list, D._other_agency, D._general_guide, D._place_question,
    D._context_detail, D._contact_reply)
# Greeting, thanks, goodbye: answered by the canned reply unless a rule answers.
SMALL_TALK_RULES: tuple[Rule, ...] = (D._choice, D._long_message_in_scope)
# A dossier lookup without a code: the lookup asks for the code unless a rule answers.
DOSSIER_INTENT_RULES: tuple[Rule, ...] = (
    D._dossier_follow_up, D._supplement_advice, D._catalogue_list, D._other_agency, D._long_message_in_scope)
del D
