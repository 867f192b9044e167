"""Limits on guessing: after too many failed second checks for one dossier code or one sender,
lookups are locked for a while, and each new lock within a day lasts twice as long.

Why escalate: 4 digits are 10,000 possibilities (20,000 counting phone and CCCD); with a fixed
15-minute lock after 5 failures a patient stranger could try ~240 times a day on one code. With
doubling locks (15, 30, 60 min ... up to 24 h) that falls to a few dozen a day.

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
STRIKES_WINDOW_S = 24 * 3600  # locks within this time make the next one longer
MAX_LOCK_S = 24 * 3600


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

    @staticmethod
    def _schema(db) -> None:
        if not db[FAILURES].exists():
            db[FAILURES].create({"key": str, "at": float})
            db[FAILURES].create_index(["key", "at"], if_not_exists=True)
        if not db[LOCKS].exists():
            db[LOCKS].create({"key": str, "until": float, "strikes": int, "since": float}, pk="key")

    @staticmethod
    def keys(code: str | None, sender: str) -> list[str]:
        return ([_key("code", code)] if code else []) + [_key("sender", sender)]

    def locked_for(self, code: str | None, sender: str) -> float:
        """Seconds until lookups for this code and sender are allowed again (0: not locked)."""
        keys = self.keys(code, sender)
        marks = ",".join("?" * len(keys))
        with database(self.path) as db:
            self._schema(db)
            row = db.execute(f"select max(until) from {LOCKS} where key in ({marks})", keys).fetchone()
        return max(0.0, (row[0] or 0) - self.clock())

    def locked(self, code: str | None, sender: str) -> bool:
        return self.locked_for(code, sender) > 0

    def record_failure(self, code: str | None, sender: str) -> bool:
        """Count one failed check; True if this locks the code or the sender."""
        now = self.clock()
        locked = False
        with database(self.path) as db:
            self._schema(db)
            with db.conn:
                db.execute(f"delete from {FAILURES} where at < ?", [now - self.window_s])
                for key in self.keys(code, sender):
                    db[FAILURES].insert({"key": key, "at": now})
                    recent = db.execute(f"select count(*) from {FAILURES} where key = ? and at > ?",
                                        [key, now - self.window_s]).fetchone()[0]
                    if recent >= self.max_failures:
                        self._lock(db, key, now)
                        locked = True
        return locked

    def _lock(self, db, key: str, now: float) -> None:
        previous = db.execute(f"select strikes, since from {LOCKS} where key = ?", [key]).fetchone()
        strikes = previous[0] + 1 if previous and previous[1] > now - STRIKES_WINDOW_S else 1
        since = previous[1] if previous and strikes > 1 else now
        until = now + min(self.lock_s * 2 ** (strikes - 1), MAX_LOCK_S)
        db[LOCKS].upsert({"key": key, "until": until, "strikes": strikes, "since": since}, pk="key")
        # A new lock starts a new count: the failures that caused it are spent.
        db.execute(f"delete from {FAILURES} where key = ?", [key])
