"""Questions about the whole catalogue, and general guidance that needs no procedure.

    catalogue = Catalogue(answerer)
    q = catalogue.question("thủ tục nào nộp online toàn trình được vậy ad")
    q                       # CatalogueQuestion(topic="online_full", wants_list=True)
    catalogue.answer(q)     # the procedures, grouped by field, from the catalog's data

A list word ("thủ tục nào", "những thủ tục") with a property ("toàn trình", "miễn phí", "qua bưu
điện", "nhanh nhất") asks for a list; a property alone asks for general guidance ("gửi hồ sơ
qua bưu điện thế nào", "kết quả bản điện tử có giá trị không"), which is answered when no
procedure is named or under discussion. The words are data (data/lexicon.yml: `catalogue`),
the sentences too (data/replies.yml: `catalogue`); every list comes from the catalog's fields
(channels, result_delivery, fees, processing_time, lien_thong), with uncertain facts marked.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable, Iterable

from bot.answers import Answerer, Reply
from bot.catalog import Procedure
from bot.lexicon import contains_any

FASTEST_SHOWN = 6


@dataclass(frozen=True)
class CatalogueQuestion:
    topic: str  # a key of data/lexicon.yml: catalogue.properties
    wants_list: bool  # "thủ tục nào ...": list the procedures


class Catalogue:
    def __init__(self, answerer: Answerer):
        self.answerer = answerer
        self.catalog = answerer.catalog
        self.lexicon = answerer.catalog.lexicon
        # Every property the lexicon can read must be answerable: a property added to lexicon.yml
        # without a selector here fails the build (the previous one keeps serving), not a citizen.
        unknown = set(self.lexicon.catalogue_properties) - set(_SELECTORS) - {"all", "where"}
        if unknown:
            raise ValueError(f"lexicon.yml catalogue.properties without an answer: {', '.join(sorted(unknown))}")
        self._guides = set(answerer.replies["catalogue"]["guides"])

    def has_guide(self, topic: str) -> bool:
        """Whether general guidance exists for the topic (data/replies.yml: catalogue.guides)."""
        return self._guide_key(topic) in self._guides

    # ------------------------------------------------------------------ understanding

    def question(self, text: str) -> CatalogueQuestion | None:
        """The catalogue-wide question or general topic a message asks about, if any."""
        typed = self.lexicon.typed(text)
        wants_list = contains_any(typed, self.lexicon.catalogue_list)
        topic = next((name for name, phrases in self.lexicon.catalogue_properties.items()
                      if contains_any(typed, phrases)), None)
        if topic is None and wants_list and contains_any(typed, self.lexicon.catalogue_where):
            topic = "where"  # "nộp hồ sơ các thủ tục của Sở ở đâu"
        if topic is None:
            return None
        if topic == "fastest" and not wants_list:
            return None  # "nhanh" alone is not a question about the catalogue
        return CatalogueQuestion(topic, wants_list)

    # ------------------------------------------------------------------ answering

    def answer(self, q: CatalogueQuestion) -> Reply:
        if q.topic == "all":
            return self._all()
        if q.topic == "where":
            return self._guide("where", list_topic=None)
        if q.wants_list or not self.has_guide(q.topic):
            return self._list(q.topic)
        return self._guide(q.topic, list_topic=q.topic)

    def _guide_key(self, topic: str) -> str:
        return "online" if topic == "online_full" else topic

    def _phrase(self, key: str, **values: str) -> str:
        return self.answerer.phrase(f"catalogue.{key}", **values)

    def _dept_values(self) -> dict[str, str]:
        d, mark = self.answerer.department, self.answerer.department_value
        return {"postal_address": mark(d.postal_address or d.centre_address), "hotline": mark(d.hotline),
                "portal": mark(d.provincial_portal or d.national_portal), "national_portal": d.national_portal,
                "centre": d.centre_name, "address": mark(d.centre_address)}

    def guide(self, topic: str) -> Reply:
        """The general guidance on one topic, without the list of procedures."""
        return self._guide(topic, list_topic=None)

    def _guide(self, topic: str, list_topic: str | None) -> Reply:
        text = " ".join(self._phrase(f"guides.{self._guide_key(topic)}", **self._dept_values()).split())
        if topic == "where":
            return Reply(text + "\n" + self._phrase("guides.where_more"), self.answerer.popular("submission"))
        listed = self._list(list_topic) if list_topic else None
        return Reply(text + ("\n\n" + listed.text if listed else ""))

    def _all(self) -> Reply:
        lines = [self._phrase("titles.all", count=str(len(self.catalog)))]
        lines += self._grouped(list(self.catalog), lambda p: (p.short_name, False))
        lines.append(self._phrase("all_more"))
        return Reply("\n".join(lines), self.answerer.popular())

    def _list(self, topic: str) -> Reply:
        select = _SELECTORS[topic]
        chosen = [(p, doubt) for p in self.catalog if (doubt := select(p)) is not None]
        lines = [self._phrase(f"titles.{topic}")]
        if not chosen:
            lines.append(self._phrase("none"))
        elif topic == "fastest":
            lines += self._fastest([p for p, _ in chosen])
        else:
            doubtful = {p.id for p, d in chosen if d}
            lines += self._grouped([p for p, _ in chosen], lambda p: (self._label(p, topic), p.id in doubtful))
            if doubtful:
                lines.append(self._phrase("uncertain_some"))
        lines.append(self._phrase("more"))
        return Reply("\n".join(lines))

    def _label(self, p: Procedure, topic: str) -> str:
        return p.short_name + (self.answerer.online_level(p.channels) if topic == "online" else "")

    def _grouped(self, procedures: Iterable[Procedure], label: Callable[[Procedure], tuple[str, bool]]) -> list[str]:
        groups: dict[str, list[str]] = {}
        for p in procedures:
            name, doubtful = label(p)
            groups.setdefault(field_group(p.field), []).append(
                self._phrase("item", name=self.answerer.mark(name, doubtful)))
        lines = []
        for field, items in groups.items():
            lines.append(self._phrase("group", field=field))
            lines += items
        return lines

    def _fastest(self, procedures: list[Procedure]) -> list[str]:
        ranked = sorted(procedures, key=lambda p: (p.processing_time.days, p.short_name))[:FASTEST_SHOWN]
        return [self._phrase("item_time", name=self.answerer.mark(p.short_name, p.processing_time.uncertain),
                             time=_time_clause(p.processing_time.text, p.processing_time.days, self._phrase("time_more")))
                for p in ranked]


def _days_re(days: int) -> re.Pattern[str]:
    """"02 ngày", "2 ngày": a number of days as the catalog's processing times write it."""
    return re.compile(rf"(?<!\d)0?{days}\s+ngày")


def _time_clause(text: str, days: int, more: str) -> str:
    """The part of a processing-time text that states its number of days, with its own
    conditions ("02 ngày làm việc kể từ khi nhận đủ hồ sơ hợp lệ"), not a bare number that would
    hide "trường hợp phải xin ý kiến ... tối đa 10 ngày"; followed by `more` when the text says more."""
    clauses = [c.strip() for c in text.rstrip(".").split(";") if c.strip()]
    pattern = _days_re(days)
    chosen = next((c for c in clauses if pattern.search(c)), clauses[0] if clauses else text.strip())
    if not chosen:
        return text
    return chosen[0].lower() + chosen[1:] + (f" {more}" if len(clauses) > 1 else "")


def field_group(field: str) -> str:
    """"Du lịch (Lữ hành)" -> "Du lịch": lists are grouped by the main field."""
    return field.split("(")[0].strip() or field


# For each topic: None when the procedure does not qualify, else whether that is uncertain.
def _channel(kind: str, level: str | None = None) -> Callable[[Procedure], bool | None]:
    def select(p: Procedure) -> bool | None:
        if not p.channels:
            return None
        found = [c for c in p.channels.of_kind(kind) if level is None or c.online_level == level]
        return (p.channels.uncertain or all(c.uncertain for c in found)) if found else None
    return select


def _delivery(kind: str) -> Callable[[Procedure], bool | None]:
    def select(p: Procedure) -> bool | None:
        d = p.result_delivery
        return (kind in d.uncertain_kinds) if d and d.offers(kind) else None
    return select


def _free(p: Procedure) -> bool | None:
    return p.fees.uncertain if p.fees and p.fees.none else None


def _fastest(p: Procedure) -> bool | None:
    return p.processing_time.uncertain if p.processing_time and p.processing_time.days else None


def _lien_thong(p: Procedure) -> bool | None:
    return p.lien_thong.uncertain if p.lien_thong else None


_SELECTORS: dict[str, Callable[[Procedure], bool | None]] = {
    "online_full": _channel("online", "toan-trinh"),
    "online": _channel("online"),
    "post": _channel("post"),
    "result_post": _delivery("post"),
    "result_online": _delivery("online"),
    "free": _free,
    "fastest": _fastest,
    "lien_thong": _lien_thong,
}
