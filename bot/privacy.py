"""Retention of conversations: Rasa's tracker store keeps every message and slot value, which
includes what citizens type into forms (CCCD, birth date, phone) and dossier codes. Conversations
idle for longer than the retention period are deleted whole.

    python -m bot privacy purge [--hours 24] [--endpoints endpoints.yml]

Works on Rasa's SQL tracker store (SQLite by default, PostgreSQL in production) as configured in
the endpoints file, environment variables included. `make run` purges once at start; schedule it
(cron, systemd timer) in production. Active conversations are never cut in the middle: only
conversations whose *last* event is older than the period go.
"""
from __future__ import annotations

import time
from pathlib import Path

from bot import paths

DEFAULT_HOURS = 24.0


def tracker_store_url(endpoints: Path) -> str | None:
    """The SQLAlchemy URL of the SQL tracker store in `endpoints`, or None if it is not SQL."""
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.core.utils import read_endpoints_from_path

    config = read_endpoints_from_path(str(endpoints)).tracker_store
    if config is None or str(config.type).upper() != "SQL":
        return None
    kw = config.kwargs
    url = SQLTrackerStore.get_db_url(dialect=kw.get("dialect", "sqlite"), host=config.url, port=kw.get("port"),
                                     db=kw.get("db", "rasa.db"), username=kw.get("username"),
                                     password=kw.get("password"), query=kw.get("query"))
    if str(url).startswith("sqlite:///") and not str(url).startswith("sqlite:////"):
        url = "sqlite:///" + str(paths.ROOT / str(url)[len("sqlite:///"):])  # relative to the project
    return str(url)


def purge_conversations(url: str, hours: float = DEFAULT_HOURS, now: float | None = None) -> int:
    """Delete every conversation idle for more than `hours`; returns how many were deleted."""
    import sqlalchemy as sa

    cutoff = (now if now is not None else time.time()) - hours * 3600
    engine = sa.create_engine(url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return 0
        with engine.begin() as conn:
            idle = [r[0] for r in conn.execute(sa.text(
                "select sender_id from events group by sender_id having max(timestamp) < :cutoff"), {"cutoff": cutoff})]
            for start in range(0, len(idle), 500):
                chunk = idle[start:start + 500]
                conn.execute(sa.text("delete from events where sender_id in :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": chunk})
        return len(idle)
    finally:
        engine.dispose()
