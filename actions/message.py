"""The citizen's text as the actions read it: a string, at most MAX_CHARS characters.

The gateway never passes Rasa a longer message (bot/gateway/rasa.py MAX_MESSAGE), but Rasa's REST
channel on loopback takes any length; every action reads the citizen's text through `citizen_text`
so that what the matching code sees stays bounded whoever sent the message.
"""
from __future__ import annotations

from typing import Any, Mapping

MAX_CHARS = 5000  # the gateway's MAX_MESSAGE


def citizen_text(message: Mapping[str, Any] | None) -> str:
    """The text of a message (tracker.latest_message, a user event), cut to MAX_CHARS; "" when
    there is none or it is not a string."""
    return bounded((message or {}).get("text"))


def bounded(value: Any) -> str:
    """A text typed by the citizen (a message, a slot filled from one), cut to MAX_CHARS; "" when not a string."""
    return value[:MAX_CHARS] if isinstance(value, str) else ""
