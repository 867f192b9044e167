"""When the assistant asks citizens to rate it, and what it says when they do.

Two light questions, both skippable (the citizen can simply ask something else):
- "Câu trả lời có giúp ích không?" 👍/👎 under the first answer about a procedure, at most
  once per procedure per conversation;
- a 1-5 satisfaction question at the end of a conversation (thanks or goodbye, a delivered
  form, a dossier lookup), at most once per conversation, then an optional comment.

State lives in the Rasa slot `feedback_state` (a small dict), never in process memory. Texts
are data (data/replies.yml: feedback).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from bot.text import fold

SLOT = "feedback_state"
INTENTS = ("rate_helpful", "rate_unhelpful", "rate_satisfaction")
TRIGGERS = ("thanks", "goodbye", "form", "lookup")
Message = dict[str, Any]


@dataclass(frozen=True)
class State:
    asked: tuple[str, ...] = ()  # procedures whose answer got the 👍/👎 question
    rated: tuple[str, ...] = ()  # procedures the citizen rated
    satisfaction: str | None = None  # None, "asked" or "rated"
    trigger: str | None = None  # what the satisfaction question followed
    comment: bool = False  # the next unclear message is the optional comment

    @classmethod
    def from_slot(cls, value: Any) -> "State":
        if not isinstance(value, Mapping):
            return cls()

        def ids(key: str) -> tuple[str, ...]:
            items = value.get(key)
            return tuple(i for i in items if isinstance(i, str)) if isinstance(items, list) else ()

        satisfaction = value.get("satisfaction") if value.get("satisfaction") in ("asked", "rated") else None
        trigger = value.get("trigger") if value.get("trigger") in TRIGGERS else None
        return cls(ids("asked"), ids("rated"), satisfaction, trigger, value.get("comment") is True)

    def to_slot(self) -> dict[str, Any]:
        return {"asked": list(self.asked), "rated": list(self.rated), "satisfaction": self.satisfaction,
                "trigger": self.trigger, "comment": self.comment}


@dataclass
class Rating:
    """What a rating message comes to: the replies, the new state, and what to record
    (`helpful`: True/False for 👍/👎; `score`: 1-5), None when nothing is recorded."""
    messages: list[Message]
    state: State
    helpful: bool | None = None
    score: int | None = None
    procedure: str | None = None


def _payload(intent: str, **entities: str) -> str:
    return f"/{intent}{json.dumps(entities, ensure_ascii=False, separators=(',', ':'))}"


@dataclass
class Feedback:
    texts: Mapping[str, Any]
    hotline: str
    _labels: list[tuple[str, int]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Typed ratings are read against the buttons' own words, longest first ("rất hài
        # lòng" before "hài lòng", "không hài lòng" before "hài lòng").
        labels = []
        for score, title in self.texts["scores"].items():
            words = fold(str(title).split("–", 1)[-1]).strip()
            labels.append((words, int(score)))
        self._labels = sorted(labels, key=lambda x: -len(x[0]))

    def _t(self, key: str) -> str:
        return " ".join(str(self.texts[key]).split()).format(hotline=self.hotline)

    # ------------------------------------------------------------------ asking

    def helpful_prompt(self, state: State, procedure: str | None) -> tuple[Message | None, State]:
        """The 👍/👎 question under an answer about `procedure`, once per procedure."""
        if not procedure or procedure in state.asked:
            return None, state
        buttons = [{"title": self._t("helpful_yes"), "payload": _payload("rate_helpful", procedure=procedure)},
                   {"title": self._t("helpful_no"), "payload": _payload("rate_unhelpful", procedure=procedure)}]
        return {"text": self._t("helpful_question"), "buttons": buttons}, replace(state, asked=state.asked + (procedure,))

    def satisfaction_prompt(self, state: State, trigger: str) -> tuple[Message | None, State]:
        """The 1-5 question at the end of a conversation, once per conversation."""
        if state.satisfaction is not None:
            return None, state
        return self._score_question("satisfaction_question"), replace(state, satisfaction="asked", trigger=trigger)

    def _score_question(self, key: str) -> Message:
        scores = self.texts["scores"]
        buttons = [{"title": str(scores[s]), "payload": _payload("rate_satisfaction", score=str(s))}
                   for s in sorted(scores, reverse=True)]
        return {"text": self._t(key), "buttons": buttons}

    # ------------------------------------------------------------------ answers

    def read_score(self, text: str) -> int | None:
        """A 1-5 score typed or clicked: a lone digit 1-5, else the words of a button title."""
        # "4/5", "4 trên 5": the scale's 5 is not a second score.
        scored = re.sub(r"(?<=\d)\s*(?:/|tr[êe]n)\s*5(?!\d)", "", text or "", flags=re.IGNORECASE)
        digits = re.findall(r"(?<!\d)[1-5](?!\d)", scored)
        if len(set(digits)) == 1:
            return int(digits[0])
        folded = " ".join(fold(text or "").split())
        return next((score for words, score in self._labels if words and words in folded), None)

    def rates_the_answer(self, text: str) -> bool:
        """Whether a typed message speaks about the answer itself ("câu trả lời hữu ích"), as a
        typed 👍/👎 must: the model also reads "sở không trả lời thì sao" as one."""
        folded = " ".join(fold(text or "").split())
        return any(" ".join(fold(w).split()) in folded for w in self.texts.get("rating_words") or ())

    def rate(self, state: State, intent: str, procedure: str | None, score_text: str) -> Rating:
        """A rating message (`intent` one of INTENTS): thanks, and what to record."""
        if intent in ("rate_helpful", "rate_unhelpful"):
            if procedure and procedure in state.rated:
                return Rating([{"text": self._t("already_rated")}], state)
            helpful = intent == "rate_helpful"
            rated = state.rated + ((procedure,) if procedure else ())
            text = self._t("helpful_thanks" if helpful else "unhelpful_thanks")
            return Rating([{"text": text}], replace(state, rated=rated, comment=False), helpful=helpful, procedure=procedure)
        if state.satisfaction == "rated":
            return Rating([{"text": self._t("already_rated")}], state)
        score = self.read_score(score_text)
        if score is None:
            return Rating([self._score_question("ask_score")], replace(state, satisfaction="asked"))
        text = self._t("satisfaction_low" if score <= 2 else "satisfaction_thanks")
        return Rating([{"text": text}], replace(state, satisfaction="rated", comment=True), score=score)

    def comment_thanks(self) -> Message:
        return {"text": self._t("comment_thanks")}
