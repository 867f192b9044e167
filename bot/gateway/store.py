"""The gateway's small SQLite file for what stays per machine: long Telegram button payloads and
the Zalo events already answered. (Rate limits and the Zalo tokens are in the shared database,
bot/shared_state.py, by default in this same file.)

A file, not process memory, so that several gateway processes on one machine share it and a
restart loses nothing. Readable by its owner only, its -wal/-shm files too.
"""
from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.shared_state import make_private


def connect(path: Path) -> sqlite3.Connection:
    """Open (creating) a SQLite file for short transactions from several processes/threads."""
    make_private(path)
    conn = sqlite3.connect(path, timeout=30, isolation_level=None, check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
    make_private(path)  # the -wal/-shm files now exist
    return conn
