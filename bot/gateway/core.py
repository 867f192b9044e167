"""What every channel adapter shares: settings, texts, the Rasa client and the rate limiter."""
from __future__ import annotations

import hashlib
import hmac
import logging
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from bot import shared_state
from bot.gateway.config import GatewayConfig
from bot.gateway.messages import Reply
from bot.gateway.ratelimit import RateLimiter
from bot.gateway.rasa import RasaClient, RasaUnavailable
from bot.gateway.texts import Texts, load_texts

log = logging.getLogger(__name__)


@dataclass
class Core:
    config: GatewayConfig
    texts: Texts
    rasa: RasaClient
    limiter: RateLimiter
    client_key: bytes = field(default=b"", repr=False)

    @classmethod
    def create(cls, config: GatewayConfig) -> "Core":
        limits = {"ip": config.per_ip_per_minute, "sender": config.per_sender_per_minute,
                  "telegram": config.per_sender_per_minute, "zalo": config.per_sender_per_minute}
        limiter = RateLimiter(shared_state.location(config.state_dir / "gateway.db"), limits)
        return cls(config, load_texts(), RasaClient(config.rasa_url, config.rasa_timeout), limiter,
                   _client_key(config.state_dir / "client.key"))

    def client_id(self, ip: str) -> str:
        """A keyed hash of a client address, passed to Rasa so the actions' guessing limits hold
        for one browser across invented sender ids. Keyed: IPv4 addresses are too few for a plain
        hash to hide them."""
        return hmac.new(self.client_key, ip.encode(), hashlib.sha256).hexdigest()[:32]

    async def converse(self, sender: str, message: str, channel: str, client: str | None = None) -> list[Reply]:
        """The assistant's replies, or the polite "tạm gián đoạn" text when Rasa is down, fails,
        is too slow, or says nothing a citizen would see. Rasa answers 200 with an empty list
        when its action server is down; no rule or action of this assistant answers a turn with
        silence, so an empty answer is a fault too, and the citizen is never left without one."""
        try:
            replies = await self.rasa.ask(sender, message, channel, client)
        except RasaUnavailable:
            return [Reply(self.texts.unavailable)]
        if not any(r.text or r.buttons or r.file for r in replies):  # nothing, or only web-only "custom"
            log.warning("Rasa answered nothing a citizen can see (%s channel)", channel)
            return [Reply(self.texts.unavailable)]
        return replies

    async def close(self) -> None:
        await self.rasa.close()
        self.limiter.close()


def _client_key(path: Path) -> bytes:
    """GATEWAY_CLIENT_KEY (hex; the same on every replica), else a random key kept in `path`."""
    if os.environ.get("GATEWAY_CLIENT_KEY"):
        return bytes.fromhex(os.environ["GATEWAY_CLIENT_KEY"])
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # made earlier, or by another gateway process just now
        pass
    else:
        with os.fdopen(fd, "wb") as f:
            f.write(secrets.token_bytes(32))
    return path.read_bytes()
