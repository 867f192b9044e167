"""The one-stop system's REST API as a dossier source (contract: docs/dossiers.md).

    GET {base_url}/dossiers/{code}    Authorization: Bearer <token>
        200 -> the dossier JSON object     404 -> no such dossier

One lookup never takes longer than `budget` seconds, retries included, so the citizen hears
"hệ thống đang gián đoạn" within 5 s when the system is down or slow. Connection errors,
timeouts and 5xx answers are retried with exponential backoff; 4xx answers are not (a wrong
token or a bad request does not get better by asking again).

The budget holds for the whole exchange, not only between two packets: requests' read timeout
restarts with every byte, so a server that trickles its headers or body one byte at a time
would keep a lookup waiting for minutes. A watchdog timer shuts the lookup's socket down when
the budget is spent, which ends any read in progress.
"""
from __future__ import annotations

import logging
import socket
import threading
import time
from urllib.parse import quote

import requests
from requests.adapters import HTTPAdapter
from urllib3 import PoolManager, ProxyManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from bot.dossiers.model import Dossier, DossierError, from_dict
from bot.dossiers.source import SourceUnavailable

log = logging.getLogger(__name__)
_watched = threading.local()  # the sockets the current thread's lookup reads from


def _watch(sock: socket.socket | None) -> None:
    sockets = getattr(_watched, "sockets", None)
    if sockets is not None and sock is not None:
        sockets.append(sock)


class _WatchedHTTPConnection(HTTPConnection):
    def getresponse(self, *args, **kwargs):  # the socket is connected, the request sent
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPSConnection(HTTPSConnection):
    def getresponse(self, *args, **kwargs):
        _watch(self.sock)
        return super().getresponse(*args, **kwargs)


class _WatchedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class _WatchedAdapter(HTTPAdapter):
    """requests' adapter whose connections report their socket to the lookup's watchdog."""

    def init_poolmanager(self, *args, **kwargs) -> None:
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy, **kwargs) -> PoolManager:
        manager = super().proxy_manager_for(proxy, **kwargs)
        if type(manager) is ProxyManager:  # SOCKS managers keep their own pools (no watchdog)
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


class _Watchdog:
    """Shuts down the sockets of one lookup attempt when its time is up."""

    def __init__(self, seconds: float):
        self.fired = False
        self.sockets: list[socket.socket] = []
        self._timer = threading.Timer(max(seconds, 0.0), self._fire)
        self._timer.daemon = True

    def _fire(self) -> None:
        self.fired = True
        for sock in list(self.sockets):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __enter__(self) -> "_Watchdog":
        _watched.sockets = self.sockets
        self._timer.start()
        return self

    def __exit__(self, *exc) -> None:
        self._timer.cancel()
        _watched.sockets = None


class HttpSource:
    def __init__(self, base_url: str, token: str = "", budget: float = 4.0, connect_timeout: float = 1.5,
                 attempts: int = 3, backoff: float = 0.2, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.connect_timeout = connect_timeout
        self.attempts = attempts
        self.backoff = backoff
        self.session = session or requests.Session()
        watched = _WatchedAdapter()
        self.session.mount("http://", watched)
        self.session.mount("https://", watched)
        self.session.headers.update({"Accept": "application/json", "User-Agent": "vhttdl-assistant"})
        if token:
            self.session.headers["Authorization"] = f"Bearer {token}"

    def get(self, code: str) -> Dossier | None:
        url = f"{self.base_url}/dossiers/{quote(code, safe='')}"
        deadline = time.monotonic() + self.budget
        problem = "no attempt"
        for attempt in range(self.attempts):
            remaining = deadline - time.monotonic()
            if remaining <= 0.05:
                break
            try:
                with _Watchdog(remaining) as watchdog:
                    r = self.session.get(url, timeout=(min(self.connect_timeout, remaining), remaining))
            except requests.RequestException as exc:
                problem = "deadline" if watchdog.fired else exc.__class__.__name__
            else:
                if r.status_code == 404:
                    return None
                if 400 <= r.status_code < 500:
                    # Not retried. The code is not personal data; the answer body may be.
                    log.error("one-stop API refused the lookup: HTTP %s", r.status_code)
                    raise SourceUnavailable(f"HTTP {r.status_code}")
                if r.status_code == 200:
                    if watchdog.fired:  # the body may be cut short
                        break
                    return self._parse(r, code)
                problem = f"HTTP {r.status_code}"
            pause = self.backoff * (2 ** attempt)
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
        if time.monotonic() >= deadline:
            problem = f"{problem}, {self.budget:g} s budget spent"
        log.warning("one-stop API unavailable after retries: %s", problem)
        raise SourceUnavailable(problem)

    def _parse(self, r: requests.Response, code: str) -> Dossier:
        try:
            dossier = from_dict(r.json())
        except ValueError as exc:  # bad JSON, or JSON outside the contract (DossierError)
            reason = str(exc).split(":")[0] if isinstance(exc, DossierError) else "invalid JSON"
            log.error("one-stop API answered outside the contract (%s)", reason)
            raise SourceUnavailable("answer outside the contract") from None
        if dossier.code != code:
            log.error("one-stop API answered with another dossier than asked")
            raise SourceUnavailable("answer for another code")
        return dossier
