"""The one-stop system's REST API as a dossier source (contract: docs/dossiers.md).

    GET {base_url}/dossiers/{code}    Authorization: Bearer <token>
        200 -> the dossier JSON object     404 -> no such dossier

One lookup never takes longer than `budget` seconds, retries included, so the citizen hears
"hệ thống đang gián đoạn" within 5 s when the system is down or slow. Connection errors,
timeouts and 5xx answers are retried with exponential backoff; 4xx answers are not (a wrong
token or a bad request does not get better by asking again).
"""
from __future__ import annotations

import logging
import time
from urllib.parse import quote

import requests

from bot.dossiers.model import Dossier, DossierError, from_dict
from bot.dossiers.source import SourceUnavailable

log = logging.getLogger(__name__)


class HttpSource:
    def __init__(self, base_url: str, token: str = "", budget: float = 4.0, connect_timeout: float = 1.5,
                 attempts: int = 3, backoff: float = 0.2, session: requests.Session | None = None):
        self.base_url = base_url.rstrip("/")
        self.budget = budget
        self.connect_timeout = connect_timeout
        self.attempts = attempts
        self.backoff = backoff
        self.session = session or requests.Session()
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
                r = self.session.get(url, timeout=(min(self.connect_timeout, remaining), remaining))
            except requests.RequestException as exc:
                problem = exc.__class__.__name__
            else:
                if r.status_code == 404:
                    return None
                if 400 <= r.status_code < 500:
                    # Not retried. The code is not personal data; the answer body may be.
                    log.error("one-stop API refused the lookup: HTTP %s", r.status_code)
                    raise SourceUnavailable(f"HTTP {r.status_code}")
                if r.status_code == 200:
                    return self._parse(r, code)
                problem = f"HTTP {r.status_code}"
            pause = self.backoff * (2 ** attempt)
            if time.monotonic() + pause >= deadline:
                break
            time.sleep(pause)
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
