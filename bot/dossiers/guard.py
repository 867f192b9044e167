"""Limits on guessing: after too many failed second checks for one dossier code, one sender or
one client (the gateway's hashed IP), lookups are locked for a while.

- 5 failures within 15 minutes lock for 15 minutes; each new lock within a day of the previous
  one lasts twice as long (15, 30, 60 min ... up to 24 h);
- 10 failures within 24 hours lock for 24 hours, however slowly they were sent.
Why: 4 digits are 1 chance in 5,000 (phone or CCCD); a fixed short lock still lets a patient
stranger try hundreds of times a day on one code, this allows at most 10.

State is in a SQLite file (not process memory), so it survives restarts and is shared by every
worker of one action server. Keys are stored hashed: the file never holds a code or a sender id.
With several action-server machines, point VHTTDL_GUARD_DB at storage they share (docs/dossiers.md).
"""
from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path

from bot import paths
from bot.storage import database

FAILURES = "lookup_failures"
LOCKS = "lookup_locks"
DAY_S = 24 * 3600
STRIKES_WINDOW_S = DAY_S  # a lock within this time after the previous one lasts twice as long
MAX_LOCK_S = DAY_S
DAILY_MAX_FAILURES = 10


def default_guard_path() -> Path:
    return Path(os.environ.get("VHTTDL_GUARD_DB", paths.ROOT / ".var" / "dossier_guard.db"))


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8")).hexdigest()


class LookupGuard:
    def __init__(self, path: Path | str, max_failures: int = 5, window_s: float = 15 * 60,
                 lock_s: float = 15 * 60, clock=time.time):
        self.path = Path(path)
        self.max_failures = max_failures
        self.window_s = window_s
        self.lock_s = lock_s
        self.clock = clock
        self._ready = False  # schema checked (once per process)

    def _schema(self, db) -> None:
        if self._ready:
            return
        if not db[FAILURES].exists():
            db[FAILURES].create({"key": str, "at": float})
            db[FAILURES].create_index(["key", "at"], if_not_exists=True)
        if not db[LOCKS].exists():
            db[LOCKS].create({"key": str, "until": float, "strikes": int, "since": float}, pk="key")
        self._ready = True

    @staticmethod
    def keys(code: str | None, sender: str, client: str | None = None) -> list[str]:
        return ([_key("code", code)] if code else []) + [_key("sender", sender)] + \
            ([_key("client", client)] if client else [])

    def locked_for(self, code: str | None, sender: str, client: str | None = None) -> float:
        """Seconds until lookups for this code and sender are allowed again (0: not locked)."""
        keys = self.keys(code, sender, client)
        marks = ",".join("?" * len(keys))
        with database(self.path) as db:
            self._schema(db)
            row = db.execute(f"select max(until) from {LOCKS} where key in ({marks})", keys).fetchone()
        return max(0.0, (row[0] or 0) - self.clock())

    def locked(self, code: str | None, sender: str, client: str | None = None) -> bool:
        return self.locked_for(code, sender, client) > 0

    def record_failure(self, code: str | None, sender: str, client: str | None = None) -> bool:
        """Count one failed check; True if this locks the code, the sender or the client."""
        now = self.clock()
        locked = False
        with database(self.path) as db:
            self._schema(db)
            with db.conn:
                db.execute(f"delete from {FAILURES} where at < ?", [now - DAY_S])
                for key in self.keys(code, sender, client):
                    db[FAILURES].insert({"key": key, "at": now})
                    last_lock = db.execute(f"select since from {LOCKS} where key = ?", [key]).fetchone()
                    after = max(now - self.window_s, last_lock[0] if last_lock else 0.0)
                    recent, today = db.execute(  # failures since the window (or the last lock), and today
                        f"select coalesce(sum(at > ?), 0), count(*) from {FAILURES} where key = ?",
                        [after, key]).fetchone()
                    if today >= DAILY_MAX_FAILURES:
                        self._lock(db, key, now, MAX_LOCK_S)
                        locked = True
                    elif recent >= self.max_failures:
                        self._lock(db, key, now)
                        locked = True
        return locked

    def _lock(self, db, key: str, now: float, length: float | None = None) -> None:
        previous = db.execute(f"select strikes, until from {LOCKS} where key = ?", [key]).fetchone()
        strikes = previous[0] + 1 if previous and previous[1] > now - STRIKES_WINDOW_S else 1
        if length is None:
            length = min(self.lock_s * 2 ** (strikes - 1), MAX_LOCK_S)
        db[LOCKS].upsert({"key": key, "until": now + length, "strikes": strikes, "since": now}, pk="key")
