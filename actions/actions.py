"""Rasa custom actions. Each one copies the tracker into a `Turn`, lets `bot.dialogue` decide,
and turns the `Outcome` into messages and slot events; no decision is taken here."""
from __future__ import annotations

import abc
import logging
from dataclasses import replace
from typing import Any, Callable, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback
from actions.message import citizen_text
from actions.threads import OffLoopAction
from bot import service
from bot.analytics.db import conversation_ref
from bot.answers import load_replies
from bot.dialogue import SLOT_CANDIDATES, SLOT_LAST_FACET, SLOT_PENDING_FACET, SLOT_PROCEDURE, Dialogue, Outcome, Turn
from bot.dossiers.conversation import SLOT_CODE, SLOT_VERIFIED
from bot.dossiers.source import SourceUnavailable
from bot.intents import PROCEDURE_ENTITY

log = logging.getLogger(__name__)

# Said when something inside the assistant fails: the citizen never sees a traceback.
INTERNAL_ERROR = ("Xin lỗi, hệ thống đang gặp sự cố khi xử lý câu hỏi này. Bạn vui lòng thử lại sau ít phút "
                  "hoặc gọi đường dây nóng của Sở để được hỗ trợ.")


def _verified_code(tracker: Tracker) -> str | None:
    """The code under discussion when this conversation has proved it (the second check)."""
    code, verified = tracker.get_slot(SLOT_CODE), tracker.get_slot(SLOT_VERIFIED)
    return code if isinstance(code, str) and isinstance(verified, list) and code in verified else None


def verified_dossier(tracker: Tracker):
    """The dossier this conversation looked up and proved, fetched again from the source; None
    when there is none or the source is down. Only codes are kept in slots, never the dossier."""
    code = _verified_code(tracker)
    if code is None:
        return None
    try:
        return service.dossier_desk().source.get(code)
    except SourceUnavailable:
        return None


def _text_slot(tracker: Tracker, name: str) -> str | None:
    """A text slot's value; anything else (set by hand through the API, an older version) is None."""
    value = tracker.get_slot(name)
    return value if isinstance(value, str) else None


def turn_from_tracker(tracker: Tracker) -> Turn:
    message = tracker.latest_message or {}
    entity = next((e.get("value") for e in message.get("entities") or []
                   if e.get("entity") == PROCEDURE_ENTITY and isinstance(e.get("value"), str)), None)
    intent = message.get("intent") or {}
    text = citizen_text(message)
    confidence = intent.get("confidence")
    candidates = tracker.get_slot(SLOT_CANDIDATES)
    return Turn(
        intent=intent.get("name") or "",
        text=text,
        entity_procedure=entity,
        procedure=_text_slot(tracker, SLOT_PROCEDURE),
        last_facet=_text_slot(tracker, SLOT_LAST_FACET),
        pending_facet=_text_slot(tracker, SLOT_PENDING_FACET),
        candidates=tuple(c for c in candidates if isinstance(c, str)) if isinstance(candidates, list) else (),
        confidence=float(confidence) if isinstance(confidence, (int, float)) else 1.0,
        # fetched from the one-stop system only when the message may be about it
        dossier=verified_dossier(tracker) if _verified_code(tracker) and service.dialogue().needs_dossier(text) else None,
    )


def send(dispatcher: CollectingDispatcher, outcome: Outcome) -> List[Dict[Text, Any]]:
    """Say the outcome's replies; its slots as events."""
    for reply in outcome.replies:
        dispatcher.utter_message(**reply.as_message())
    return [SlotSet(name, value) for name, value in outcome.slots.items()]


class _DialogueAction(OffLoopAction, abc.ABC):
    """Runs one Dialogue method; any failure becomes a polite message, logged without the
    citizen's text (it may hold personal data). Abstract, so rasa_sdk does not register it."""
    ends_turn = True

    handler: Callable[[Dialogue, Turn], Outcome]
    asks_helpful = False  # ask 👍/👎 under the first answer about a procedure

    @abc.abstractmethod
    def name(self) -> Text:
        ...

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            turn = turn_from_tracker(tracker)
            if feedback.state(tracker).comment and _is_comment(turn):
                comment = feedback.take_comment(dispatcher, tracker)
                if comment is not None:
                    return comment
            outcome = type(self).handler(service.dialogue(), turn)
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever failed
            log.exception("%s failed (conversation %s)", self.name(), conversation_ref(tracker.sender_id))
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return []
        return sent_and_recorded(dispatcher, tracker, outcome, self.asks_helpful)


# Never the optional comment after a rating, even when it is awaited.
NOT_COMMENTS = ("greet", "goodbye", "thank", "affirm", "deny", "rate_helpful", "rate_unhelpful", "rate_satisfaction")


def _is_comment(turn: Turn) -> bool:
    """Right after a satisfaction rating: a message that is not a question in plain words, nor
    names a procedure ("mong trả lời nhanh hơn", "nên có số điện thoại cán bộ"), is the comment."""
    return turn.intent not in NOT_COMMENTS and not service.dialogue().asks_aside(turn, plain_words=True)


def sent_and_recorded(dispatcher: CollectingDispatcher, tracker: Tracker, outcome: Outcome,
                      asks_helpful: bool = False) -> List[Dict[Text, Any]]:
    """Say the outcome, record the turn for the staff console, and ask 👍/👎 under a first
    answer about a procedure."""
    events = send(dispatcher, outcome)
    procedure = outcome.slots.get(SLOT_PROCEDURE)
    feedback.record(tracker, outcome.kind, procedure, outcome.event)
    rated = procedure if asks_helpful and outcome.kind == "answered" else None
    return events + feedback.follow_up(dispatcher, tracker, helpful_for=rated)


class ActionAnswer(_DialogueAction):
    handler = Dialogue.respond
    asks_helpful = True

    def name(self) -> Text:
        return "action_answer"


class ActionFallback(_DialogueAction):
    handler = Dialogue.fallback

    def name(self) -> Text:
        return "action_fallback"


class ActionOutOfScope(_DialogueAction):
    handler = Dialogue.out_of_scope

    def name(self) -> Text:
        return "action_out_of_scope"


class ActionDepartmentInfo(_DialogueAction):
    handler = Dialogue.contact

    def name(self) -> Text:
        return "action_department_info"


class ActionBotChallenge(_DialogueAction):
    handler = Dialogue.bot_challenge

    def name(self) -> Text:
        return "action_bot_challenge"


def answer_aside(dispatcher: CollectingDispatcher, tracker: Tracker, procedure_id: Any,
                 reprompt: Callable[[], None], plain_words: bool = True) -> Dict[Text, Any] | None:
    """A question asked in the middle of a form or a check ("à mà phí bao nhiêu?"): answered
    about the procedure being filled or checked, then the form asks again (`reprompt`). Returns
    the answer's slots to keep (the facet just answered, so that a follow-up reads right), or
    None when the message is not such a question: it is then the answer the form waits for. A
    failure here never costs the form what the citizen already typed: it is logged and the
    message goes to the form."""
    try:
        turn = turn_from_tracker(tracker)
        dialogue = service.dialogue()
        if not dialogue.asks_aside(turn, plain_words):
            return None
        outcome = dialogue.respond(replace(turn, procedure=procedure_id if isinstance(procedure_id, str) else turn.procedure,
                                           candidates=(), pending_facet=None))
    except Exception:  # noqa: BLE001
        log.exception("answering a question inside a form failed (conversation %s)", conversation_ref(tracker.sender_id))
        return None
    send(dispatcher, outcome)
    reprompt()
    return {k: v for k, v in outcome.slots.items() if k != SLOT_PROCEDURE}


# Greeting, thanks, goodbye: the canned reply of data/replies.yml (small_talk), unless the
# message is really a question ("cảm ơn, còn thẻ quốc tế thì phí bao nhiêu?").
SMALL_TALK = ("greet", "goodbye", "thank")


class ActionSmallTalk(OffLoopAction):
    ends_turn = True
    def name(self) -> Text:
        return "action_small_talk"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        intent = ((tracker.latest_message or {}).get("intent") or {}).get("name")
        kind = intent if intent in SMALL_TALK else "greet"
        try:
            dialogue = service.dialogue()
            outcome = dialogue.small_talk(turn_from_tracker(tracker))
            if outcome is not None:
                return sent_and_recorded(dispatcher, tracker, outcome, asks_helpful=True)
            dispatcher.utter_message(text=dialogue.answerer.phrase(f"small_talk.{kind}"))
        except Exception:  # noqa: BLE001 - small talk falls back to its canned reply
            log.exception("action_small_talk failed (conversation %s)", conversation_ref(tracker.sender_id))
            dispatcher.utter_message(text=_canned_small_talk(kind))
            return []
        feedback.record(tracker, "other")
        # Thanks or goodbye end a conversation: the moment for the 1-5 question.
        trigger = {"thank": "thanks", "goodbye": "goodbye"}.get(kind)
        return feedback.follow_up(dispatcher, tracker, trigger=trigger)


def _canned_small_talk(kind: str) -> str:
    """The reply of data/replies.yml straight from the file, when the dialogue cannot be built."""
    try:
        return " ".join(str(load_replies()["small_talk"][kind]).split()) or INTERNAL_ERROR
    except Exception:  # noqa: BLE001
        log.exception("data/replies.yml unreadable")
        return INTERNAL_ERROR
