"""Ratings and the record of each turn, for the staff console. Thin: bot.feedback decides when
to ask and what to say, bot.analytics.recorder stores; this copies the tracker in and out.
Neither a rating nor the record ever costs the citizen an answer."""
from __future__ import annotations

import logging
from dataclasses import replace
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.message import citizen_text
from bot import service
from bot.analytics import db, recorder
from bot.feedback import SLOT, Feedback, State

log = logging.getLogger(__name__)


def feedback() -> Feedback:
    answerer = service.dialogue().answerer
    return Feedback(answerer.replies["feedback"], answerer.department.hotline)


def state(tracker: Tracker) -> State:
    return State.from_slot(tracker.get_slot(SLOT))


def channel(tracker: Tracker) -> str:
    """The channel the gateway named in the message metadata; "rest" when Rasa's REST channel
    was called directly."""
    value = ((tracker.latest_message or {}).get("metadata") or {}).get("channel")
    return value if value in ("web", "telegram", "zalo") else "rest"


def _user_events(tracker: Tracker) -> list[dict]:
    return [e for e in tracker.events if e.get("event") == "user"]


def record(tracker: Tracker, kind: str, procedure: Any = None, event: str | None = None) -> None:
    """Record what became of the latest message (bot.analytics.recorder). Never raises: it runs
    after the answer was said."""
    try:
        message = tracker.latest_message or {}
        users = _user_events(tracker)
        started = users[-1].get("timestamp") if users else None
        # Without Rasa's id, a stand-in that does not hold the sender id (a Telegram or Zalo user id).
        message_id = message.get("message_id") or f"{db.conversation_id(tracker.sender_id)}:{started}"
        recorder.record_turn(tracker.sender_id, str(message_id), channel=channel(tracker),
                             intent=(message.get("intent") or {}).get("name") or "", outcome=kind,
                             procedure=procedure if isinstance(procedure, str) else None, event=event,
                             started=started if isinstance(started, (int, float)) else None,
                             text=citizen_text(message) or None)
    except Exception:  # noqa: BLE001 - the citizen's answer matters more than the figures
        log.exception("could not record a turn (conversation %s)", db.conversation_ref(tracker.sender_id))


def previous_question(tracker: Tracker) -> tuple[str | None, str | None]:
    """The citizen's last typed message before this one (the question a 👎 is about) and its
    message id (None when the event has none)."""
    for event in reversed(_user_events(tracker)[:-1]):
        text = citizen_text(event)
        if text.strip() and not text.startswith("/"):
            message_id = event.get("message_id")
            return text, message_id if isinstance(message_id, str) and message_id else None
    return None, None


def follow_up(dispatcher: CollectingDispatcher, tracker: Tracker, helpful_for: Any = None,
              trigger: str | None = None) -> List[Dict[Text, Any]]:
    """After a turn: ask 👍/👎 under the first answer about `helpful_for`, or the 1-5 question
    after `trigger` (once each); a message that was not a comment closes the comment window.
    The slot event, or nothing. Never fails the turn."""
    try:
        current = state(tracker)
        new = replace(current, comment=False)
        fb = feedback()
        if isinstance(helpful_for, str):
            message, new = fb.helpful_prompt(new, helpful_for)
            if message:
                dispatcher.utter_message(**message)
        if trigger:
            message, new = fb.satisfaction_prompt(new, trigger)
            if message:
                dispatcher.utter_message(**message)
    except Exception:  # noqa: BLE001
        log.exception("rating question failed (conversation %s)", db.conversation_ref(tracker.sender_id))
        return []
    return [SlotSet(SLOT, new.to_slot())] if new != current else []


def take_comment(dispatcher: CollectingDispatcher, tracker: Tracker) -> List[Dict[Text, Any]] | None:
    """After a satisfaction rating, a message the assistant cannot answer is the citizen's
    comment: stored masked, thanked. None when no comment was awaited."""
    try:
        current = state(tracker)
        text = citizen_text(tracker.latest_message)
        if not current.comment or not text.strip() or text.startswith("/"):
            return None
        recorder.record_comment(tracker.sender_id, text)
        dispatcher.utter_message(**feedback().comment_thanks())
    except Exception:  # noqa: BLE001
        log.exception("comment failed (conversation %s)", db.conversation_ref(tracker.sender_id))
        return None
    record(tracker, "other")
    return [SlotSet(SLOT, replace(current, comment=False).to_slot())]
