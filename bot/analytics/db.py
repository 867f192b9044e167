"""The staff console's tables: what the assistant understood per turn, citizens' ratings, staff
accounts and sessions, the review queue's marks and the audit log.

One SQLAlchemy Core schema for both back-ends: a SQLite file by default (`.var/console.db`),
PostgreSQL for a scaled-out deployment (`CONSOLE_DB_URL=postgresql://user:pass@host/db`, or the
one `VHTTDL_SHARED_DB_URL` of bot/shared_state.py; see docs/staff.md). The action server writes turns and ratings, the gateway's staff pages read them;
neither keeps any of it in process memory.

    from bot.analytics import db
    with db.engine().begin() as conn:
        conn.execute(db.turns.insert().values(...))
"""
from __future__ import annotations

import hashlib
import hmac
import os
import secrets
import threading
from functools import lru_cache
from pathlib import Path

import sqlalchemy as sa

from bot import paths

STATE_DIR = Path(os.environ.get("VHTTDL_STATE_DIR", paths.ROOT / ".var"))
DEFAULT_URL = f"sqlite:///{STATE_DIR / 'console.db'}"

metadata = sa.MetaData()

# One row per citizen message that reached the action server.
turns = sa.Table(
    "turns", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("message_id", sa.String(64), nullable=False, unique=True),  # Rasa's id of the message
    sa.Column("conversation", sa.String(32), nullable=False, index=True),  # keyed hash of the sender id
    sa.Column("ts", sa.Float, nullable=False),  # epoch seconds, UTC
    sa.Column("day", sa.String(10), nullable=False, index=True),  # YYYY-MM-DD in Vietnam (UTC+7)
    sa.Column("channel", sa.String(16), nullable=False),  # web / telegram / zalo / rest
    sa.Column("intent", sa.String(64), nullable=False),
    sa.Column("procedure", sa.String(64)),
    sa.Column("outcome", sa.String(16), nullable=False),  # answered/ambiguous/fallback/out_of_scope/other
    sa.Column("event", sa.String(32)),  # form_delivered / lookup_ok / lookup_failed_check / lookup_locked
    sa.Column("latency_ms", sa.Integer),
    sa.Column("text", sa.Text),  # masked; kept only for unanswered and 👎 turns, purged with retention
    sa.Column("helpful", sa.Boolean),  # the citizen's 👍 (True) / 👎 (False) on this answer
    sa.Column("review", sa.String(16)),  # null: to review; alias / new_answer / ignored
    sa.Column("review_note", sa.Text),  # e.g. the procedure an alias was added to
    sa.Column("reviewed_by", sa.String(64)),
    sa.Column("reviewed_at", sa.Float),
)

# Citizens' ratings: "helpful" (👍 1 / 👎 0, about one procedure's answer) and "satisfaction" (1-5).
feedback = sa.Table(
    "feedback", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("conversation", sa.String(32), nullable=False, index=True),
    sa.Column("ts", sa.Float, nullable=False),
    sa.Column("day", sa.String(10), nullable=False, index=True),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),  # helpful / satisfaction
    sa.Column("value", sa.Integer, nullable=False),
    sa.Column("procedure", sa.String(64)),
    sa.Column("trigger", sa.String(16)),  # satisfaction: thanks / goodbye / form / lookup
    sa.Column("comment", sa.Text),  # masked; the optional comment after a satisfaction rating
)

staff_users = sa.Table(
    "staff_users", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("username", sa.String(64), nullable=False, unique=True),
    sa.Column("full_name", sa.String(128), nullable=False, server_default=""),
    sa.Column("password_hash", sa.String(255), nullable=False),  # argon2id
    sa.Column("role", sa.String(16), nullable=False),  # admin / officer
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("failed_logins", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("last_login", sa.Float),
)

staff_sessions = sa.Table(
    "staff_sessions", metadata,
    sa.Column("token_hash", sa.String(64), primary_key=True),  # sha256 of the cookie value
    sa.Column("user_id", sa.Integer, sa.ForeignKey("staff_users.id", ondelete="CASCADE"), nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("expires_at", sa.Float, nullable=False, index=True),
)

audit_log = sa.Table(
    "audit_log", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("ts", sa.Float, nullable=False, index=True),
    sa.Column("username", sa.String(64), nullable=False),
    sa.Column("action", sa.String(32), nullable=False),  # catalog_edit / alias_add / review / account_add ...
    sa.Column("target", sa.String(128)),  # procedure id, account name, turn ids
    sa.Column("detail", sa.Text),  # e.g. the unified diff of a catalog edit
)

_engines: dict[str, sa.engine.Engine] = {}
_lock = threading.Lock()


def url() -> str:
    """The console database: CONSOLE_DB_URL, else the database every replica shares
    (VHTTDL_SHARED_DB_URL, bot/shared_state.py), else the SQLite file under .var/."""
    return os.environ.get("CONSOLE_DB_URL") or os.environ.get("VHTTDL_SHARED_DB_URL") or DEFAULT_URL


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # noqa: ANN001 - SQLAlchemy's event signature
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")  # readers (staff pages) never block the writer (actions)
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.close()


def engine(db_url: str | None = None) -> sa.engine.Engine:
    """The engine (a connection pool) for `db_url`, made once per process, tables created."""
    db_url = db_url or url()
    with _lock:
        eng = _engines.get(db_url)
        if eng is None:
            if db_url.startswith("sqlite:///"):
                file = Path(db_url[len("sqlite:///"):])
                file.parent.mkdir(parents=True, exist_ok=True)
                if not file.exists():
                    file.touch(mode=0o600)  # masked texts and password hashes: owner only
                eng = sa.create_engine(db_url, connect_args={"timeout": 30, "check_same_thread": False},
                                       future=True)
                sa.event.listen(eng, "connect", _sqlite_pragmas)
            else:
                # The action server records from inside the citizen's turn: a database that does
                # not answer must fail fast (then the turn is not recorded), not hold the answer.
                parsed = sa.engine.make_url(db_url)
                psycopg2 = (parsed.get_backend_name(), parsed.get_driver_name()) == ("postgresql", "psycopg2")
                args = {"connect_timeout": 5} if psycopg2 else {}
                eng = sa.create_engine(db_url, pool_pre_ping=True, pool_timeout=5, connect_args=args, future=True)
            metadata.create_all(eng)
            _engines[db_url] = eng
        return eng


def dispose(db_url: str | None = None) -> None:
    """Forget the engine of `db_url` (tests that delete their database file)."""
    with _lock:
        eng = _engines.pop(db_url or url(), None)
    if eng is not None:
        eng.dispose()


@lru_cache(maxsize=1)
def _key() -> bytes:
    """CONSOLE_KEY (hex; the same on every replica), else a random key kept in .var/console.key."""
    if os.environ.get("CONSOLE_KEY"):
        return bytes.fromhex(os.environ["CONSOLE_KEY"])
    path = STATE_DIR / "console.key"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()


def conversation_id(sender_id: str) -> str:
    """A keyed hash of a Rasa sender id: conversations can be counted and joined, but the staff
    pages never see a Telegram or Zalo user id (a plain hash of a number is easy to reverse)."""
    return hmac.new(_key(), sender_id.encode("utf-8"), hashlib.sha256).hexdigest()[:32]


def conversation_ref(sender_id: str) -> str:
    """For log lines: the conversation as the staff console names it (never the sender id: it is
    a Telegram chat or Zalo user id), or "?" when that cannot be made; never raises."""
    try:
        return conversation_id(sender_id)
    except Exception:  # noqa: BLE001 - a log line must not fail the turn it reports
        return "?"
