"""Staff accounts: argon2id password hashes, two roles, and a lockout after failed logins.

    create("nguyenvana", "mật khẩu đủ dài", "officer", full_name="Nguyễn Văn A")
    account = authenticate("nguyenvana", password)   # None: refused, whatever the reason

Roles: `officer` (scorecard, review queue, catalog) and `admin` (all that, plus accounts and the
audit log). There is
no default account and no default password: the first administrator is made on the command line
(`python -m bot staff add NAME --role admin`).

Lockout: the 5th wrong password in a row locks the username for 15 minutes. While it is locked
the password is not even checked, so a guess on a locked account learns nothing; an unknown
username, a wrong password, a disabled or a locked account all get the same refusal (and take
about the same time: a dummy hash is verified for unknown names and locked accounts).
"""
from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from functools import lru_cache

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from bot.analytics import db

ROLES = ("officer", "admin")
MAX_FAILURES = 5
LOCK_SECONDS = 15 * 60
MIN_PASSWORD = 10
MAX_PASSWORD = 256  # hashing a megabyte-long "password" is a cheap denial of service
USERNAME_RE = re.compile(r"^[a-z0-9._-]{3,64}$")

_hasher = PasswordHasher()  # argon2id with the library's (RFC 9106 low-memory) parameters


class AccountError(ValueError):
    """An account cannot be created or changed; `code` is a key of texts.ACCOUNT_ERRORS."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Account:
    id: int
    username: str
    full_name: str
    role: str
    active: bool
    failed_logins: int
    locked_until: float | None
    created_at: float
    last_login: float | None

    def locked(self, now: float | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (time.time() if now is None else now)


def _engine(engine: sa.engine.Engine | None) -> sa.engine.Engine:
    return engine or db.engine()


def _account(row: sa.engine.Row) -> Account:
    return Account(row.id, row.username, row.full_name, row.role, bool(row.active), row.failed_logins,
                   row.locked_until, row.created_at, row.last_login)


def normalize_username(username: str) -> str:
    return (username or "").strip().lower()


def hash_password(password: str) -> str:
    """An argon2id hash ($argon2id$...) of `password`, after the length rules."""
    check_password(password)
    return _hasher.hash(password)


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD:
        raise AccountError("password_short")
    if len(password) > MAX_PASSWORD:
        raise AccountError("password_long")


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash(secrets.token_urlsafe(16))


def _verify(stored: str, password: str) -> bool:
    try:
        return _hasher.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def create(username: str, password: str, role: str, full_name: str = "",
           engine: sa.engine.Engine | None = None) -> Account:
    """Add an active account. Raises AccountError (username, exists, role, password_*, name)."""
    username = normalize_username(username)
    full_name = " ".join((full_name or "").split())
    if not USERNAME_RE.match(username):
        raise AccountError("username")
    if role not in ROLES:
        raise AccountError("role")
    if len(full_name) > 128:
        raise AccountError("name")
    password_hash = hash_password(password)
    u = db.staff_users
    with _engine(engine).begin() as conn:
        if conn.execute(sa.select(u.c.id).where(u.c.username == username)).first():
            raise AccountError("exists")
        try:
            conn.execute(u.insert().values(username=username, full_name=full_name, password_hash=password_hash,
                                           role=role, active=True, failed_logins=0, created_at=time.time()))
        except sa.exc.IntegrityError:  # made by another replica just now
            raise AccountError("exists") from None
    found = get(username, engine)
    assert found is not None
    return found


def get(username: str, engine: sa.engine.Engine | None = None) -> Account | None:
    u = db.staff_users
    with _engine(engine).connect() as conn:
        row = conn.execute(sa.select(u).where(u.c.username == normalize_username(username))).first()
    return _account(row) if row else None


def get_by_id(user_id: int, engine: sa.engine.Engine | None = None) -> Account | None:
    u = db.staff_users
    with _engine(engine).connect() as conn:
        row = conn.execute(sa.select(u).where(u.c.id == user_id)).first()
    return _account(row) if row else None


def list_accounts(engine: sa.engine.Engine | None = None) -> list[Account]:
    u = db.staff_users
    with _engine(engine).connect() as conn:
        return [_account(r) for r in conn.execute(sa.select(u).order_by(u.c.username))]


def _update(username: str, engine: sa.engine.Engine | None, **values: object) -> Account:
    u = db.staff_users
    with _engine(engine).begin() as conn:
        n = conn.execute(u.update().where(u.c.username == normalize_username(username)).values(**values)).rowcount
        if values.get("active") is False or "password_hash" in values:
            # Disabling an account or replacing its password ends every session it has.
            ids = sa.select(u.c.id).where(u.c.username == normalize_username(username)).scalar_subquery()
            conn.execute(db.staff_sessions.delete().where(db.staff_sessions.c.user_id == ids))
    if not n:
        raise AccountError("unknown")
    found = get(username, engine)
    assert found is not None
    return found


def disable(username: str, engine: sa.engine.Engine | None = None) -> Account:
    """Refuse every future login of the account and end its sessions."""
    return _update(username, engine, active=False)


def enable(username: str, engine: sa.engine.Engine | None = None) -> Account:
    return _update(username, engine, active=True, failed_logins=0, locked_until=None)


def unlock(username: str, engine: sa.engine.Engine | None = None) -> Account:
    """Lift a lockout after failed logins."""
    return _update(username, engine, failed_logins=0, locked_until=None)


def set_password(username: str, password: str, engine: sa.engine.Engine | None = None) -> Account:
    """Replace the password (ends the account's sessions) and lift any lockout."""
    return _update(username, engine, password_hash=hash_password(password), failed_logins=0, locked_until=None)


@dataclass(frozen=True)
class LoginResult:
    account: Account | None  # None: refused (the reason is never shown to the person logging in)
    locked_now: bool = False  # this failure locked the account (for the audit log)


def _lock(eng: sa.engine.Engine, user_id: int, now: float) -> None:
    u = db.staff_users
    with eng.begin() as conn:
        conn.execute(u.update().where(u.c.id == user_id).values(failed_logins=0, locked_until=now + LOCK_SECONDS))


def authenticate(username: str, password: str, engine: sa.engine.Engine | None = None,
                 now: float | None = None) -> LoginResult:
    """Check a login. A success resets the failure count; the MAX_FAILURES-th failure in a row
    locks the account for LOCK_SECONDS. Attempts on a locked account are refused unchecked.

    Each attempt is counted before its password is checked, so that guesses sent all at once
    cannot outrun the lockout: beyond MAX_FAILURES attempts in a row (finished or not), further
    ones are refused unchecked, and a success only counts while the account is not locked."""
    now = time.time() if now is None else now
    username = normalize_username(username)
    password = password or ""
    u = db.staff_users
    eng = _engine(engine)
    with eng.connect() as conn:
        row = conn.execute(sa.select(u).where(u.c.username == username)).first() if username else None
    if row is None or not row.active or len(password) > MAX_PASSWORD:
        _verify(_dummy_hash(), password[:MAX_PASSWORD])  # same cost as a real check
        return LoginResult(None)
    unlocked = sa.or_(u.c.locked_until.is_(None), u.c.locked_until <= now)
    with eng.begin() as conn:
        counted = conn.execute(u.update().where(u.c.id == row.id, unlocked)
                               .values(failed_logins=u.c.failed_logins + 1)).rowcount
        attempt = conn.execute(sa.select(u.c.failed_logins).where(u.c.id == row.id)).scalar() or 0
    if not counted or attempt > MAX_FAILURES:
        # Locked, or more attempts at once than the lockout allows (which locks it): refused
        # without checking the password, in the time a check takes (a lock does not reveal
        # that the account exists).
        if counted:
            _lock(eng, row.id, now)
        _verify(_dummy_hash(), password)
        return LoginResult(None, locked_now=bool(counted))
    if not _verify(row.password_hash, password):
        if attempt >= MAX_FAILURES:
            _lock(eng, row.id, now)
            return LoginResult(None, locked_now=True)
        return LoginResult(None)
    values: dict[str, object] = {"failed_logins": 0, "locked_until": None, "last_login": now}
    if _hasher.check_needs_rehash(row.password_hash):
        values["password_hash"] = _hasher.hash(password)
    with eng.begin() as conn:
        done = conn.execute(u.update().where(u.c.id == row.id, u.c.active.is_(True), unlocked)
                            .values(**values)).rowcount
    if not done:  # locked (or disabled) by a concurrent attempt meanwhile
        return LoginResult(None)
    account = get_by_id(row.id, eng)
    return LoginResult(account)
