"""What every channel adapter shares: settings, texts, the Rasa client and the rate limiter."""
from __future__ import annotations

import logging
from dataclasses import dataclass

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

    @classmethod
    def create(cls, config: GatewayConfig) -> "Core":
        limits = {"ip": config.per_ip_per_minute, "sender": config.per_sender_per_minute,
                  "telegram": config.per_sender_per_minute, "zalo": config.per_sender_per_minute}
        return cls(config, load_texts(), RasaClient(config.rasa_url, config.rasa_timeout),
                   RateLimiter(config.state_dir / "gateway.db", limits))

    async def converse(self, sender: str, message: str, channel: str) -> list[Reply]:
        """The assistant's replies, or the polite "tạm gián đoạn" text when Rasa is down."""
        try:
            return await self.rasa.ask(sender, message, channel)
        except RasaUnavailable:
            return [Reply(self.texts.unavailable)]

    async def close(self) -> None:
        await self.rasa.close()
        self.limiter.close()
