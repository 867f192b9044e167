"""Updates and events already accepted, so a redelivery is never answered twice.

Telegram redelivers a webhook update until it gets a 200, and a poller that restarts before
confirming its offset fetches the same updates again; Zalo may deliver an event twice. The ids
are kept in the gateway's database (bot/shared_state.py: `state_dir/gateway.db` on one machine,
the PostgreSQL of `VHTTDL_SHARED_DB_URL` for every replica), so that several gateway processes
and a restart agree; as truncated SHA-256 hashes, like the rate-limit keys; for 2 days.
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

KEEP_DAYS = 2
CLEAN_EVERY = 200  # inserts between removals of old ids

metadata = sa.MetaData()
seen_ids = sa.Table(
    "seen_ids", metadata,
    sa.Column("digest", sa.String(32), primary_key=True),
    sa.Column("at", sa.Float, nullable=False, index=True),
)


class SeenIds:
    def __init__(self, path: Path | str, keep_days: float = KEEP_DAYS) -> None:
        """`path`: the SQLite file or a database URL."""
        self.url = shared_state.as_url(path)
        self._keep = keep_days * 86400
        self._inserts = 0

    async def first(self, scope: str, key: str) -> bool:
        """`first_time` from an event loop (the database is asked in a worker thread)."""
        return await asyncio.to_thread(self.first_time, scope, key)

    def first_time(self, scope: str, key: str) -> bool:
        """Record `key` in `scope` ("telegram:<bot id>", "zalo:<app id>"...); True only the first time
        (atomically: of two processes recording the same key at once, exactly one gets True).
        When the database does not answer: True, with a warning. A redelivery may then be
        answered twice, but no citizen goes unanswered."""
        try:
            return self._record(scope, key)
        except sa.exc.SQLAlchemyError as exc:
            log.warning("updates already answered not checked (%s)", type(exc).__name__)
            return True

    def _record(self, scope: str, key: str) -> bool:
        digest = hashlib.sha256(f"{scope}\x00{key}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
        now = time.time()
        eng = shared_state.engine(self.url, metadata)
        with eng.begin() as conn:
            added = conn.execute(shared_state.insert(conn, seen_ids).values(digest=digest, at=now)
                                 .on_conflict_do_nothing(index_elements=["digest"])).rowcount
            self._inserts += 1
            if self._inserts % CLEAN_EVERY == 0:
                conn.execute(seen_ids.delete().where(seen_ids.c.at < now - self._keep))
        return added == 1

    def close(self) -> None:
        """Nothing to close: connections are pooled per database (bot/shared_state.py)."""
