"""Vietnamese text handling: Unicode clean-up, diacritic folding and safe input trimming.

Everything here is pure and fast (no models): it runs on every message, in the NLU pipeline,
in procedure retrieval and in the training-data generator.
"""
from __future__ import annotations

import html
import re
import unicodedata

# Longest message we look at. Citizens' questions are short; a pasted 5,000-character text is
# cut here so that NLU and retrieval time stay bounded.
MAX_INPUT_CHARS = 500

# Old-style tone placement ("hoà") and new-style ("hòa") are both common; we unify to the
# new style so that both spellings produce the same tokens.
_TONE_PLACEMENT = {
    "oà": "òa", "oá": "óa", "oả": "ỏa", "oã": "õa", "oạ": "ọa",
    "oè": "òe", "oé": "óe", "oẻ": "ỏe", "oẽ": "õe", "oẹ": "ọe",
    "uỳ": "ùy", "uý": "úy", "uỷ": "ủy", "uỹ": "ũy", "uỵ": "ụy",
}
_TONE_RE = re.compile("|".join(map(re.escape, _TONE_PLACEMENT)))
_TAG_RE = re.compile(r"<[^>]{0,200}>")
_CONTROL_RE = re.compile(r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u2028-\u202f\ufeff]")
_SPACE_RE = re.compile(r"\s+")
_WORD_RE = re.compile(r"[0-9a-zđ]+(?:[.\-/][0-9a-zđ]+)*", re.IGNORECASE)


def normalize(text: str) -> str:
    """NFC, unified tone placement, lowercase, collapsed whitespace."""
    text = unicodedata.normalize("NFC", text).lower()
    text = _TONE_RE.sub(lambda m: _TONE_PLACEMENT[m.group(0)], text)
    return _SPACE_RE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Lowercase ASCII form without diacritics ("Hướng dẫn viên" -> "huong dan vien")."""
    text = unicodedata.normalize("NFD", text.lower())
    text = "".join(c for c in text if unicodedata.category(c) != "Mn")
    return text.replace("đ", "d")


_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}  # huyền, sắc, ngã, hỏi, nặng


def untone(text: str) -> str:
    """Remove the tone marks only, keeping â ă ê ô ơ ư đ ("quốc" -> "quôc", "nội" -> "nôi")."""
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))


def words(text: str) -> list[str]:
    """Folded word tokens; punctuation is dropped, "1.004623" stays one token."""
    return _WORD_RE.findall(fold(text))


def phrase_positions(tokens: list[str], phrase: tuple[str, ...]) -> list[int]:
    """Start positions of `phrase` (a token tuple) in `tokens`."""
    k = len(phrase)
    return [i for i in range(len(tokens) - k + 1) if tuple(tokens[i:i + k]) == phrase] if k else []


def clean_input(text: object, limit: int = MAX_INPUT_CHARS) -> str:
    """Make any user input safe to process: text only, no markup or control characters,
    at most `limit` characters, cut on a word boundary."""
    if not isinstance(text, str):
        return ""
    text = html.unescape(_TAG_RE.sub(" ", text))
    text = _CONTROL_RE.sub(" ", unicodedata.normalize("NFC", text))
    text = _SPACE_RE.sub(" ", text).strip()
    if len(text) > limit:
        cut = text.rfind(" ", 0, limit)
        text = text[: cut if cut > limit // 2 else limit]
    return text


def has_words(text: str) -> bool:
    """True if the text contains at least one letter or digit (not just emoji/punctuation)."""
    return any(c.isalnum() for c in text)
