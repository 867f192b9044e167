"""The pre-submission check ("kiểm tra giúp hồ sơ của tôi đủ chưa"). Thin: bot.precheck decides,
these actions copy the tracker in and the replies and slots out. A Rasa form with one slot,
check_answer, filled from every message while the check is open; the check's state is in the
slot check_state (JSON), never in this process."""
from __future__ import annotations

import datetime as dt
import logging
from dataclasses import replace
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import feedback
from actions.actions import INTERNAL_ERROR, answer_aside, send, sent_and_recorded, turn_from_tracker
from actions.dossiers import lookup_turn
from actions.message import bounded, citizen_text
from actions.threads import OffLoopAction, off_loop
from bot import precheck, service
from bot.answers import Reply
from bot.dialogue import SLOT_PROCEDURE, Outcome
from bot.dossiers.model import find_code
from bot.intents import PROCEDURE_ENTITY

log = logging.getLogger(__name__)
SLOT_STATE = "check_state"
SLOT_ANSWER = "check_answer"


def _procedure(tracker: Tracker) -> str | None:
    """The procedure to check: a clicked button, one named in the message, the one under
    discussion, or the one of the dossier just looked up."""
    dialogue = service.dialogue()
    entity = next((e.get("value") for e in (tracker.latest_message or {}).get("entities") or []
                   if e.get("entity") == PROCEDURE_ENTITY), None)
    if isinstance(entity, str) and entity in dialogue.catalog:
        return entity
    text = citizen_text(tracker.latest_message)
    context = tracker.get_slot(SLOT_PROCEDURE)
    context = context if isinstance(context, str) and context in dialogue.catalog else None
    named = dialogue.procedure_to_check(text, context) if not text.startswith("/") else None
    return named or context


class ActionStartCheck(OffLoopAction):
    def name(self) -> Text:
        return "action_start_check"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        text = citizen_text(tracker.latest_message)
        entity = any(e.get("entity") == PROCEDURE_ENTITY for e in (tracker.latest_message or {}).get("entities") or [])
        try:
            dialogue = service.dialogue()
            answerer = dialogue.answerer
            if not entity and not precheck.asks_for_a_check(text, answerer):
                # Misread as a check request: answer it as a question about procedures instead.
                outcome = dialogue.respond(replace(turn_from_tracker(tracker), intent="ask_procedure"))
                return [SlotSet(SLOT_STATE, None)] + sent_and_recorded(dispatcher, tracker, outcome)
            if not entity and dialogue.about_other_agency(text):
                # Another agency's papers ("hồ sơ làm hộ chiếu đủ chưa"): who handles them, never a
                # check of the procedure discussed before.
                turn = replace(turn_from_tracker(tracker), intent="ask_procedure", procedure=None)
                return [SlotSet(SLOT_STATE, None)] + sent_and_recorded(dispatcher, tracker, dialogue.respond(turn))
            pid = _procedure(tracker)
            if pid is None:
                return [SlotSet(SLOT_STATE, None)] + sent_and_recorded(dispatcher, tracker, Outcome([precheck.which(answerer)]))
            turn = precheck.start(answerer.catalog.get(pid), answerer)
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever failed
            log.error("action_start_check failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return [SlotSet(SLOT_STATE, None)]
        return sent_and_recorded(dispatcher, tracker, Outcome(turn.replies, {SLOT_STATE: turn.state, SLOT_PROCEDURE: pid}))


class ValidateDossierCheck(FormValidationAction):
    """Every message while the check is open arrives here as `check_answer`."""

    def name(self) -> Text:
        return "validate_dossier_check"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        return domain_slots if tracker.get_slot(SLOT_STATE) else []

    async def validate_check_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                    domain: DomainDict) -> Dict[Text, Any]:
        # The dossier source and the checklist's PDF: off the event loop.
        return await off_loop(self.check_answer, value, dispatcher, tracker, domain)

    def check_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> Dict[Text, Any]:
        if not isinstance(value, str):
            return {}
        value = bounded(value)
        feedback.record(tracker, "other", tracker.get_slot(SLOT_PROCEDURE))  # a step of the check
        state = tracker.get_slot(SLOT_STATE)
        try:
            answerer = service.dialogue().answerer
            if find_code(value):
                # A dossier code: the citizen has already submitted; the check ends, the lookup starts.
                outcome = service.dossier_desk().respond(lookup_turn(tracker))
                send(dispatcher, Outcome([Reply(answerer.phrase("precheck.to_lookup"))] + list(outcome.replies)))
                return {**outcome.slots, SLOT_ANSWER: None, SLOT_STATE: None}
            if precheck.read_answer(value, answerer) is None:
                # The check's answers are few ("có rồi", "chưa có"): any other message the model
                # reads as a question about a procedure is one; answered, then asked again.
                procedure = state.get("procedure") if isinstance(state, dict) else None
                kept = answer_aside(dispatcher, tracker, procedure,
                                    lambda: send(dispatcher, Outcome(precheck.reprompt(state, answerer))),
                                    plain_words=False)
                if kept is not None:
                    return {**kept, SLOT_ANSWER: None, SLOT_STATE: state}
            turn = precheck.handle(state, value, answerer)
            send(dispatcher, Outcome(turn.replies))
            if turn.finished:
                self._printable(dispatcher, turn.state, answerer, tracker.sender_id)
                return {SLOT_ANSWER: None, SLOT_STATE: None}
        except Exception:  # noqa: BLE001
            log.error("validate_dossier_check failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return {SLOT_ANSWER: None, SLOT_STATE: None}
        return {SLOT_ANSWER: None, SLOT_STATE: turn.state}

    @staticmethod
    def _printable(dispatcher: CollectingDispatcher, state: dict, answerer, conversation: str) -> None:
        """The checklist as a PDF behind an expiring link, like the filled forms (and deleted
        with them by "xoá thông tin")."""
        from bot.forms.api import default_base_url

        procedure = answerer.catalog.get(state["procedure"])
        name, pdf = precheck.printable(procedure, state["answers"], answerer, answerer.today or dt.date.today())
        stored = service.form_desk().files.put([(name, pdf)], owner=conversation)[0]
        url = stored.url(default_base_url())
        dispatcher.utter_message(text=answerer.phrase("precheck.printable_link", url=url),
                                 attachment={"url": url, "name": name})


class ActionAskCheckAnswer(Action):
    """The form's "ask" step: silent, the question was already said with the previous reply."""

    def name(self) -> Text:
        return "action_ask_check_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return []

