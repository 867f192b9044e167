"""Login sessions, kept in the console database (table staff_sessions), never in process memory.

The browser holds a random 32-byte token (cookie `staff_session`); the database holds only its
SHA-256, so a copy of the database does not let anyone log in. Each session has its own CSRF
token (synchronizer pattern) and expires 8 hours after login. A new session is made at every
login (the old cookie's row is deleted) and the row is deleted at logout.
"""
from __future__ import annotations

import hashlib
import secrets
import time
from dataclasses import dataclass

import sqlalchemy as sa

from bot.analytics import db
from bot.staff.accounts import Account, get_by_id

COOKIE = "staff_session"
LIFETIME = 8 * 3600


@dataclass(frozen=True)
class Session:
    token_hash: str
    csrf: str
    expires_at: float
    account: Account


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create(user_id: int, engine: sa.engine.Engine | None = None, replaces: str | None = None,
           now: float | None = None) -> tuple[str, Session]:
    """A new session for `user_id`: (cookie value, session). `replaces`: the cookie value the
    browser had before, whose row is deleted (rotation at login). Expired rows are cleared too."""
    now = time.time() if now is None else now
    token = secrets.token_urlsafe(32)
    csrf = secrets.token_urlsafe(32)
    s = db.staff_sessions
    with (engine or db.engine()).begin() as conn:
        conn.execute(s.delete().where(s.c.expires_at <= now))
        if replaces:
            conn.execute(s.delete().where(s.c.token_hash == token_hash(replaces)))
        conn.execute(s.insert().values(token_hash=token_hash(token), user_id=user_id, csrf_token=csrf,
                                       created_at=now, expires_at=now + LIFETIME))
    account = get_by_id(user_id, engine)
    assert account is not None
    return token, Session(token_hash(token), csrf, now + LIFETIME, account)


def lookup(token: str | None, engine: sa.engine.Engine | None = None, now: float | None = None) -> Session | None:
    """The live session of a cookie value, or None (unknown, expired, or the account disabled)."""
    if not token or len(token) > 128:
        return None
    now = time.time() if now is None else now
    s, u = db.staff_sessions, db.staff_users
    eng = engine or db.engine()
    with eng.connect() as conn:
        row = conn.execute(sa.select(s.c.token_hash, s.c.csrf_token, s.c.expires_at, s.c.user_id)
                           .select_from(s.join(u, u.c.id == s.c.user_id))
                           .where(s.c.token_hash == token_hash(token), s.c.expires_at > now, u.c.active.is_(True))
                           ).first()
    if row is None:
        return None
    account = get_by_id(row.user_id, eng)
    if account is None:
        return None
    return Session(row.token_hash, row.csrf_token, row.expires_at, account)


def delete(token: str | None, engine: sa.engine.Engine | None = None) -> None:
    """End the session of a cookie value (logout)."""
    if token:
        s = db.staff_sessions
        with (engine or db.engine()).begin() as conn:
            conn.execute(s.delete().where(s.c.token_hash == token_hash(token)))
