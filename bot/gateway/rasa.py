"""Client for Rasa's REST channel on loopback (POST /webhooks/rest/webhook).

Rasa's REST channel has no authentication, so Rasa listens on 127.0.0.1 only and every channel
reaches it through this client. Failures become `RasaUnavailable`; adapters answer the citizen
with the polite "tạm gián đoạn" text instead of an error.
"""
from __future__ import annotations

import asyncio
import hashlib
import logging
from typing import Any

import aiohttp

from bot.gateway.messages import Reply, parse_rasa

log = logging.getLogger(__name__)
MAX_MESSAGE = 5000  # characters of a citizen's message kept (Rasa gets nothing longer)


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    """One aiohttp session per gateway process; create and close it inside the event loop.

    `base_url` may list several Rasa replicas, comma-separated (a scaled-out deployment sharing
    a PostgreSQL tracker store and a Redis lock store, docs/deploy.md). Each conversation goes to
    the replica its sender id hashes to, so that its messages usually meet no lock; when that
    replica cannot be reached (refused, or the connection dropped before an answer), the message
    goes to the next one, and the conversation continues there from the shared tracker store.
    """

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.base_urls = [u.strip().rstrip("/") for u in base_url.split(",") if u.strip()] or [base_url]
        self.base_url = self.base_urls[0]
        self.timeout = aiohttp.ClientTimeout(total=timeout, connect=min(5.0, timeout))
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if self._session is None:
            # Up to 100 connections to Rasa at once; Rasa queues the rest itself.
            self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=100))

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def raw(self, sender: str, message: str, channel: str, client: str | None = None) -> list[Any]:
        """Rasa's JSON answer (a list) for one message of one conversation. `client`: a hashed
        client address for the actions' guessing limits (never the address itself)."""
        await self.start()
        assert self._session is not None
        metadata = {"channel": channel, **({"client": client} if client else {})}
        body = {"sender": sender, "message": message[:MAX_MESSAGE], "metadata": metadata}
        problem: Exception = RasaUnavailable("no replica")
        for base in self.replicas_for(sender):
            try:
                async with self._session.post(base + "/webhooks/rest/webhook", json=body, timeout=self.timeout) as r:
                    if r.status != 200:
                        raise RasaUnavailable(f"HTTP {r.status}")
                    data = await r.json(content_type=None)
            except (aiohttp.ClientOSError, aiohttp.ServerDisconnectedError) as exc:
                # Refused, reset or gone before answering (a replica that died: Rasa stores a turn
                # only when it has finished it), so the turn goes to the next replica.
                log.warning("Rasa replica %s unavailable (%s)", base, type(exc).__name__)
                problem = exc
                continue
            except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
                # The message text is never logged: citizens may type ID or phone numbers.
                log.warning("Rasa unavailable (%s: %s)", type(exc).__name__, exc)
                raise RasaUnavailable(str(exc)) from exc
            if not isinstance(data, list):
                raise RasaUnavailable("answer is not a list")
            return data
        raise RasaUnavailable(str(problem)) from problem

    def replicas_for(self, sender: str) -> list[str]:
        """The replicas in the order this conversation tries them: its own first."""
        first = int(hashlib.sha256(sender.encode()).hexdigest()[:8], 16) % len(self.base_urls)
        return self.base_urls[first:] + self.base_urls[:first]

    async def ask(self, sender: str, message: str, channel: str, client: str | None = None) -> list[Reply]:
        """The assistant's replies to `message` in conversation `sender`."""
        return parse_rasa(await self.raw(sender, message, channel, client))
