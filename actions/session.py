"""Bounded conversations: a very long conversation session is continued in a new one.

Rasa loads the whole current session from the tracker store on every message, sends all of it
to the action server on every action call and lets the policies read it: a turn cost 88 ms at
the start of a conversation and 442 ms after 420 messages (bench/long_conversation.py), nearly
all of it inside Rasa. Sessions end only after 60 idle minutes (domain.yml), so a citizen or a
script chatting on keeps growing one.

After MAX_MESSAGES messages in a session, an action that ends the turn (no form or check open)
starts a new session the way Rasa's own session start does, carrying every slot over: the
citizen notices nothing (the procedure under discussion, a verified dossier and the ratings
stay), and Rasa's tracker store loads only the new session from then on. Measured with
bench/long_conversation.py (420 messages, 2 shared cores): median reply 88 / 264 / 442 ms at
messages 1-20 / 200-220 / 401-420 without the bound, 74 / 72 / 80 ms with it; per message Rasa
loaded 3,578 events (272 ms; deserialising events is most of a long turn, then the policies'
featurisation) and sent 1.75 MB to the action server, against 174 events, 23 ms and 0.09 MB.
"""
from __future__ import annotations

import os
from typing import Any, Dict, List, Text

from rasa_sdk import Tracker
from rasa_sdk.events import FollowupAction, SessionStarted, SlotSet

DEFAULT_MAX_MESSAGES = 100
NOT_CARRIED = ("requested_slot", "session_started_metadata")


def max_messages() -> int:
    value = os.environ.get("VHTTDL_SESSION_MAX_MESSAGES", "")
    return int(value) if value.strip().isdigit() and int(value) > 0 else DEFAULT_MAX_MESSAGES


def bounded(tracker: Tracker, events: List[Dict[Text, Any]]) -> List[Dict[Text, Any]]:
    """`events`, followed by a new session that keeps the slots when the current one holds
    MAX_MESSAGES messages of the citizen and nothing (a form, a check) is in progress."""
    if (tracker.active_loop or {}).get("name"):
        return events
    # The action server receives the current session only (Rasa's tracker store loads no more).
    if sum(1 for e in tracker.events if e.get("event") == "user") < max_messages():
        return events
    slots = dict(tracker.slots)
    slots.update({e["name"]: e.get("value") for e in events if e.get("event") == "slot"})
    carried = [SlotSet(name, value) for name, value in slots.items() if value is not None and name not in NOT_CARRIED]
    # The turn is over: wait for the citizen (no policy runs on the fresh session's empty state).
    return events + [SessionStarted()] + carried + [FollowupAction("action_listen")]
