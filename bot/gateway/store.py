"""The gateway's small SQLite state: rate-limit counters and long Telegram button payloads.

A file, not process memory, so that several gateway processes on one machine share it and a
restart loses nothing. (Replicas on several machines need a shared store; see docs/channels.md.)
"""
from __future__ import annotations

import sqlite3
from pathlib import Path


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) a SQLite file for short transactions from several processes/threads."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        path.touch(mode=0o600)  # holds the Zalo tokens: owner only
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
    return conn
