"""Sliding-window rate limits per sender and per client IP.

A request is allowed when fewer than `limit` requests of its key were allowed within the last
`window` seconds (a log of the allowed ones, not a per-minute counter: a fixed window let a burst
at the end of one minute and another at the start of the next through, twice the limit in a few
seconds). The first request over the limit is recorded too (chat apps answer it once); the rest
are not, so a flood neither grows the log nor keeps the key blocked longer than the window.

Keys are stored as truncated SHA-256 hashes: no sender id or IP address is kept in clear. The log
is in the gateway's database (bot/shared_state.py): `state_dir/gateway.db` on one machine, or
the PostgreSQL of `VHTTDL_SHARED_DB_URL` for every replica. When that database does not answer,
requests are let through (and a warning logged): the limits protect the service, an outage of
theirs must not stop it.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from pathlib import Path

import sqlalchemy as sa

from bot import shared_state

log = logging.getLogger(__name__)

WINDOW = 60  # seconds

metadata = sa.MetaData()
hits = sa.Table(
    "rate_log", metadata,
    sa.Column("scope", sa.String(16), nullable=False),
    sa.Column("key", sa.String(24), nullable=False),
    sa.Column("at", sa.Float, nullable=False),
    sa.Column("allowed", sa.Boolean, nullable=False),  # False: the refusal the citizen was told of
    sa.Index("idx_rate_log_key", "scope", "key", "at"),
)


class RateLimiter:
    def __init__(self, path: Path | str, limits: dict[str, int], window: int = WINDOW) -> None:
        """`path`: the SQLite file or a database URL. `limits` maps a scope ("sender", "ip",
        "telegram"...) to requests allowed per window; 0 or less means unlimited."""
        self.limits = limits
        self.window = window
        self.url = shared_state.as_url(path)
        self._last_cleanup = 0.0

    async def check(self, scope: str, key: str) -> str:
        """`verdict` from an event loop: the database is asked in a worker thread, so that a slow
        shared database never holds up the other citizens."""
        return await asyncio.to_thread(self.verdict, scope, key)

    def allow(self, scope: str, key: str, now: float | None = None) -> bool:
        """True if this request is within the scope's limit (and records it)."""
        return self.verdict(scope, key, now) == "ok"

    def verdict(self, scope: str, key: str, now: float | None = None) -> str:
        """For chat apps, where every refusal costs a message: "ok"; "refuse" for the first
        request over the limit (tell the citizen once); "drop" for the next ones, until a
        request is allowed again."""
        limit = self.limits.get(scope, 0)
        if limit <= 0:
            return "ok"
        now = time.time() if now is None else now
        digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:24]
        try:
            return self._verdict(scope, digest, limit, now)
        except sa.exc.SQLAlchemyError as exc:  # the shared database is down: answer the citizen anyway
            log.warning("rate limits not checked (%s)", type(exc).__name__)
            return "ok"

    def _verdict(self, scope: str, digest: str, limit: int, now: float) -> str:
        allowed = sa.case((hits.c.allowed, 1), else_=0)
        eng = shared_state.engine(self.url, metadata)  # made (and the table created) on first use
        with shared_state.transaction(eng, f"rate:{scope}:{digest}") as conn:
            n, last_ok, last_refusal = conn.execute(
                sa.select(sa.func.coalesce(sa.func.sum(allowed), 0),
                          sa.func.max(sa.case((hits.c.allowed, hits.c.at))),
                          sa.func.max(sa.case((sa.not_(hits.c.allowed), hits.c.at))))
                .where(hits.c.scope == scope, hits.c.key == digest, hits.c.at > now - self.window)).one()
            if n < limit:
                verdict = "ok"
            elif last_refusal is not None and last_refusal >= last_ok:
                verdict = "drop"  # told since the last allowed request
            else:
                verdict = "refuse"
            if verdict != "drop":
                conn.execute(hits.insert().values(scope=scope, key=digest, at=now, allowed=verdict == "ok"))
            if now - self._last_cleanup >= self.window:
                self._last_cleanup = now
                conn.execute(hits.delete().where(hits.c.at <= now - self.window))
        return verdict

    def close(self) -> None:
        pass  # the engine belongs to the process (bot/shared_state.py), shared with other users
