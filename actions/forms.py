"""Filling an official form in the chat ("công dân không viết"). Thin: bot.forms.intake decides,
these actions copy the tracker in and the messages and slots out. Nothing the citizen types is
logged."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Dict, List, Text

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import feedback
from actions.actions import INTERNAL_ERROR, answer_aside, sent_and_recorded, turn_from_tracker, verified_dossier
from actions.message import bounded, citizen_text
from actions.threads import OffLoopAction, off_loop
from bot import service
from bot.dialogue import SLOT_PROCEDURE
from bot.forms import session
from bot.forms.intake import FormOutcome
from bot.intents import PROCEDURE_ENTITY

log = logging.getLogger(__name__)
SLOT_STATE = "form_state"
SLOT_ANSWER = "form_answer"


def _text(tracker: Tracker) -> str:
    return citizen_text(tracker.latest_message)


def _say(dispatcher: CollectingDispatcher, outcome: FormOutcome) -> None:
    for message in outcome.messages:
        dispatcher.utter_message(**message)


class ActionStartForm(OffLoopAction):
    def name(self) -> Text:
        return "action_start_form"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        entity = next((e.get("value") for e in (tracker.latest_message or {}).get("entities") or []
                       if e.get("entity") == PROCEDURE_ENTITY and isinstance(e.get("value"), str)), None)
        context = tracker.get_slot(SLOT_PROCEDURE)
        try:
            desk = service.form_desk()
            if entity is None and not desk.asks_for_a_form(_text(tracker)):
                # Misread as a form request: answer it as a question about the procedure instead.
                answer = service.dialogue().respond(replace(turn_from_tracker(tracker), intent="ask_procedure"))
                return [SlotSet(SLOT_STATE, None)] + sent_and_recorded(dispatcher, tracker, answer)
            outcome = desk.start(_text(tracker), entity, context if isinstance(context, str) else None)
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever failed
            log.error("action_start_form failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return [SlotSet(SLOT_STATE, None)]
        _say(dispatcher, outcome)
        feedback.record(tracker, "answered", outcome.slots.get("procedure"))
        return [SlotSet(SLOT_STATE, outcome.state)] + [SlotSet(k, v) for k, v in outcome.slots.items()]


class ValidateCitizenForm(FormValidationAction):
    """Every message while the form is open arrives here as `form_answer`."""

    def name(self) -> Text:
        return "validate_citizen_form"

    async def required_slots(self, domain_slots: List[Text], dispatcher: CollectingDispatcher, tracker: Tracker,
                             domain: DomainDict) -> List[Text]:
        # No session (none started, or it ended): nothing to ask, the form closes.
        return domain_slots if tracker.get_slot(SLOT_STATE) else []

    async def validate_form_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                                   domain: DomainDict) -> Dict[Text, Any]:
        # Rendering the PDF and DOCX, profiles and the dossier source: off the event loop.
        return await off_loop(self.check_answer, value, dispatcher, tracker, domain)

    def check_answer(self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker,
                     domain: DomainDict) -> Dict[Text, Any]:
        if not isinstance(value, str):
            # Called on activation too (slots set since the last message): no answer yet.
            return {}
        value = bounded(value)
        state = tracker.get_slot(SLOT_STATE)
        procedure = state.get("procedure") if isinstance(state, dict) else None
        try:
            # "à mà phí bao nhiêu?": answered, then the same field is asked again
            kept = answer_aside(dispatcher, tracker, procedure, lambda: _say(dispatcher, FormOutcome(session.reprompt(state))))
            if kept is not None:
                return {**kept, SLOT_ANSWER: None, SLOT_STATE: state}
            outcome = service.form_desk().answer(state, value, verified_dossier(tracker), tracker.sender_id)
        except Exception:  # noqa: BLE001
            log.error("validate_citizen_form failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return {SLOT_ANSWER: None, SLOT_STATE: None}
        _say(dispatcher, outcome)
        feedback.record(tracker, "other", procedure, "form_delivered" if outcome.delivered else None)
        slots = {SLOT_ANSWER: None, SLOT_STATE: outcome.state}
        # A delivered form ends what the citizen came for: the moment for the 1-5 question.
        for event in feedback.follow_up(dispatcher, tracker, trigger="form" if outcome.delivered else None):
            slots[event["name"]] = event["value"]
        return slots


class ActionAskFormAnswer(Action):
    """The form's "ask" step. Silent: the question was already said by bot.forms with the
    previous answer's feedback."""

    def name(self) -> Text:
        return "action_ask_form_answer"

    def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        return []


class ActionForgetProfile(OffLoopAction):
    ends_turn = True
    def name(self) -> Text:
        return "action_forget_profile"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            desk = service.form_desk()
            if not desk.asks_to_forget(_text(tracker)):
                # Misread as a deletion request: answer it as a question about procedures instead.
                answer = service.dialogue().respond(replace(turn_from_tracker(tracker), intent="ask_procedure"))
                return sent_and_recorded(dispatcher, tracker, answer)
            _say(dispatcher, desk.forget(_text(tracker), tracker.sender_id))
            feedback.record(tracker, "answered")
        except Exception:  # noqa: BLE001
            log.error("action_forget_profile failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
        return []
