"""Citizen doesn't write: official forms filled in through the chat (see docs/forms.md)."""
