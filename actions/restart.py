"""A typed "/restart": Rasa reads it as its own restart command, which silently wiped the
conversation, a form or a check in progress included. This action replaces Rasa's
action_restart (same name, listed in domain.yml): with a form or a check open it asks first and
keeps everything; a second "/restart" right after that starts over. No button of the web widget
or the gateways sends "/restart", so it is always typed."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, Restarted
from rasa_sdk.executor import CollectingDispatcher

from actions.actions import INTERNAL_ERROR
from actions.threads import OffLoopAction
from bot import service
from bot.forms.intake import DONE

log = logging.getLogger(__name__)
RESTART = "restart"


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
    return bool(previous) and ((previous.get("parse_data") or {}).get("intent") or {}).get("name") == RESTART


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
            log.exception("action_restart failed (conversation %s)", tracker.sender_id)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return [FollowupAction("action_listen")]
        return [Restarted()]
