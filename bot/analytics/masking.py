"""Masking of personal data in citizens' messages before they are kept for the review queue.

    mask("CCCD 001099012345, sđt 0912 345 678") == "CCCD [CCCD], sđt [SĐT]"

Dossier codes, e-mail addresses, phone numbers (as typed: spaces, dots, +84), 12-digit CCCD and
9-digit CMND numbers, and any other run of 6 digits or more (an account, a date of birth typed
without separators) are replaced by a label. Nothing of the masked value is kept.
"""
from __future__ import annotations

import re

from bot.dossiers.model import CODE_RE

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
_PHONE = re.compile(r"(?<![\w+])(?:\+\s?84|0)(?:[ .\-]?\d){8,10}(?!\d)")
_CCCD = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){11}(?!\d)")
_CMND = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){8}(?!\d)")
_LONG_NUMBER = re.compile(r"(?<!\d)\d(?:[ .\-]?\d){5,}(?!\d)")
# Dates ("12/03/1990", "12-3-90") name a person when typed with a birth date.
_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?!\d)")

MAX_KEPT = 500  # characters of a message kept for review


def mask(text: str) -> str:
    """`text` with personal data replaced by labels, cut to MAX_KEPT characters."""
    text = text or ""
    text = CODE_RE.sub("[mã hồ sơ]", text)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[SĐT]", text)
    text = _CCCD.sub("[CCCD]", text)
    text = _CMND.sub("[CMND]", text)
    text = _DATE.sub("[ngày]", text)
    text = _LONG_NUMBER.sub("[số]", text)
    text = " ".join(text.split())
    return text[:MAX_KEPT]
