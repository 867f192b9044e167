"""A typed "/restart" or "/session_start": Rasa reads them as its own commands, which silently
wiped the conversation, a form or a check in progress included. These actions replace Rasa's
action_restart and action_session_start (same names, listed in domain.yml): with a form or a
check open they ask first and keep everything; a second "/restart" right after that starts
over. No button of the web widget or the gateways sends either, so they are always typed.
action_session_start also runs when Rasa starts a session itself (a new or expired
conversation): then it does what Rasa's own does (no slot is carried over, see domain.yml)."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecuted, FollowupAction, Restarted, SessionStarted
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import INTERNAL_ERROR
from actions.threads import OffLoopAction
from bot import service
from bot.analytics.db import conversation_ref
from bot.forms.intake import DONE

log = logging.getLogger(__name__)
COMMANDS = ("restart", "session_start")


def _in_progress(tracker: Tracker) -> tuple[str, dict] | None:
    """What would be lost: ("confirm_form", values) or ("confirm_check", values), or None."""
    answerer = service.dialogue().answerer
    form = tracker.get_slot("form_state")
    if isinstance(form, dict) and form.get("phase") not in (None, *DONE):
        from bot.forms.session import view

        try:
            name = view(form).name
        except Exception:  # noqa: BLE001 - a state from an older version still counts as a form
            name = answerer.phrase("fill_form_button")
        return "confirm_form", {"form": name}
    check = tracker.get_slot("check_state")
    if isinstance(check, dict):
        procedure = answerer.catalog.get(check.get("procedure")) if isinstance(check.get("procedure"), str) else None
        return "confirm_check", {"procedure": procedure.short_name if procedure else ""}
    return None


def _confirmed(tracker: Tracker) -> bool:
    """The citizen's previous message was "/restart" too (and was answered with the question)."""
    users = [e for e in tracker.events if e.get("event") == "user"]
    previous = users[-2] if len(users) >= 2 else None
    return bool(previous) and ((previous.get("parse_data") or {}).get("intent") or {}).get("name") in COMMANDS


class ActionRestart(OffLoopAction):
    def name(self) -> Text:
        return "action_restart"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        try:
            answerer = service.dialogue().answerer
            pending = _in_progress(tracker)
            if pending and not _confirmed(tracker):
                key, values = pending
                dispatcher.utter_message(text=answerer.phrase(f"restart.{key}", **values))
                # Nothing changes; wait for the citizen (not the form, which would read "/restart").
                return [FollowupAction("action_listen")]
            dispatcher.utter_message(text=answerer.phrase("restart.done"))
        except Exception:  # noqa: BLE001 - nothing is wiped when it is unclear what would be lost
            log.exception("action_restart failed (conversation %s)", conversation_ref(tracker.sender_id))
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return [FollowupAction("action_listen")]
        return [Restarted()]


def _typed(tracker: Tracker) -> bool:
    """Whether this session start answers a message ("/session_start" typed), rather than Rasa
    starting a session before a message (the latest event is then the previous turn's listen)."""
    for event in reversed(tracker.events):
        if event.get("event") == "user":
            return True
        if event.get("event") == "action" and event.get("name") == "action_listen":
            return False
    return False


class ActionSessionStart(OffLoopAction):
    def name(self) -> Text:
        return "action_session_start"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        if _typed(tracker):
            try:
                answerer = service.dialogue().answerer
                pending = _in_progress(tracker)
                if pending:
                    key, values = pending
                    dispatcher.utter_message(text=answerer.phrase(f"restart.{key}", **values))
                    # Nothing changes. Rasa predicts nothing after a session start: the listen
                    # is ours to log, as a session start does.
                    return [ActionExecuted("action_listen")]
                dispatcher.utter_message(text=answerer.phrase("restart.done"))
            except Exception:  # noqa: BLE001
                log.exception("action_session_start failed (conversation %s)", conversation_ref(tracker.sender_id))
                dispatcher.utter_message(text=INTERNAL_ERROR)
                return [ActionExecuted("action_listen")]
        # What Rasa's own does with carry_over_slots_to_new_session: false.
        return [SessionStarted(), ActionExecuted("action_listen")]
