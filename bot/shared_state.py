"""Where the state lives that every process and replica must share: the lookup guard's failed
checks and locks, citizens' profiles, the gateway's rate limits and the Zalo OA's tokens.

One setting scales them all out: `VHTTDL_SHARED_DB_URL=postgresql://user:pass@host:5432/db`
(also the staff console's tables, bot/analytics/db.py). Each store's own variable
(`VHTTDL_GUARD_DB`, `VHTTDL_PROFILES_DB`, `CONSOLE_DB_URL`), a path or a URL, wins over it. Unset:
the SQLite files of one machine, as before, readable by their owner only (mode 0600, WAL side
files included: they hold the same personal data and tokens).

    from bot import shared_state
    eng = shared_state.engine(shared_state.location(".var/x.db", "VHTTDL_X_DB"))
    with shared_state.transaction(eng, "some-key") as conn:   # serialised per key, on both back-ends
        ...
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

ENV = "VHTTDL_SHARED_DB_URL"
SIDE_FILES = ("-wal", "-shm", "-journal")

_engines: dict[str, sa.engine.Engine] = {}
_ready: set[tuple[str, int]] = set()  # (url, id(metadata)) whose tables exist
_lock = threading.Lock()


def as_url(where: Path | str) -> str:
    """A SQLAlchemy URL for a path (a SQLite file) or a URL given as is."""
    text = str(where)
    return text if "://" in text else f"sqlite:///{Path(text)}"


def location(default_file: Path | str, own_env: str | None = None) -> str:
    """The database of one store: its own variable (a path or a URL), else VHTTDL_SHARED_DB_URL,
    else its SQLite file."""
    own = os.environ.get(own_env, "").strip() if own_env else ""
    shared = os.environ.get(ENV, "").strip()
    return as_url(own or shared or default_file)


def sqlite_file(url: str) -> Path | None:
    """The file of a sqlite:/// URL, None for other databases."""
    return Path(url[len("sqlite:///"):]) if url.startswith("sqlite:///") else None


def make_private(file: Path) -> None:
    """Create `file` readable by its owner only, or tighten an existing one (a restored backup),
    together with its side files: SQLite gives the -wal and -shm files the mode of the database
    file, but ones left from before keep theirs."""
    file.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.close(os.open(file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
    except FileExistsError:
        pass
    for path in [file, *(file.with_name(file.name + s) for s in SIDE_FILES)]:
        try:
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
        except FileNotFoundError:
            pass


def _sqlite_connect(file: Path):
    def on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
        dbapi_conn.isolation_level = None  # transactions are begun by on_begin below
        cur = dbapi_conn.cursor()
        # Switching a new file to WAL needs it to itself, and SQLite does not wait for that (no busy
        # handler): processes opening it at the same moment get "database is locked". Retry.
        for attempt in range(100):
            try:
                cur.execute("PRAGMA journal_mode=WAL")  # the -wal/-shm files now exist: check their mode
                break
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) or attempt == 99:
                    raise
                time.sleep(0.05)
        cur.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: durable across process crashes
        cur.close()
        make_private(file)
    return on_connect


def _sqlite_begin(conn) -> None:  # noqa: ANN001
    # IMMEDIATE: a read-modify-write transaction holds the write lock from its start, so two
    # processes never both read the old value (SQLite's default BEGIN is deferred).
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def engine(url: str, metadata: sa.MetaData | None = None) -> sa.engine.Engine:
    """The engine (a connection pool) for `url`, made once per process; `metadata`'s tables are
    created on first use. Its errors never show the statement's values (a CCCD, a token): they
    end up in logged tracebacks."""
    with _lock:
        eng = _engines.get(url)
        if eng is None:
            file = sqlite_file(url)
            if file is not None:
                make_private(file)
                eng = sa.create_engine(url, connect_args={"timeout": 30, "check_same_thread": False}, future=True,
                                       hide_parameters=True)
                sa.event.listen(eng, "connect", _sqlite_connect(file))
                sa.event.listen(eng, "begin", _sqlite_begin)
            else:
                # Called inside a citizen's turn: a database that does not answer must fail fast.
                parsed = sa.engine.make_url(url)
                psycopg2 = (parsed.get_backend_name(), parsed.get_driver_name()) == ("postgresql", "psycopg2")
                args = {"connect_timeout": 5} if psycopg2 else {}
                eng = sa.create_engine(url, pool_pre_ping=True, pool_timeout=5, connect_args=args, future=True,
                                       hide_parameters=True)
            _engines[url] = eng
        if metadata is not None and (url, id(metadata)) not in _ready:
            # One process at a time (replicas starting together): PostgreSQL's CREATE TABLE IF NOT
            # EXISTS is not safe against a concurrent one (a duplicate pg_type row); SQLite's begin
            # is IMMEDIATE, which serialises it there.
            with eng.begin() as conn:
                if conn.dialect.name == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": _lock_id("create tables")})
                metadata.create_all(conn)
            _ready.add((url, id(metadata)))
        return eng


def dispose(url: str) -> None:
    """Forget the engine of `url` (tests that delete their database)."""
    with _lock:
        eng = _engines.pop(url, None)
        for ready in [r for r in _ready if r[0] == url]:
            _ready.discard(ready)
    if eng is not None:
        eng.dispose()


def _lock_id(key: str) -> int:
    return int.from_bytes(hashlib.sha256(key.encode()).digest()[:8], "big", signed=True)


@contextmanager
def transaction(eng: sa.engine.Engine, *keys: str) -> Iterator[sa.engine.Connection]:
    """A transaction that no other process runs at the same time for the same keys: SQLite's
    BEGIN IMMEDIATE serialises every writer; PostgreSQL takes a transaction-level advisory lock
    per key (in a fixed order, so two transactions never wait for each other)."""
    with eng.begin() as conn:
        if conn.dialect.name == "postgresql":
            for lock_id in sorted({_lock_id(k) for k in keys}):
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:id)"), {"id": lock_id})
        yield conn


def insert(conn: sa.engine.Connection, table: sa.Table):
    """An INSERT that accepts .on_conflict_do_update / _do_nothing on this connection's database."""
    return (postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert)(table)
