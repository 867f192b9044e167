"""The review queue: what the assistant could not answer, and answers rated 👎, grouped by
similar wording so that an officer handles "phi karaoke bnh" and "phí karaoke bao nhiêu" once.

    for group in pending():
        print(group.count, group.texts[0])
    mark(group.turn_ids, "ignored", "nguyenvana")

Only masked texts are ever stored (bot.analytics.masking), and only until the retention purge.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field

import sqlalchemy as sa
from rapidfuzz import fuzz

from bot.analytics import db
from bot.analytics.recorder import UNANSWERED
from bot.text import words

ACTIONS = ("alias", "new_answer", "ignored")
SIMILAR = 85  # rapidfuzz token_set_ratio over the folded words: same question, other wording


@dataclass
class Group:
    key: str  # the folded wording of the group's first text
    texts: list[str] = field(default_factory=list)  # distinct masked texts, up to 5
    count: int = 0
    turn_ids: list[int] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)  # "unanswered" / "thumbs_down"
    procedures: list[str] = field(default_factory=list)
    last_ts: float = 0.0


def similar_key(text: str) -> str:
    """The words of a text without diacritics, case or punctuation."""
    return " ".join(words(text))


def group_texts(rows: list[tuple[int, str, str, str | None, float]]) -> list[Group]:
    """Group (turn id, text, reason, procedure, ts) rows by similar wording, biggest first."""
    groups: list[Group] = []
    for turn_id, text, reason, procedure, ts in rows:
        key = similar_key(text)
        home = next((g for g in groups if key == g.key or (key and g.key and fuzz.token_set_ratio(key, g.key) >= SIMILAR)),
                    None)
        if home is None:
            home = Group(key)
            groups.append(home)
        home.count += 1
        home.turn_ids.append(turn_id)
        home.last_ts = max(home.last_ts, ts)
        if text not in home.texts and len(home.texts) < 5:
            home.texts.append(text)
        if reason not in home.reasons:
            home.reasons.append(reason)
        if procedure and procedure not in home.procedures:
            home.procedures.append(procedure)
    return sorted(groups, key=lambda g: (-g.count, -g.last_ts))


def _review_rows(conn: sa.engine.Connection, where: list, limit: int) -> list[tuple[int, str, str, str | None, float]]:
    t = db.turns
    query = (sa.select(t.c.id, t.c.text, t.c.outcome, t.c.helpful, t.c.procedure, t.c.ts)
             .where(t.c.text.isnot(None), sa.or_(t.c.outcome.in_(UNANSWERED), t.c.helpful.is_(False)), *where)
             .order_by(t.c.ts.desc()).limit(limit))
    return [(r.id, r.text, "thumbs_down" if r.helpful is False else "unanswered", r.procedure, r.ts)
            for r in conn.execute(query)]


def pending(engine: sa.engine.Engine | None = None, limit: int = 100) -> list[Group]:
    """Groups of unreviewed texts (at most `limit` groups, from the latest 2000 texts)."""
    with (engine or db.engine()).connect() as conn:
        rows = _review_rows(conn, [db.turns.c.review.is_(None)], 2000)
    return group_texts(rows)[:limit]


def unanswered_texts(start_day: str, end_day: str, conn: sa.engine.Connection, limit: int = 20) -> list[tuple[str, int]]:
    """The most frequent unanswered wordings between two local days (inclusive): (text, count)."""
    t = db.turns
    rows = _review_rows(conn, [t.c.day >= start_day, t.c.day <= end_day, t.c.outcome.in_(UNANSWERED)], 5000)
    return [(g.texts[0], g.count) for g in group_texts(rows)[:limit]]


def mark(turn_ids: list[int], action: str, username: str, note: str | None = None,
         engine: sa.engine.Engine | None = None) -> int:
    """Mark turns reviewed ("alias", "new_answer" or "ignored"); returns how many were marked."""
    if action not in ACTIONS:
        raise ValueError(f"unknown review action {action!r}")
    ids = [int(i) for i in turn_ids]
    if not ids:
        return 0
    t = db.turns
    with (engine or db.engine()).begin() as conn:
        return conn.execute(t.update().where(t.c.id.in_(ids)).values(
            review=action, review_note=note, reviewed_by=username, reviewed_at=time.time())).rowcount
