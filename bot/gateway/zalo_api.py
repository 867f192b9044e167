"""Zalo OA Open API: the customer-service message call and the OA access token, with requests.

Token rules (Zalo OA Open API v3, see docs/channels.md for sources):
- `POST {oauth_base}/v4/oa/access_token`, header `secret_key: <app secret>`, form fields
  `refresh_token`, `app_id`, `grant_type=refresh_token` -> `access_token`, `refresh_token`,
  `expires_in` (seconds, sent as a string).
- A refresh token works ONCE. The new pair is written in the same transaction that read the old
  one, which no other gateway process runs at the same time (SQLite: BEGIN IMMEDIATE;
  PostgreSQL: an advisory lock, see bot/shared_state.py), and a failed refresh rolls back, so the
  old refresh token is never lost.
- Tokens are never logged and never put in exception messages.
"""
from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import Any

import requests
import sqlalchemy as sa

from bot import shared_state
from bot.gateway.config import ZaloConfig

log = logging.getLogger(__name__)

CS_PATH = "/v3.0/oa/message/cs"
TOKEN_PATH = "/v4/oa/access_token"
INVALID_TOKEN_ERRORS = {-216}  # "Access token is invalid" (Chatwoot's Zalo integration retries on it)
EARLY_REFRESH = 300.0  # seconds before expiry at which the access token is renewed
SEED_ACCESS_LIFETIME = 3600.0  # an access token given in the settings is trusted this long
TIMEOUT = 15.0


class ZaloError(Exception):
    """A Zalo API call failed; `code` is Zalo's error number when it sent one."""

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class TokenRefreshError(ZaloError):
    """The refresh call failed; the stored refresh token is unchanged."""


def _fingerprint(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


tokens_table = sa.Table(
    "zalo_tokens", sa.MetaData(),
    sa.Column("app_id", sa.String(64), primary_key=True),
    sa.Column("access_token", sa.Text),
    sa.Column("refresh_token", sa.Text),
    sa.Column("expires_at", sa.Float),
    sa.Column("seed", sa.String(64)),  # SHA-256 of the refresh token from the settings
    sa.Column("updated", sa.Float),
)


class TokenStore:
    """The OA's current access/refresh token pair, one row per app id, in the gateway's database
    (bot/shared_state.py: `path` is the SQLite file or a URL; PostgreSQL lets every replica run
    the Zalo channel)."""

    def __init__(self, path: Path | str, config: ZaloConfig, session: requests.Session) -> None:
        self.path = path
        self.config = config
        self.session = session
        self._lock = threading.Lock()  # one refresh at a time in this process (the database: across processes)
        self._engine = shared_state.engine(shared_state.as_url(path), tokens_table.metadata)
        with self._transaction() as conn:
            self._seed(conn)

    def _transaction(self):
        """A transaction no other process runs at once for this app (refreshes are serialised)."""
        return shared_state.transaction(self._engine, f"zalo-token:{self.config.app_id}")

    def _seed(self, conn: sa.engine.Connection) -> None:
        """Store the refresh token from the settings unless that very token was stored before
        (then the rotated pair in the database is newer). A new token in the settings (the OA
        was authorised again) replaces the stored pair."""
        seed = _fingerprint(self.config.refresh_token)
        stored = conn.execute(sa.select(tokens_table.c.seed).where(tokens_table.c.app_id == self.config.app_id)).first()
        if stored and stored[0] == seed:
            return
        expires = time.time() + SEED_ACCESS_LIFETIME if self.config.access_token else 0.0
        values = {"access_token": self.config.access_token, "refresh_token": self.config.refresh_token,
                  "expires_at": expires, "seed": seed, "updated": time.time()}
        conn.execute(shared_state.insert(conn, tokens_table).values(app_id=self.config.app_id, **values)
                     .on_conflict_do_update(index_elements=[tokens_table.c.app_id], set_=values))
        log.info("Zalo OA: stored the refresh token from the settings")

    def _row(self, conn: sa.engine.Connection) -> tuple[str, str, float]:
        row = conn.execute(sa.select(tokens_table.c.access_token, tokens_table.c.refresh_token,
                                     tokens_table.c.expires_at)
                           .where(tokens_table.c.app_id == self.config.app_id)).first()
        if row is None:
            raise TokenRefreshError("no Zalo tokens stored")
        return row[0] or "", row[1] or "", float(row[2] or 0)

    def stored(self) -> tuple[str, str, float]:
        """(access token, refresh token, expiry time) as stored now."""
        with self._engine.connect() as conn:
            return self._row(conn)

    def access_token(self) -> str:
        """A valid access token, refreshed first when it is missing or about to expire."""
        access, _, expires_at = self.stored()
        if access and expires_at - EARLY_REFRESH > time.time():
            return access
        return self.refresh(stale=access)

    def refresh(self, stale: str = "") -> str:
        """Exchange the stored refresh token for a new pair, unless another thread or process
        already replaced `stale` with a token that is still valid; returns the access token.
        A failed call raises and rolls back: the stored refresh token is kept."""
        with self._lock, self._transaction() as conn:
            access, refresh_token, expires_at = self._row(conn)
            if access and access != stale and expires_at - EARLY_REFRESH > time.time():
                return access
            new_access, new_refresh, lifetime = self._call_refresh(refresh_token)
            conn.execute(tokens_table.update().where(tokens_table.c.app_id == self.config.app_id)
                         .values(access_token=new_access, refresh_token=new_refresh,
                                 expires_at=time.time() + lifetime, updated=time.time()))
        log.info("Zalo OA: access token refreshed (valid %d s)", lifetime)
        return new_access

    def _call_refresh(self, refresh_token: str) -> tuple[str, str, float]:
        try:
            r = self.session.post(self.config.oauth_base + TOKEN_PATH, timeout=TIMEOUT,
                                  headers={"secret_key": self.config.app_secret},
                                  data={"refresh_token": refresh_token, "app_id": self.config.app_id,
                                        "grant_type": "refresh_token"})
            data: dict[str, Any] = r.json()
        except (requests.RequestException, ValueError) as exc:
            log.error("Zalo OA: token refresh failed (%s); the stored refresh token is kept", type(exc).__name__)
            raise TokenRefreshError(f"token refresh failed: {type(exc).__name__}") from None
        if not isinstance(data, dict) or not data.get("access_token") or not data.get("refresh_token"):
            code = data.get("error") if isinstance(data, dict) else None
            name = data.get("error_name", "") if isinstance(data, dict) else ""
            log.error("Zalo OA: token refresh refused (error %s %s); the stored refresh token is kept", code, name)
            raise TokenRefreshError(f"token refresh refused: {code} {name}", code)
        try:
            lifetime = float(data.get("expires_in") or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        return str(data["access_token"]), str(data["refresh_token"]), lifetime


class ZaloClient:
    """Sends customer-service ("tư vấn") messages: POST /v3.0/oa/message/cs, header `access_token`."""

    def __init__(self, config: ZaloConfig, tokens: TokenStore, session: requests.Session) -> None:
        self.url = config.api_base + CS_PATH
        self.tokens = tokens
        self.session = session

    def _post(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        try:
            r = self.session.post(self.url, json=body, timeout=TIMEOUT, headers={"access_token": token})
            data = r.json()
        except (requests.RequestException, ValueError) as exc:
            raise ZaloError(f"message not sent: {type(exc).__name__}") from None
        if not isinstance(data, dict):
            raise ZaloError("message not sent: unexpected answer")
        return data

    def send(self, user_id: str, message: dict[str, Any]) -> dict[str, Any]:
        """Send one message to a user; refreshes the access token once if Zalo says it is
        invalid. Raises ZaloError with Zalo's error code otherwise."""
        body = {"recipient": {"user_id": user_id}, "message": message}
        token = self.tokens.access_token()
        data = self._post(token, body)
        if data.get("error") in INVALID_TOKEN_ERRORS:
            data = self._post(self.tokens.refresh(stale=token), body)
        if data.get("error") != 0:
            raise ZaloError(f"message refused: error {data.get('error')} {data.get('message', '')}", data.get("error"))
        return data
