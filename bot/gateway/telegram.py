"""The Telegram channel, with python-telegram-bot 22 (not Rasa's built-in Telegram channel).

- Long polling by default (no public URL needed); webhook mode (`POST /telegram/webhook`)
  checks the `X-Telegram-Bot-Api-Secret-Token` header on every update and answers 403 otherwise;
  a body that is not a JSON update gets 400, one over 64 KiB 413.
- Every update is handled once: its id is recorded in SQLite first (bot/gateway/dedup.py), so a
  webhook redelivery or a poller restarting before confirming its offset is not answered twice.
  Only new private messages and button presses are answered (not edits, channel posts...).
- One Rasa conversation per chat: sender id "tg-<chat_id>". Private chats only.
- Rasa buttons become inline keyboards; a press sends the button's payload to Rasa. Telegram's
  callback_data holds at most 64 bytes, so longer payloads are kept in SQLite under a short key.
- Files (Rasa attachments) are downloaded by the gateway and sent as documents; a typing
  indicator shows while Rasa thinks.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import weakref
from pathlib import Path

import aiohttp
import sqlalchemy as sa
from aiohttp import web
from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import (Application, ApplicationBuilder, ApplicationHandlerStop, CallbackQueryHandler,
                          CommandHandler, ContextTypes, MessageHandler, TypeHandler, filters)

from bot import shared_state
from bot.gateway.config import TelegramConfig
from bot.gateway.core import Core
from bot.gateway.dedup import SeenIds
from bot.gateway.inbound import BadBody, load_json, read_body
from bot.gateway.messages import Button, FileLink, Reply, absolute_url, split_text
from bot.gateway.web import NO_STORE_KEY

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/telegram/webhook"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"
ALLOWED_UPDATES = ["message", "callback_query"]
MAX_BODY = 65_536  # bytes of one webhook update (a 4096-character message and the one it replies to fit)
MAX_TEXT = 4096  # Telegram's limit for one message
MAX_CALLBACK_DATA = 64  # bytes
MAX_FILE = 20 * 1024 * 1024  # bytes we download to re-upload (Telegram bots may upload 50 MB)
TYPING_EVERY = 4.5  # seconds; Telegram shows "typing..." for about 5 s per chat action
PAYLOAD_DAYS = 30  # long button payloads are forgotten after this


payloads_metadata = sa.MetaData()
tg_payloads = sa.Table(
    "tg_payloads", payloads_metadata,
    sa.Column("key", sa.String(32), primary_key=True),
    sa.Column("payload", sa.Text, nullable=False),
    sa.Column("created", sa.Float, nullable=False, index=True),
)


class ButtonPayloads:
    """callback_data for a button payload: the payload itself when it fits in 64 bytes, else
    "#<key>" with the payload kept in the gateway's database (bot/shared_state.py: shared by
    gateway processes and, with VHTTDL_SHARED_DB_URL, by every replica; survives restarts)."""

    def __init__(self, path: Path | str) -> None:
        self.url = shared_state.as_url(path)

    def encode(self, payload: str) -> str:
        if len(payload.encode("utf-8")) <= MAX_CALLBACK_DATA and not payload.startswith("#"):
            return payload
        key = hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]
        now = time.time()
        try:
            with shared_state.engine(self.url, payloads_metadata).begin() as conn:
                conn.execute(shared_state.insert(conn, tg_payloads).values(key=key, payload=payload, created=now)
                             .on_conflict_do_update(index_elements=["key"], set_={"created": now}))
                conn.execute(tg_payloads.delete().where(tg_payloads.c.created < now - PAYLOAD_DAYS * 86400))
        except sa.exc.SQLAlchemyError as exc:  # the answer still goes out; this button says "expired"
            log.warning("Telegram: a long button payload was not stored (%s)", type(exc).__name__)
        return "#" + key

    def decode(self, data: str) -> str | None:
        """The payload for a pressed button, or None if it is no longer known."""
        if not data:
            return None
        if not data.startswith("#"):
            return data
        try:
            with shared_state.engine(self.url, payloads_metadata).connect() as conn:
                return conn.execute(sa.select(tg_payloads.c.payload).where(tg_payloads.c.key == data[1:])).scalar()
        except sa.exc.SQLAlchemyError as exc:
            log.warning("Telegram: a long button payload could not be read (%s)", type(exc).__name__)
            return None

    def close(self) -> None:
        """Nothing to close: connections are pooled per database (bot/shared_state.py)."""


class TelegramChannel:
    def __init__(self, core: Core, config: TelegramConfig) -> None:
        self.core = core
        self.config = config
        self.texts = core.texts
        state = shared_state.location(core.config.state_dir / "gateway.db")
        self.payloads = ButtonPayloads(state)
        self.seen = SeenIds(state)
        self._seen_scope = "telegram:" + config.token.split(":", 1)[0]  # the bot's (public) id, not the token
        builder = (ApplicationBuilder().token(config.token).base_url(config.base_url)
                   .base_file_url(config.base_file_url)
                   # Chats are independent: one slow answer must not hold up the others.
                   .concurrent_updates(True))
        if config.mode == "webhook":
            builder = builder.updater(None)
        self.application: Application = builder.build()
        self.application.add_handler(TypeHandler(Update, self.drop_repeats), group=-1)  # before all others
        private = filters.ChatType.PRIVATE & filters.UpdateType.MESSAGE  # new messages, not edits
        self.application.add_handler(CommandHandler("start", self.on_start, filters=private))
        self.application.add_handler(CommandHandler("help", self.on_help, filters=private))
        self.application.add_handler(CallbackQueryHandler(self.on_button))
        self.application.add_handler(MessageHandler(private & filters.TEXT & ~filters.COMMAND, self.on_text))
        self.application.add_handler(MessageHandler(private & ~filters.TEXT & ~filters.COMMAND, self.on_other))
        self.application.add_error_handler(self.on_error)
        self._http: aiohttp.ClientSession | None = None
        self.running = False
        # Updates run concurrently across chats, but one chat's messages must reach Rasa in the
        # order they were sent. Locks live only while a chat has work in flight (weak refs).
        self._chat_locks: weakref.WeakValueDictionary[int, asyncio.Lock] = weakref.WeakValueDictionary()

    # --- lifecycle -------------------------------------------------------------------------
    async def start(self) -> None:
        """Connect to Telegram; on failure log one line and leave the channel off."""
        try:
            await self.application.initialize()
            await self.application.start()
            if self.config.mode == "webhook":
                await self.application.bot.set_webhook(self.config.webhook_url, secret_token=self.config.secret_token,
                                                       allowed_updates=ALLOWED_UPDATES)
            else:
                assert self.application.updater is not None
                await self.application.updater.start_polling(allowed_updates=ALLOWED_UPDATES)
        except (TelegramError, OSError) as exc:
            log.error("Telegram: off (could not connect: %s)", type(exc).__name__)
            await self._shutdown_quietly()
            return
        self.running = True
        log.info("Telegram: on (%s, bot @%s)", self.config.mode, self.application.bot.username)

    async def stop(self) -> None:
        if self.running:
            self.running = False
            await self._shutdown_quietly()
        if self._http is not None:
            await self._http.close()
        self.payloads.close()
        self.seen.close()

    async def _shutdown_quietly(self) -> None:
        try:
            if self.application.updater is not None and self.application.updater.running:
                await self.application.updater.stop()
            if self.application.running:
                await self.application.stop()
            await self.application.shutdown()
        except (TelegramError, OSError, RuntimeError) as exc:
            log.warning("Telegram: error while stopping (%s)", type(exc).__name__)

    # --- webhook ---------------------------------------------------------------------------
    async def webhook(self, request: web.Request) -> web.Response:
        """Telegram's POST: the secret token must match on every update."""
        given = request.headers.get(SECRET_HEADER, "").encode("utf-8", "surrogateescape")  # stray bytes: no raise
        if not given or not hmac.compare_digest(given, self.config.secret_token.encode()):
            log.warning("Telegram webhook: update refused (missing or wrong secret token)")
            return web.Response(status=403, text="forbidden")
        if not self.running:
            return web.Response(status=503, text="not ready")
        try:
            data = load_json(await read_body(request, MAX_BODY, self.core.config.read_timeout))
            if not isinstance(data, dict) or type(data.get("update_id")) is not int:
                raise ValueError("not an update")
            update = Update.de_json(data, self.application.bot)
        except BadBody as exc:
            log.warning("Telegram webhook: update refused (%s)", exc.reason)
            return web.Response(status=exc.status, text=exc.reason)
        except (ValueError, TypeError, KeyError, AttributeError, RecursionError) as exc:
            # python-telegram-bot raises any of these on a malformed update; only the type is logged.
            log.warning("Telegram webhook: malformed update refused (%s)", type(exc).__name__)
            return web.Response(status=400, text="bad update")
        await self.application.update_queue.put(update)
        return web.Response(text="ok")

    # --- handlers --------------------------------------------------------------------------
    async def drop_repeats(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        """Group -1: an update seen before (by this or another gateway process) goes no further."""
        if not await self.seen.first(self._seen_scope, str(update.update_id)):
            log.info("Telegram: a repeated update was dropped")
            raise ApplicationHandlerStop

    async def on_start(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, self.texts.telegram_start)

    async def on_help(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, self.texts.telegram_help)

    async def on_other(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await context.bot.send_message(update.effective_chat.id, self.texts.unsupported_message)

    async def on_text(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        await self.converse(update.effective_chat.id, update.effective_message.text, context)

    async def on_button(self, update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        payload = await asyncio.to_thread(self.payloads.decode, query.data or "")
        if payload is None or query.message is None:
            await query.answer(self.texts.button_expired)
            return
        await query.answer()
        await self.converse(query.message.chat.id, payload, context)

    async def on_error(self, update: object, context: ContextTypes.DEFAULT_TYPE) -> None:
        # Only the error's type: updates carry citizens' messages, which never go to the logs.
        log.warning("Telegram: error while handling an update (%s)", type(context.error).__name__)

    # --- conversation ----------------------------------------------------------------------
    async def converse(self, chat_id: int, text: str, context: ContextTypes.DEFAULT_TYPE) -> None:
        lock = self._chat_locks.get(chat_id)
        if lock is None:
            lock = self._chat_locks[chat_id] = asyncio.Lock()
        async with lock:  # FIFO: waiting turns of one chat go in arrival order
            await self._converse(chat_id, text, context)

    async def _converse(self, chat_id: int, text: str, context: ContextTypes.DEFAULT_TYPE) -> None:
        bot = context.bot
        verdict = await self.core.limiter.check("telegram", str(chat_id))
        if verdict != "ok":
            if verdict == "refuse":
                await bot.send_message(chat_id, self.texts.rate_limited)
            return
        first_sent = asyncio.Event()
        typing = asyncio.create_task(self._keep_typing(bot, chat_id, first_sent))
        try:
            replies = await self.core.converse(f"tg-{chat_id}", text, "telegram")
            # The indicator goes out before the answer, never after it.
            await asyncio.wait_for(first_sent.wait(), 10)
        finally:
            typing.cancel()
        await self.send_replies(bot, chat_id, replies)

    async def _keep_typing(self, bot, chat_id: int, first_sent: asyncio.Event) -> None:
        while True:
            try:
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            except TelegramError as exc:
                log.debug("Telegram: chat action failed (%s)", type(exc).__name__)
            first_sent.set()
            await asyncio.sleep(TYPING_EVERY)

    def keyboard(self, buttons: tuple[Button, ...]) -> InlineKeyboardMarkup:
        # One button per row: Vietnamese titles are long.
        return InlineKeyboardMarkup([[InlineKeyboardButton(b.title, callback_data=self.payloads.encode(b.payload))]
                                     for b in buttons])

    async def send_replies(self, bot, chat_id: int, replies: list[Reply]) -> None:
        for reply in replies:
            if reply.text or reply.buttons:
                chunks = split_text(reply.text or self.texts.choose, MAX_TEXT)
                markup = await asyncio.to_thread(self.keyboard, reply.buttons) if reply.buttons else None
                for i, chunk in enumerate(chunks):
                    await bot.send_message(chat_id, chunk, reply_markup=markup if i == len(chunks) - 1 else None)
            if reply.file:
                await self.send_file(bot, chat_id, reply.file)

    async def send_file(self, bot, chat_id: int, file: FileLink) -> None:
        """Download the file and upload it as a document (its URL may be private to this
        server); if that fails, send its name and link instead."""
        url = absolute_url(file.url, self.core.config.own_url)
        try:
            data = await self._download(url)
            await bot.send_document(chat_id, document=data, filename=file.name)
            return
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError, TelegramError) as exc:
            log.warning("Telegram: could not send a file as a document (%s)", type(exc).__name__)
        await bot.send_message(chat_id, self.texts.file_link.format(name=file.name, url=url))

    async def _download(self, url: str) -> bytes:
        if self._http is None:
            self._http = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30))
        async with self._http.get(url) as r:
            r.raise_for_status()
            data = await r.content.read(MAX_FILE + 1)
        if len(data) > MAX_FILE:
            raise ValueError("file too large")
        return data


def setup(app: web.Application, core: Core, config: TelegramConfig) -> TelegramChannel:
    """Attach the Telegram channel to the gateway app (started and stopped with it)."""
    channel = TelegramChannel(core, config)
    if config.mode == "webhook":
        app.router.add_post(WEBHOOK_PATH, channel.webhook)
        app[NO_STORE_KEY].add(WEBHOOK_PATH)

    async def start(app: web.Application) -> None:
        await channel.start()

    async def stop(app: web.Application) -> None:
        await channel.stop()

    app.on_startup.append(start)
    app.on_cleanup.append(stop)
    return channel
