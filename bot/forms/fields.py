"""Validate and normalise what a citizen types into one blank of a form.

Every `check_*` function is pure: it takes the raw answer and returns a `Check` holding either the
normalised value (what is stored and printed) or a polite Vietnamese explanation with an example
(from data/forms/texts.yml). `check_field` picks the right one for a template field.

Normalised values are JSON-friendly: dates are ISO strings ("1990-03-15"), numbers are ints,
CCCD/phone/registration numbers are digit strings. `display` turns them back into what a form
shows ("15/03/1990", "0912 345 678", "20.000.000").
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from rapidfuzz import fuzz

from bot.forms.templates import FieldSpec, load_texts
from bot.text import fold

MAX_TEXT = 300
_SEPARATORS_RE = re.compile(r"[\s.\-()/]")
_DATE_NUMERIC_RE = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{2,4})$")
_DATE_WORDS_RE = re.compile(r"^(?:ngay\s*)?(\d{1,2})\s*thang\s*(\d{1,2})\s*(?:(?:nam|,)\s*)?(\d{2,4})$")
_DATE_ISO_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_EMAIL_RE = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9\-]+(?:\.[a-z0-9\-]+)*\.[a-z]{2,}$")
_MOBILE_RE = re.compile(r"^0[35789]\d{8}$")
_LANDLINE_RE = re.compile(r"^02\d{9}$")
_BUSINESS_RE = re.compile(r"^(\d{10})(?:-?(\d{3}))?$")
_NUMBER_RE = re.compile(r"\d{1,3}(?:[.,]\d{3})+(?!\d)|\d+")
_AREA_UNIT_RE = re.compile(r"m\s*[2²]", re.IGNORECASE)
_NAME_RE = re.compile(r"^[^\W\d_]+(?:[ '\-.][^\W\d_]+)*$")


@dataclass(frozen=True)
class Check:
    """A validated answer: `value` when accepted, otherwise `error` (Vietnamese, with example)."""

    value: Any = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


def _msg(kind: str, key: str, example: str | None = None, **values: Any) -> str:
    texts = load_texts()["types"][kind]
    return texts[key].format(example=example or texts["example"], **values)


def _fail(kind: str, key: str, example: str | None = None, **values: Any) -> Check:
    return Check(error=_msg(kind, key, example, **values))


def format_help(kind: str, options: Sequence[str] = ()) -> str:
    """How a value of this type is written (for the explanation after repeated failures)."""
    return load_texts()["types"][kind]["format"].format(options=", ".join(options))


# ---------------------------------------------------------------------------- one per type


def check_text(raw: str, max_length: int | None = None, example: str | None = None) -> Check:
    value = " ".join(raw.split())
    if not value or not any(c.isalnum() for c in value):
        return _fail("text", "empty", example)
    limit = max_length or MAX_TEXT
    if len(value) > limit:
        return _fail("text", "too_long", example, max=limit)
    return Check(value)


def check_name(raw: str, example: str | None = None) -> Check:
    """A person's name: letters only; each word capitalised ("nguyễn thị hường" -> "Nguyễn Thị Hường")."""
    value = " ".join(raw.split())
    if len(value) < 2 or len(value) > 80 or not _NAME_RE.match(value):
        return _fail("name", "invalid", example)
    return Check(" ".join(_capitalise(w) for w in value.split(" ")))


def _capitalise(word: str) -> str:
    """"hường"/"HƯỜNG" -> "Hường"; a word typed in mixed case ("H'Hen") is kept as typed."""
    if word.islower() or word.isupper():
        return word[:1].upper() + word[1:].lower()
    return word[:1].upper() + word[1:]


def check_address(raw: str, example: str | None = None) -> Check:
    value = " ".join(raw.split()).strip(" ,.")
    if len(value) < 8 or len(value.split()) < 2 or not any(c.isalpha() for c in value):
        return _fail("address", "invalid", example)
    if len(value) > MAX_TEXT:
        return _fail("text", "too_long", example, max=MAX_TEXT)
    return Check(value)


_WIDE_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def ascii_digits(text: str) -> str:
    """Fullwidth digits ("０９１２…", typed by a phone keyboard in a CJK input mode) as the ASCII
    ones (what NFKC does to them), the rest of the text as it is."""
    return text.translate(_WIDE_DIGITS)


def check_cccd(raw: str, example: str | None = None) -> Check:
    """Citizen identity card number: exactly 12 digits; spaces, dots and dashes are ignored."""
    digits = _SEPARATORS_RE.sub("", raw.strip())
    if not re.fullmatch(r"\d{12}", digits):
        return _fail("cccd", "invalid", example, count=sum(c.isdigit() for c in digits))
    return Check(digits)


def check_phone(raw: str, example: str | None = None) -> Check:
    """Vietnamese mobile (10 digits, 03/05/07/08/09) or landline (11 digits, 02…); +84 -> 0."""
    value = _SEPARATORS_RE.sub("", raw.strip())
    if value.startswith("+84"):
        value = "0" + value[3:]
    elif value.startswith("84") and len(value) in (11, 12):
        value = "0" + value[2:]
    if value.startswith("00"):  # "(0)" written after +84: "+84 (0) 912…"
        value = value[1:]
    if not (_MOBILE_RE.match(value) or _LANDLINE_RE.match(value)):
        return _fail("phone", "invalid", example)
    return Check(value)


def check_email(raw: str, example: str | None = None) -> Check:
    value = raw.strip().lower()
    if not _EMAIL_RE.match(value) or ".." in value:
        return _fail("email", "invalid", example)
    return Check(value)


def check_business_reg_no(raw: str, example: str | None = None) -> Check:
    """Mã số doanh nghiệp: 10 digits, or 10 + 3 for a branch ("0101234567-001")."""
    compact = re.sub(r"[\s.]", "", raw.strip())
    m = _BUSINESS_RE.match(compact)
    if not m:
        return _fail("business_reg_no", "invalid", example)
    return Check(m.group(1) + (f"-{m.group(2)}" if m.group(2) else ""))


def check_integer(raw: str, minimum: int | None = 1, maximum: int | None = None, example: str | None = None) -> Check:
    """A whole number; "45 phòng", "120 m2" and "20.000.000" are accepted, "2,5" and "-3" are not."""
    text = _AREA_UNIT_RE.sub(" ", raw.strip())
    numbers = _NUMBER_RE.findall(text)
    if len(numbers) != 1 or re.search(r"-\s*\d", text):
        return _fail("integer", "invalid", example)
    value = int(re.sub(r"[.,]", "", numbers[0]))
    if minimum is not None and value < minimum:
        return _fail("integer", "too_small", example, min=minimum)
    if maximum is not None and value > maximum:
        return _fail("integer", "too_large", example, max=maximum)
    return Check(value)


def parse_date(raw: str) -> tuple[int, int, int] | str:
    """(day, month, year) from a Vietnamese date, or the texts.yml error key."""
    text = " ".join(fold(raw.strip()).split()).rstrip(".")
    if m := _DATE_ISO_RE.match(text):
        year, month, day = map(int, m.groups())
    elif m := (_DATE_NUMERIC_RE.match(text) or _DATE_WORDS_RE.match(text)):
        day, month, year = map(int, m.groups())
        if len(m.group(3)) != 4:
            return "short_year"
    else:
        return "invalid"
    return day, month, year


def check_date(raw: str, past: bool = False, future: bool = False, today: dt.date | None = None,
               example: str | None = None) -> Check:
    """15/3/1990, 15-03-1990, 15.3.1990, "15 tháng 3 năm 1990" (with or without diacritics) -> "1990-03-15"."""
    parsed = parse_date(raw)
    if isinstance(parsed, str):
        return _fail("date", parsed, example)
    day, month, year = parsed
    try:
        value = dt.date(year, month, day)
    except ValueError:
        return _fail("date", "not_a_date", example, value=f"{day}/{month}/{year}")
    today = today or dt.date.today()
    if past and value >= today:
        return _fail("date", "not_past", example)
    if future and value < today:
        return _fail("date", "not_future", example)
    return Check(value.isoformat())


def check_choice(raw: str, options: Sequence[str]) -> Check:
    """One of `options`, matched without diacritics, by a distinctive part, or by its number."""
    def key(s: str) -> str:
        return " ".join(re.sub(r"[^\w]+", " ", fold(s)).split())

    answer = key(raw)
    keys = [key(o) for o in options]
    if answer in keys:
        return Check(options[keys.index(answer)])
    if answer:
        # whole words of the option (keys are words joined by single spaces): no pattern is built from the answer
        containing = [o for o, k in zip(options, keys) if f" {answer} " in f" {k} "]
        if len(containing) == 1:
            return Check(containing[0])
        if answer.isdigit() and 1 <= int(answer) <= len(options) and not containing:
            return Check(options[int(answer) - 1])
        scores = sorted(((fuzz.ratio(answer, k), o) for o, k in zip(options, keys)), reverse=True)
        if scores[0][0] >= 80 and (len(scores) == 1 or scores[1][0] < scores[0][0]):
            return Check(scores[0][1])
    return Check(error=load_texts()["types"]["choice"]["invalid"].format(options=", ".join(options)))


# ---------------------------------------------------------------------------- dispatch


def check_field(spec: FieldSpec, raw: str, values: Mapping[str, Any] | None = None,
                today: dt.date | None = None, after_label: str | None = None) -> Check:
    """Validate an answer for a template field, including its cross-field rule (`after`: this
    date may not precede the date already given for that field, labelled `after_label`)."""
    t, ex = spec.type, spec.example
    if t == "choice":
        return check_choice(raw, spec.options)
    if t == "date":
        result = check_date(raw, spec.past, spec.future, today, ex)
        other = (values or {}).get(spec.after) if spec.after else None
        if result.ok and other and result.value < other:
            return Check(error=load_texts()["types"]["date"]["before_other"].format(
                other=after_label or spec.after, other_value=display_date(other)))
        return result
    if t == "integer":
        return check_integer(raw, spec.min if spec.min is not None else 1, spec.max, ex)
    if t in ("text",):
        return check_text(raw, spec.max, ex)
    return {
        "name": check_name, "address": check_address, "cccd": check_cccd, "phone": check_phone,
        "email": check_email, "business_reg_no": check_business_reg_no,
    }[t](raw, example=ex)


def display_date(iso: str) -> str:
    return dt.date.fromisoformat(iso).strftime("%d/%m/%Y")


def display_phone(digits: str) -> str:
    """0912345678 -> 0912 345 678; 02623812345 -> 0262 3812 345."""
    if len(digits) == 10:
        return f"{digits[:4]} {digits[4:7]} {digits[7:]}"
    if len(digits) == 11:
        return f"{digits[:4]} {digits[4:8]} {digits[8:]}"
    return digits


def display(spec: FieldSpec, value: Any) -> str:
    """The value as printed on the form and shown in the summary."""
    if value is None or value == "":
        return ""
    if spec.type == "date":
        return display_date(str(value))
    if spec.type == "phone":
        return display_phone(str(value))
    if spec.type == "integer":
        return f"{int(value):,}".replace(",", ".") if spec.money else str(value)
    text = str(value)
    return text.upper() if spec.uppercase else text
