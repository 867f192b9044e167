"""Request-level protections of the staff console: cookies, CSRF tokens, same-origin checks.

- Cookies are HttpOnly, SameSite=Strict, Path=/staff, and Secure whenever the request came over
  HTTPS (directly, or through the trusted reverse proxy's X-Forwarded-Proto).
- Every POST carries a hidden `csrf` field: the session's token (synchronizer pattern) or, for the
  login form, a token also held in a signed cookie (double submit; the signature stops a
  sibling site from planting its own cookie). Both are compared in constant time.
- A POST whose Origin (or, without one, Referer) names another host is refused as well.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from urllib.parse import urlparse

from aiohttp import web

from bot.analytics import db

LOGIN_COOKIE = "staff_login_csrf"
COOKIE_PATH = "/staff"


def is_https(request: web.Request, trust_proxy: bool) -> bool:
    """The browser talks HTTPS to us: directly, or to the reverse proxy we were told to trust."""
    if request.secure:
        return True
    if trust_proxy:
        proto = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        return proto == "https"
    return False


def set_cookie(response: web.StreamResponse, name: str, value: str, secure: bool,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, path=COOKIE_PATH, httponly=True, samesite="Strict", secure=secure,
                        max_age=max_age)


def clear_cookie(response: web.StreamResponse, name: str, secure: bool) -> None:
    response.set_cookie(name, "", path=COOKIE_PATH, httponly=True, samesite="Strict", secure=secure, max_age=0,
                        expires="Thu, 01 Jan 1970 00:00:00 GMT")


def tokens_match(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison of two CSRF tokens; empty never matches."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode("utf-8"), given.encode("utf-8"))


def same_origin(request: web.Request, own_hosts: tuple[str, ...] = ()) -> bool:
    """False when the POST says it comes from another site (Origin, else Referer); True when it
    says nothing (some privacy tools strip both; the CSRF token still has to match)."""
    source = request.headers.get("Origin") or request.headers.get("Referer")
    if not source:
        return True
    if source == "null":
        return False
    host = urlparse(source).netloc.lower()
    return bool(host) and (host == request.host.lower() or host in own_hosts)


@lru_cache(maxsize=1)
def _login_key() -> bytes:
    # Derived from the console key (CONSOLE_KEY, shared by every replica) for this one purpose.
    return hmac.new(db._key(), b"staff-login-csrf", hashlib.sha256).digest()


def _sign(token: str) -> str:
    return hmac.new(_login_key(), token.encode("utf-8"), hashlib.sha256).hexdigest()


def new_login_token() -> tuple[str, str]:
    """(cookie value, form value) for the login form."""
    token = secrets.token_urlsafe(32)
    return f"{token}.{_sign(token)}", token


def login_token_from_cookie(cookie: str | None) -> str | None:
    """The token inside a login cookie whose signature holds, else None."""
    token, _, signature = (cookie or "").partition(".")
    if token and signature and hmac.compare_digest(_sign(token), signature):
        return token
    return None
