"""Fixed-window rate limits per sender and per client IP, counted in SQLite.

Keys are stored as truncated SHA-256 hashes: no sender id or IP address is kept in clear.
Counters live in the gateway's SQLite file, so every gateway process on the machine shares them.
"""
from __future__ import annotations

import hashlib
import sqlite3
import threading
import time
from pathlib import Path

from bot.gateway.store import connect

WINDOW = 60  # seconds


class RateLimiter:
    def __init__(self, path: Path, limits: dict[str, int], window: int = WINDOW) -> None:
        """`limits` maps a scope ("sender", "ip", "telegram"...) to requests allowed per window;
        0 or less means unlimited."""
        self.limits = limits
        self.window = window
        self._conn: sqlite3.Connection = connect(path)
        self._lock = threading.Lock()  # one connection, used from the loop and from threads
        self._conn.execute("CREATE TABLE IF NOT EXISTS rate_hits (scope TEXT, key TEXT, window INTEGER, "
                           "count INTEGER, PRIMARY KEY (scope, key, window)) WITHOUT ROWID")
        self._last_cleanup = 0

    def count(self, scope: str, key: str, now: float | None = None) -> int:
        """Record one request and return how many this key made in the current window."""
        window = int((now if now is not None else time.time()) // self.window)
        digest = hashlib.sha256(f"{scope}:{key}".encode()).hexdigest()[:24]
        with self._lock:
            (n,) = self._conn.execute(
                "INSERT INTO rate_hits VALUES (?, ?, ?, 1) ON CONFLICT (scope, key, window) "
                "DO UPDATE SET count = count + 1 RETURNING count", (scope, digest, window)).fetchone()
            if window != self._last_cleanup:
                self._last_cleanup = window
                self._conn.execute("DELETE FROM rate_hits WHERE window < ?", (window - 1,))
        return n

    def allow(self, scope: str, key: str, now: float | None = None) -> bool:
        """True if this request is within the scope's limit (and records it)."""
        limit = self.limits.get(scope, 0)
        return limit <= 0 or self.count(scope, key, now) <= limit


    def verdict(self, scope: str, key: str, now: float | None = None) -> str:
        """For chat apps, where every refusal costs a message: "ok"; "refuse" for the first
        request over the limit (tell the citizen once); "drop" for the rest of the window."""
        limit = self.limits.get(scope, 0)
        if limit <= 0:
            return "ok"
        n = self.count(scope, key, now)
        return "ok" if n <= limit else ("refuse" if n == limit + 1 else "drop")

    def close(self) -> None:
        self._conn.close()
