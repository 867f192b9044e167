"""Assemble the gateway (one aiohttp app, one process) and run it.

The website channel is always on; Telegram and Zalo OA are on when their credentials are set.
`serve()` is what `python -m bot gateway` and `python -m bot run` call; `BackgroundGateway` runs
the same app in a thread on loopback (tests, benchmarks).
"""
from __future__ import annotations

import asyncio
import logging
import signal
import threading
from typing import Callable

from aiohttp import web

from bot.gateway import files, health
from bot.gateway import web as web_channel
from bot.gateway.config import GatewayConfig, load_config
from bot.gateway.core import Core
from bot.gateway.deadlines import GatewayRunner, body_deadline
from bot.gateway.hosts import allowed_hosts

log = logging.getLogger(__name__)


def create_app(config: GatewayConfig) -> web.Application:
    """The gateway app for `config`: web channel, plus Telegram / Zalo when configured."""
    # Outermost first: slow bodies are cut off and other Host headers refused before any handler.
    app = web.Application(client_max_size=web_channel.MAX_BODY * 4,
                          middlewares=[body_deadline(config.read_timeout), allowed_hosts(config.hosts)])
    core = Core.create(config)
    app[web_channel.CORE_KEY] = core
    web_channel.setup(app)
    health.setup(app)
    channels: dict[str, Callable[[], bool]] = {"web": lambda: True, "telegram": lambda: False, "zalo": lambda: False}
    if config.telegram is not None:
        from bot.gateway import telegram

        tg = telegram.setup(app, core, config.telegram)
        channels["telegram"] = lambda: tg.running
    if config.zalo is not None:
        from bot.gateway import zalo

        zalo.setup(app, core, config.zalo)
        channels["zalo"] = lambda: True
    app[web_channel.CHANNELS_KEY] = channels
    files.setup(app)  # filled-in forms (bot/forms), written by the action server
    from bot.staff import app as staff

    staff.setup(app, config)  # the staff console under /staff (bot/staff)
    web_channel.setup_static(app)

    async def close_core(app: web.Application) -> None:
        await core.close()

    app.on_cleanup.append(close_core)
    return app


def quiet_libraries() -> None:
    """httpx logs every request URL at INFO, and Telegram URLs contain the bot token."""
    for name in ("httpx", "httpcore", "telegram.ext", "aiohttp.access"):
        logging.getLogger(name).setLevel(logging.WARNING)


async def _run(app: web.Application, config: GatewayConfig, banner: str | None) -> None:
    runner = GatewayRunner(app, config, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, config.host, config.port).start()
        print(banner or f"Gateway on http://{config.host}:{config.port} (Rasa: {config.rasa_url})", flush=True)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def serve(config: GatewayConfig | None = None, banner: str | None = None,
          on_stop: Callable[[], None] | None = None, **overrides: object) -> None:
    """Run the gateway until Ctrl-C or SIGTERM, then call `on_stop`. `overrides` (port=...,
    rasa_url=...) replace settings from the environment / channels.local.yml."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    quiet_libraries()
    try:
        config = config or load_config()
        if overrides:
            config = config.with_(**overrides)
        asyncio.run(_run(create_app(config), config, banner))
    except KeyboardInterrupt:
        pass
    finally:
        if on_stop:
            on_stop()


class BackgroundGateway:
    """The gateway in a daemon thread with its own event loop, on loopback; `.url` once started.

        with BackgroundGateway(config) as gw:
            requests.post(gw.url + "/api/chat", ...)
    """

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config.with_(host="127.0.0.1")
        self.url = ""
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._main, name="gateway", daemon=True)

    def _main(self) -> None:
        asyncio.set_event_loop(self._loop)
        try:
            self._loop.run_until_complete(self._start())
        except BaseException as exc:  # reported to the starting thread
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self._loop.run_forever()

    async def _start(self) -> None:
        self.app = create_app(self.config)
        self._runner = GatewayRunner(self.app, self.config, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.config.port)
        await site.start()
        port = self._runner.addresses[0][1]
        self.url = f"http://127.0.0.1:{port}"

    def start(self) -> "BackgroundGateway":
        quiet_libraries()
        self._thread.start()
        self._ready.wait(60)
        if self._error:
            raise RuntimeError(f"gateway did not start: {self._error!r}") from self._error
        return self

    def stop(self) -> None:
        if self._runner is not None:
            asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(30)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)

    def __enter__(self) -> "BackgroundGateway":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
