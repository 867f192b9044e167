"""Limits on guessing: after too many failed second checks for one dossier code or one sender,
lookups are locked for a while.

State is in a SQLite file (not process memory), so it survives restarts and is shared by every
worker of one action server. Keys are stored hashed: the file never holds a code or a sender id.
With several action-server machines, point VHTTDL_GUARD_DB at storage they share (docs/dossiers.md).
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import time
from pathlib import Path

import sqlite_utils

from bot import paths

FAILURES = "lookup_failures"
LOCKS = "lookup_locks"


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

    def _db(self) -> sqlite_utils.Database:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite_utils.Database(sqlite3.connect(self.path, timeout=5, check_same_thread=False))
        if not db[FAILURES].exists():
            db[FAILURES].create({"key": str, "at": float})
            db[FAILURES].create_index(["key", "at"], if_not_exists=True)
        if not db[LOCKS].exists():
            db[LOCKS].create({"key": str, "until": float}, pk="key")
        return db

    @staticmethod
    def keys(code: str | None, sender: str) -> list[str]:
        return ([_key("code", code)] if code else []) + [_key("sender", sender)]

    def locked(self, code: str | None, sender: str) -> bool:
        db = self._db()
        try:
            keys = self.keys(code, sender)
            marks = ",".join("?" * len(keys))
            rows = list(db.query(f"select 1 from {LOCKS} where key in ({marks}) and until > ?", [*keys, self.clock()]))
            return bool(rows)
        finally:
            db.conn.close()

    def record_failure(self, code: str | None, sender: str) -> bool:
        """Count one failed check; True if this locks the code or the sender."""
        now = self.clock()
        db = self._db()
        locked = False
        try:
            with db.conn:
                db.execute(f"delete from {FAILURES} where at < ?", [now - self.window_s])
                for key in self.keys(code, sender):
                    db[FAILURES].insert({"key": key, "at": now})
                    recent = db.execute(f"select count(*) from {FAILURES} where key = ? and at > ?",
                                        [key, now - self.window_s]).fetchone()[0]
                    if recent >= self.max_failures:
                        db[LOCKS].upsert({"key": key, "until": now + self.lock_s}, pk="key")
                        locked = True
        finally:
            db.conn.close()
        return locked
