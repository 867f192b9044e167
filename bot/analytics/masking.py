"""Masking of personal data in citizens' messages before they are kept for the review queue.

    mask("CCCD 000000000000, sđt 0900 000 000") == "CCCD [CCCD], sđt [SĐT]"

Dossier codes, e-mail addresses, phone numbers (as typed: spaces, dots, +84), 12-digit CCCD and
9-digit CMND numbers, and any other run of 6 digits or more (an account, a date of birth typed
without separators) are replaced by a label. Nothing of the masked value is kept.
"""
from __future__ import annotations

import re

from bot.dossiers.model import CODE_RE

_EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+", re.UNICODE)
# Between the digits of a number as typed: nothing, a few spaces, or a dot / hyphen with spaces
# around ("0912  345  678", "0912 - 345 - 678"); bounded and unambiguous, so that no message can
# make the matching slow. A number is only ever matched whole: the lookahead refuses to stop
# before more of its digits nor start after some, so a 14-digit account is not cut into a "CCCD" and a rest.
_SEP = r"(?:[ \t]{0,2}[.\-][ \t]{0,2}|[ \t]{1,3})?"
_START = "(?<!\\d)" + "".join(rf"(?<!\d[ \t.\-]{{{n}}})" for n in range(1, 6))
_END = rf"(?!{_SEP}\d)"
_PHONE = re.compile(rf"(?<![\w+]){_START}(?:\(?\+[ \t]?84\)?|0)(?:{_SEP}\d){{8,10}}{_END}")
_CCCD = re.compile(rf"{_START}\d(?:{_SEP}\d){{11}}{_END}")
_CMND = re.compile(rf"{_START}\d(?:{_SEP}\d){{8}}{_END}")
_LONG_NUMBER = re.compile(rf"{_START}\d(?:{_SEP}\d){{5,}}{_END}")
# Dates ("12/03/1990", "12-3-90", "12 tháng 3 năm 1990") name a person when typed with a birth date.
_DATE = re.compile(r"(?<!\d)\d{1,2}\s*[/.\-]\s*\d{1,2}\s*[/.\-]\s*\d{2,4}(?!\d)")
_DATE_WORDS = re.compile(r"(?<!\d)\d{1,2}\s*th[áa]ng\s*\d{1,2}\s*(?:,\s*)?(?:n[ăa]m\s*)?\d{4}(?!\d)", re.IGNORECASE)

# Control characters: no use to a reader, and a spreadsheet export refuses them.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")

MAX_KEPT = 500  # characters of a message kept for review


def mask(text: str) -> str:
    """`text` with personal data replaced by labels, cut to MAX_KEPT characters."""
    text = _labels(_CONTROL.sub(" ", text or ""), dates=True)
    return " ".join(text.split())[:MAX_KEPT]


def _labels(text: str, dates: bool) -> str:
    text = CODE_RE.sub("[mã hồ sơ]", text)
    text = _EMAIL.sub("[email]", text)
    text = _PHONE.sub("[SĐT]", text)
    text = _CCCD.sub("[CCCD]", text)
    text = _CMND.sub("[CMND]", text)
    if dates:
        text = _DATE_WORDS.sub("[ngày]", text)
        text = _DATE.sub("[ngày]", text)
    return _LONG_NUMBER.sub("[số]", text)


MAX_LOG_LINE = 2000  # characters of one log line kept
_LOG_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(?:[.,]\d{1,6})?")


def mask_log_line(line: str) -> str:
    """A line of a server's log with personal data replaced (dossier codes, e-mail, phone, CCCD,
    CMND, long numbers), cut to MAX_LOG_LINE characters; ends with one newline. Rasa writes a
    message that starts with "/" in full to its log, and a traceback may quote a message."""
    line = _CONTROL.sub(" ", line.rstrip("\r\n")[:MAX_LOG_LINE * 2])
    stamp = _LOG_TIME.match(line)  # the logger's own time is not personal data
    head = stamp.group(0) if stamp else ""
    return (head + _labels(line[len(head):], dates=False))[:MAX_LOG_LINE] + "\n"
