"""The dossier status lookup action: copies the tracker into a DossierTurn, lets
bot.dossiers.conversation decide. Nothing about the dossier or the citizen is logged."""
from __future__ import annotations

import logging
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import feedback
from actions.actions import INTERNAL_ERROR, send, turn_from_tracker
from actions.message import citizen_text
from actions.threads import OffLoopAction
from bot import service
from bot.dialogue import SLOT_PROCEDURE
from bot.dossiers.conversation import SLOT_CODE, SLOT_VERIFIED, DossierTurn
from bot.dossiers.model import normalize_code

log = logging.getLogger(__name__)
ENTITY_CODE = "dossier_code"
ENTITY_DIGITS = "last_digits"


def _entity(tracker: Tracker, name: str) -> str | None:
    return next((e.get("value") for e in (tracker.latest_message or {}).get("entities") or []
                 if e.get("entity") == name and isinstance(e.get("value"), str)), None)


def _client(tracker: Tracker) -> str | None:
    """The hashed client address the gateway puts in the message metadata (web channel): the
    lockout then also holds for a browser that invents a new sender id for every guess."""
    metadata = (tracker.latest_message or {}).get("metadata") or {}
    client = metadata.get("client")
    return client if isinstance(client, str) and 8 <= len(client) <= 64 else None


def lookup_turn(tracker: Tracker) -> DossierTurn:
    """The lookup turn of the latest message."""
    return DossierTurn(
        text=citizen_text(tracker.latest_message),
        sender=tracker.sender_id,
        code=normalize_code(_entity(tracker, ENTITY_CODE) or ""),  # a payload may carry any spelling
        last_digits=_entity(tracker, ENTITY_DIGITS),
        pending_code=tracker.get_slot(SLOT_CODE),
        verified=tuple(tracker.get_slot(SLOT_VERIFIED) or ()),
        client=_client(tracker),
    )


class ActionDossierStatus(OffLoopAction):
    ends_turn = True
    pool_name = "dossiers"  # a slow one-stop system holds up lookups only, never other answers

    def name(self) -> Text:
        return "action_dossier_status"

    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        turn = lookup_turn(tracker)
        try:
            outcome = None
            waiting = turn.pending_code and turn.pending_code not in turn.verified  # for the 4 digits
            if not turn.code and not turn.last_digits and not waiting:
                # No code, no digits, no lookup waiting for its second check: the model may have
                # misread a question about procedures ("hồ sơ karaoke hay bị bổ sung vì sao").
                outcome = service.dialogue().dossier_question(turn_from_tracker(tracker))
            outcome = outcome or service.dossier_desk().respond(turn)
        except Exception:  # noqa: BLE001 - the citizen must get an answer whatever failed
            log.error("action_dossier_status failed", exc_info=True)
            dispatcher.utter_message(text=INTERNAL_ERROR)
            return []
        events = send(dispatcher, outcome)
        feedback.record(tracker, outcome.kind, outcome.slots.get(SLOT_PROCEDURE), outcome.event)
        # A status shown ends what the citizen came for: the moment for the 1-5 question.
        return events + feedback.follow_up(dispatcher, tracker, trigger="lookup" if outcome.event == "lookup_ok" else None)
