"""The audit log: who changed what, when (table audit_log). Rows are only ever added."""
from __future__ import annotations

import time
from dataclasses import dataclass

import sqlalchemy as sa

from bot.analytics import db


@dataclass(frozen=True)
class Entry:
    id: int
    ts: float
    username: str
    action: str
    target: str | None
    detail: str | None


def write(username: str, action: str, target: str | None = None, detail: str | None = None,
          engine: sa.engine.Engine | None = None) -> None:
    with (engine or db.engine()).begin() as conn:
        conn.execute(db.audit_log.insert().values(ts=time.time(), username=username, action=action,
                                                  target=(target or None) and target[:128], detail=detail))


def recent(limit: int = 100, before: int | None = None, engine: sa.engine.Engine | None = None) -> list[Entry]:
    """Newest first; `before`: only rows with a smaller id (the next page)."""
    a = db.audit_log
    query = sa.select(a).order_by(a.c.id.desc()).limit(limit)
    if before is not None:
        query = query.where(a.c.id < before)
    with (engine or db.engine()).connect() as conn:
        return [Entry(r.id, r.ts, r.username, r.action, r.target, r.detail) for r in conn.execute(query)]
