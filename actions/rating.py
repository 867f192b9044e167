"""The rating action: 👍/👎 under an answer, or a 1-5 satisfaction score, clicked or typed.
Thin: bot.feedback decides what to say, bot.analytics.recorder stores."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback
from actions.actions import INTERNAL_ERROR, sent_and_recorded, turn_from_tracker
from actions.message import citizen_text
from actions.threads import OffLoopAction
from bot import service
from bot.analytics import recorder
from bot.analytics.db import conversation_ref
from bot.feedback import SLOT

log = logging.getLogger(__name__)


class ActionRate(OffLoopAction):
    ends_turn = True
    def name(self) -> Text:
        return "action_rate"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        message = tracker.latest_message or {}
        intent = (message.get("intent") or {}).get("name") or ""
        text = citizen_text(message)
        entities = {e.get("entity"): e.get("value") for e in message.get("entities") or []}
        procedure = entities.get("procedure")
        try:
            if not isinstance(procedure, str) or procedure not in service.dialogue().catalog:
                procedure = None  # a typed payload may name anything; the buttons name catalog ids
            fb, current = feedback.feedback(), feedback.state(tracker)
            if not text.startswith("/"):
                # Typed: about the last answer rated, or the score asked. Nothing asked, or no
                # score in it ("hài lòng chưa?"): the model misread a question; answer it.
                procedure = current.asked[-1] if current.asked else None
                if intent == "rate_satisfaction":
                    asked = current.satisfaction is not None or fb.read_score(text) is not None
                else:
                    asked = procedure is not None and fb.rates_the_answer(text)
                if not asked:
                    return sent_and_recorded(dispatcher, tracker, service.dialogue().fallback(turn_from_tracker(tracker)))
            elif intent != "rate_satisfaction" and procedure is None:
                # A 👍/👎 payload without its procedure (the buttons always name one): about the
                # last answer rated, else nothing to rate; never a rating counted again and again.
                procedure = current.asked[-1] if current.asked else None
                if procedure is None:
                    return sent_and_recorded(dispatcher, tracker, service.dialogue().fallback(turn_from_tracker(tracker)))
            rating = fb.rate(current, intent, procedure, str(entities.get("score") or text))
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever failed
            log.exception("action_rate failed (conversation %s)", conversation_ref(tracker.sender_id))
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return []
        if rating.helpful is not None:
            question, question_id = (None, None) if rating.helpful else feedback.previous_question(tracker)
            recorder.record_helpful(tracker.sender_id, feedback.channel(tracker), rating.procedure, rating.helpful, question,
                                    question_id=question_id)
        if rating.score is not None:
            recorder.record_satisfaction(tracker.sender_id, feedback.channel(tracker), rating.score, current.trigger)
        feedback.record(tracker, "other")
        for m in rating.messages:
            dispatcher.utter_message(**m)
        return [SlotSet(SLOT, rating.state.to_slot())]
