"""One way to open the project's small SQLite files (dossiers, lookup guard, citizen profiles,
form downloads): short-lived connections, usable from the action server's threads, committed
and closed at the end of the `with` block."""
from __future__ import annotations

import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlite_utils

from bot.shared_state import make_private


@contextmanager
def database(path: Path | str, timeout: float = 10) -> Iterator[sqlite_utils.Database]:
    """A sqlite-utils Database on `path` (created with its folder if missing); commits when the
    block ends without an exception, always closes."""
    path = Path(path)
    make_private(path)  # dossiers and form downloads hold personal data: owner only, side files too
    db = sqlite_utils.Database(sqlite3.connect(path, timeout=timeout, check_same_thread=False))
    try:
        yield db
        db.conn.commit()
    finally:
        db.close()
