"""The channel gateway: keeps Rasa private and serves the website widget, Telegram and Zalo OA.

One process (aiohttp), one adapter module per channel (web, telegram, zalo) over a shared core
(Rasa REST client, reply model, rate limiter, settings). See docs/channels.md.
"""
from bot.gateway.config import GatewayConfig, load_config
from bot.gateway.server import BackgroundGateway, create_app, serve

__all__ = ["BackgroundGateway", "GatewayConfig", "create_app", "load_config", "serve"]
