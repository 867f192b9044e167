"""The department's scorecard for a period: the figures of its monthly report.

    card = compute(dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    card.answered_share, card.satisfaction_share, card.top_procedures[:5]

Definitions (also in docs/staff.md, so that the figures can go into a report):
- a *conversation* is one citizen (one sender id) on one day (Vietnam time);
- *turns* are the citizen's messages; *questions* are the turns that asked something (turns
  minus greetings, thanks, ratings, form and check answers: outcome "other");
- answered / ambiguous (the assistant asked which procedure) / fallback (not understood) /
  out of scope (not the department's business) are shares of the questions;
- the *satisfaction index* is the share of 1-5 ratings that are 4 or 5, beside the mean.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from bot.analytics import db
from bot.analytics.review import unanswered_texts


@dataclass
class ProcedureFeedback:
    procedure: str
    name: str
    up: int
    down: int


@dataclass
class ProcedureCount:
    procedure: str
    name: str
    count: int


@dataclass
class TextCount:
    text: str
    count: int


@dataclass
class ChannelFigures:
    channel: str
    conversations: int
    turns: int
    answered: int
    ratings: int


@dataclass
class DayFigures:
    day: dt.date
    turns: int
    answered: int
    fallback: int
    out_of_scope: int


@dataclass
class Scorecard:
    start: dt.date
    end: dt.date
    conversations: int = 0
    turns: int = 0
    questions: int = 0
    answered: int = 0
    ambiguous: int = 0
    fallback: int = 0
    out_of_scope: int = 0
    other: int = 0
    ratings: int = 0
    satisfied: int = 0
    satisfaction_mean: float | None = None
    scores: dict[int, int] = field(default_factory=lambda: {s: 0 for s in range(1, 6)})
    helpful: list[ProcedureFeedback] = field(default_factory=list)
    top_procedures: list[ProcedureCount] = field(default_factory=list)
    top_unanswered: list[TextCount] = field(default_factory=list)
    channels: list[ChannelFigures] = field(default_factory=list)
    daily: list[DayFigures] = field(default_factory=list)
    forms_delivered: int = 0
    lookups_ok: int = 0
    lookups_failed_check: int = 0
    lookups_locked: int = 0
    comments: int = 0

    def _share(self, n: int) -> float:
        return n / self.questions if self.questions else 0.0

    @property
    def answered_share(self) -> float:
        return self._share(self.answered)

    @property
    def ambiguous_share(self) -> float:
        return self._share(self.ambiguous)

    @property
    def fallback_share(self) -> float:
        return self._share(self.fallback)

    @property
    def out_of_scope_share(self) -> float:
        return self._share(self.out_of_scope)

    @property
    def satisfaction_share(self) -> float | None:
        return self.satisfied / self.ratings if self.ratings else None


def _names(catalog: Any) -> dict[str, str]:
    if catalog is None:
        try:
            from bot.catalog import load_catalog

            catalog = load_catalog()
        except Exception:  # noqa: BLE001 - ids are shown when the catalog cannot be read
            return {}
    return {p.id: p.short_name for p in catalog}


def compute(start: dt.date, end: dt.date, engine: sa.engine.Engine | None = None, catalog: Any = None) -> Scorecard:
    """The figures of the days `start`..`end` (inclusive, Vietnam time)."""
    card = Scorecard(start, end)
    names = _names(catalog)
    t, f = db.turns, db.feedback
    lo, hi = start.isoformat(), end.isoformat()
    in_turns = sa.and_(t.c.day >= lo, t.c.day <= hi)
    in_feedback = sa.and_(f.c.day >= lo, f.c.day <= hi)
    with (engine or db.engine()).connect() as conn:
        pairs = sa.select(t.c.conversation, t.c.day).where(in_turns).distinct().subquery()
        card.conversations = conn.execute(sa.select(sa.func.count()).select_from(pairs)).scalar() or 0
        for outcome, n in conn.execute(sa.select(t.c.outcome, sa.func.count()).where(in_turns).group_by(t.c.outcome)):
            if outcome in ("answered", "ambiguous", "fallback", "out_of_scope", "other"):
                setattr(card, outcome, n)
        card.turns = card.answered + card.ambiguous + card.fallback + card.out_of_scope + card.other
        card.questions = card.turns - card.other
        for event, n in conn.execute(sa.select(t.c.event, sa.func.count()).where(in_turns, t.c.event.isnot(None))
                                     .group_by(t.c.event)):
            attr = {"form_delivered": "forms_delivered", "lookup_ok": "lookups_ok",
                    "lookup_failed_check": "lookups_failed_check", "lookup_locked": "lookups_locked"}.get(event)
            if attr:
                setattr(card, attr, n)

        satisfaction = sa.and_(in_feedback, f.c.kind == "satisfaction")
        for value, n in conn.execute(sa.select(f.c.value, sa.func.count()).where(satisfaction).group_by(f.c.value)):
            if 1 <= value <= 5:
                card.scores[value] = n
        card.ratings = sum(card.scores.values())
        card.satisfied = card.scores[4] + card.scores[5]
        if card.ratings:
            card.satisfaction_mean = sum(s * n for s, n in card.scores.items()) / card.ratings
        card.comments = conn.execute(sa.select(sa.func.count()).where(satisfaction, f.c.comment.isnot(None))).scalar() or 0

        up = sa.func.sum(sa.case((f.c.value == 1, 1), else_=0))
        down = sa.func.sum(sa.case((f.c.value == 0, 1), else_=0))
        rows = conn.execute(sa.select(f.c.procedure, up, down).where(in_feedback, f.c.kind == "helpful",
                                                                     f.c.procedure.isnot(None))
                            .group_by(f.c.procedure))
        card.helpful = sorted((ProcedureFeedback(p, names.get(p, p), int(u or 0), int(d or 0)) for p, u, d in rows),
                              key=lambda x: (-(x.up + x.down), x.procedure))

        count = sa.func.count().label("n")
        rows = conn.execute(sa.select(t.c.procedure, count).where(in_turns, t.c.procedure.isnot(None),
                                                                  t.c.outcome != "other")
                            .group_by(t.c.procedure).order_by(count.desc(), t.c.procedure).limit(20))
        card.top_procedures = [ProcedureCount(p, names.get(p, p), n) for p, n in rows]
        card.top_unanswered = [TextCount(text, n) for text, n in unanswered_texts(lo, hi, conn)]

        answered = sa.func.sum(sa.case((t.c.outcome == "answered", 1), else_=0))
        channel_rows = conn.execute(sa.select(t.c.channel, sa.func.count(), answered).where(in_turns).group_by(t.c.channel))
        per_channel = {ch: [0, n, int(a or 0), 0] for ch, n, a in channel_rows}
        conv_pairs = sa.select(t.c.channel, t.c.conversation, t.c.day).where(in_turns).distinct().subquery()
        for ch, n in conn.execute(sa.select(conv_pairs.c.channel, sa.func.count()).group_by(conv_pairs.c.channel)):
            per_channel.setdefault(ch, [0, 0, 0, 0])[0] = n
        for ch, n in conn.execute(sa.select(f.c.channel, sa.func.count()).where(satisfaction).group_by(f.c.channel)):
            per_channel.setdefault(ch, [0, 0, 0, 0])[3] = n
        card.channels = [ChannelFigures(ch, *v) for ch, v in sorted(per_channel.items())]

        fallback = sa.func.sum(sa.case((t.c.outcome == "fallback", 1), else_=0))
        out = sa.func.sum(sa.case((t.c.outcome == "out_of_scope", 1), else_=0))
        rows = conn.execute(sa.select(t.c.day, sa.func.count(), answered, fallback, out).where(in_turns)
                            .group_by(t.c.day).order_by(t.c.day))
        card.daily = [DayFigures(dt.date.fromisoformat(d), n, int(a or 0), int(fb or 0), int(o or 0))
                      for d, n, a, fb, o in rows]
    return card


def _pct(share: float | None) -> float | None:
    return None if share is None else round(100 * share, 1)


def sections(card: Scorecard) -> list[tuple[str, list[str], list[list]]]:
    """The scorecard as tables (title, column headers, rows), in Vietnamese, for the CSV and
    XLSX exports and the page."""
    period = f"{card.start:%d/%m/%Y} – {card.end:%d/%m/%Y}"
    mean = None if card.satisfaction_mean is None else round(card.satisfaction_mean, 2)
    summary = [
        ["Kỳ báo cáo", period],
        ["Số cuộc hội thoại", card.conversations],
        ["Số lượt tin nhắn của người dân", card.turns],
        ["Số câu hỏi", card.questions],
        ["Trả lời được (%)", _pct(card.answered_share)],
        ["Hỏi lại để làm rõ (%)", _pct(card.ambiguous_share)],
        ["Chưa hiểu câu hỏi (%)", _pct(card.fallback_share)],
        ["Ngoài phạm vi của Sở (%)", _pct(card.out_of_scope_share)],
        ["Số lượt đánh giá mức độ hài lòng", card.ratings],
        ["Chỉ số hài lòng: tỷ lệ đánh giá 4–5 (%)", _pct(card.satisfaction_share)],
        ["Điểm hài lòng trung bình (1–5)", mean],
        ["Số góp ý kèm đánh giá", card.comments],
        ["Số biểu mẫu điền sẵn đã gửi", card.forms_delivered],
        ["Tra cứu hồ sơ thành công", card.lookups_ok],
        ["Tra cứu hồ sơ: sai thông tin xác minh", card.lookups_failed_check],
        ["Tra cứu hồ sơ: bị tạm khóa", card.lookups_locked],
    ]
    return [
        ("Tổng hợp", ["Chỉ tiêu", "Giá trị"], summary),
        ("Mức độ hài lòng", ["Điểm", "Số lượt"], [[s, card.scores[s]] for s in range(5, 0, -1)]),
        ("Thủ tục được hỏi nhiều nhất", ["Mã", "Thủ tục", "Số câu hỏi"],
         [[p.procedure, p.name, p.count] for p in card.top_procedures]),
        ("Đánh giá câu trả lời theo thủ tục", ["Mã", "Thủ tục", "Có giúp ích", "Chưa giúp ích"],
         [[p.procedure, p.name, p.up, p.down] for p in card.helpful]),
        ("Câu hỏi chưa trả lời được", ["Câu hỏi (đã che thông tin cá nhân)", "Số lần"],
         [[x.text, x.count] for x in card.top_unanswered]),
        ("Theo kênh", ["Kênh", "Cuộc hội thoại", "Lượt tin nhắn", "Trả lời được", "Lượt đánh giá"],
         [[c.channel, c.conversations, c.turns, c.answered, c.ratings] for c in card.channels]),
        ("Theo ngày", ["Ngày", "Lượt tin nhắn", "Trả lời được", "Chưa hiểu", "Ngoài phạm vi"],
         [[d.day.isoformat(), d.turns, d.answered, d.fallback, d.out_of_scope] for d in card.daily]),
    ]
