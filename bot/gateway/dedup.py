"""Updates and events already accepted, so a redelivery is never answered twice.

Telegram redelivers a webhook update until it gets a 200, and a poller that restarts before
confirming its offset fetches the same updates again; Zalo may deliver an event twice. The ids
are kept in the gateway's SQLite file (`seen_ids`), so that several gateway processes on the
machine and a restart agree; as truncated SHA-256 hashes, like the rate-limit keys; for 2 days.
"""
from __future__ import annotations

import hashlib
import threading
import time
from pathlib import Path

from bot.gateway.store import connect

KEEP_DAYS = 2
CLEAN_EVERY = 200  # inserts between removals of old ids


class SeenIds:
    def __init__(self, path: Path, keep_days: float = KEEP_DAYS) -> None:
        self._conn = connect(path)
        self._keep = keep_days * 86400
        self._lock = threading.Lock()
        self._inserts = 0
        self._conn.execute("CREATE TABLE IF NOT EXISTS seen_ids (digest TEXT PRIMARY KEY, at REAL) WITHOUT ROWID")

    def first_time(self, scope: str, key: str) -> bool:
        """Record `key` in `scope` ("telegram:<bot id>", "zalo:<app id>"...); True only the first time
        (atomically: of two processes recording the same key at once, exactly one gets True)."""
        digest = hashlib.sha256(f"{scope}\x00{key}".encode("utf-8", "surrogateescape")).hexdigest()[:32]
        now = time.time()
        with self._lock:
            cur = self._conn.execute("INSERT OR IGNORE INTO seen_ids VALUES (?, ?)", (digest, now))
            self._inserts += 1
            if self._inserts % CLEAN_EVERY == 0:
                self._conn.execute("DELETE FROM seen_ids WHERE at < ?", (now - self._keep,))
        return cur.rowcount == 1

    def close(self) -> None:
        self._conn.close()
