"""Client for Rasa's REST channel on loopback (POST /webhooks/rest/webhook).

Rasa's REST channel has no authentication, so Rasa listens on 127.0.0.1 only and every channel
reaches it through this client. Failures become `RasaUnavailable`; adapters answer the citizen
with the polite "tạm gián đoạn" text instead of an error.
"""
from __future__ import annotations

import asyncio
import logging
from typing import Any

import aiohttp

from bot.gateway.messages import Reply, parse_rasa

log = logging.getLogger(__name__)
MAX_MESSAGE = 5000  # characters of a citizen's message kept (Rasa gets nothing longer)


class RasaUnavailable(Exception):
    """Rasa did not answer in time or answered with an error."""


class RasaClient:
    """One aiohttp session per gateway process; create and close it inside the event loop."""

    def __init__(self, base_url: str, timeout: float = 30.0) -> None:
        self.webhook = base_url.rstrip("/") + "/webhooks/rest/webhook"
        self.base_url = base_url.rstrip("/")
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
        try:
            async with self._session.post(self.webhook, json=body, timeout=self.timeout) as r:
                if r.status != 200:
                    raise RasaUnavailable(f"HTTP {r.status}")
                data = await r.json(content_type=None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as exc:
            # The message text is never logged: citizens may type ID or phone numbers.
            log.warning("Rasa unavailable (%s: %s)", type(exc).__name__, exc)
            raise RasaUnavailable(str(exc)) from exc
        if not isinstance(data, list):
            raise RasaUnavailable("answer is not a list")
        return data

    async def ask(self, sender: str, message: str, channel: str, client: str | None = None) -> list[Reply]:
        """The assistant's replies to `message` in conversation `sender`."""
        return parse_rasa(await self.raw(sender, message, channel, client))

    async def healthy(self) -> bool:
        await self.start()
        assert self._session is not None
        try:
            async with self._session.get(self.base_url + "/", timeout=aiohttp.ClientTimeout(total=2)) as r:
                return r.status == 200
        except (aiohttp.ClientError, asyncio.TimeoutError):
            return False
