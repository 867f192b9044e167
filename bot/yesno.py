"""Reading a yes or a no, wherever the assistant has asked a yes/no question.

    read_yes_no("dạ vâng ạ", lexicon)   # "yes"
    read_yes_no("thôi khỏi", lexicon)   # "no"
    read_yes_no("có cần bản gốc không", lexicon)  # None: a question, not an answer

The whole message, give or take politeness words ("ạ", "nhé", "ad"), must be one of the answers
in data/lexicon.yml (`yes_no`); a word typed with diacritics must be the same word ("có" is not
"cổ"), one typed without them matches its unaccented form ("dc", "ko", "uk").
"""
from __future__ import annotations

from typing import Literal

from bot.lexicon import Lexicon, Phrase, Typed, find_phrase

YesNo = Literal["yes", "no"]


def _strip(typed: list[Typed], particles: tuple[Phrase, ...]) -> list[Typed]:
    changed = True
    while changed and len(typed) > 1:
        changed = False
        for p in particles:
            k = len(p)
            if len(typed) > k and find_phrase(typed[-k:], p):
                typed, changed = typed[:-k], True
            elif len(typed) > k and find_phrase(typed[:k], p):
                typed, changed = typed[k:], True
    return typed


def _whole(typed: list[Typed], phrases: tuple[Phrase, ...]) -> bool:
    return any(len(p) == len(typed) and find_phrase(typed, p) for p in phrases)


def read_yes_no(text: str, lexicon: Lexicon) -> YesNo | None:
    """"yes", "no", or None when the message is not a plain yes/no answer."""
    typed = lexicon.typed(text) if text else []
    for candidate in (typed, _strip(typed, lexicon.yes_no_particles)):
        if not candidate:
            continue
        if _whole(candidate, lexicon.yes_words):
            return "yes"
        if _whole(candidate, lexicon.no_words):
            return "no"
    return None
