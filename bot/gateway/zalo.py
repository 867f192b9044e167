"""The Zalo Official Account channel: a signed webhook in, customer-service messages out.

    POST /zalo/webhook   (the URL registered in the Zalo app's Webhook settings)

Every event must carry `X-ZEvent-Signature: mac=<hex>` with
hex = SHA-256(app_id + raw request body + timestamp + OA secret key) — a plain hash of the
concatenation, not an HMAC — where app_id is ours and timestamp (milliseconds) comes from the
body. Unsigned events get 401; a wrong signature, another app id, or a timestamp more than
`max_event_age` away from now get 403; a body that is not a JSON object 400, one over 64 KiB
413; nothing of them is processed. Accepted events are answered 200 at once and processed in
the background; a repeated delivery (same message id, or same body) is processed once, also
across gateway processes (bot/gateway/dedup.py).

`user_send_text` (typed text, and taps on the buttons we send: `oa.query.hide` buttons make
Zalo send their payload as a message from the user) goes to Rasa as conversation
"zalo-<user id>"; other user messages (stickers, images...) get a polite "text only" answer.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import time
import weakref
from typing import Any

import requests
from aiohttp import web

from bot import shared_state
from bot.gateway.config import ZaloConfig
from bot.gateway.core import Core
from bot.gateway.dedup import SeenIds
from bot.gateway.inbound import BadBody, load_json, read_body
from bot.gateway.messages import Reply, absolute_url, split_text
from bot.gateway.texts import Texts
from bot.gateway.web import NO_STORE_KEY
from bot.gateway.zalo_api import TokenStore, ZaloClient, ZaloError

log = logging.getLogger(__name__)

WEBHOOK_PATH = "/zalo/webhook"
SIGNATURE_HEADER = "X-ZEvent-Signature"
MAX_BODY = 65_536
MAX_TEXT = 2000  # characters per Zalo text message (conservative; see docs/channels.md)
MAX_BUTTONS = 5  # buttons per message (conservative; see docs/channels.md)
MAX_TITLE = 100  # characters of a button title (documented limit)
MAX_PAYLOAD = 1000  # characters of an oa.query.* payload (documented limit)
NON_TEXT_EVENTS = {"user_send_image", "user_send_link", "user_send_audio", "user_send_video", "user_send_sticker",
                   "user_send_location", "user_send_file", "user_send_gif", "user_send_business_card"}


def signature(app_id: str, body: bytes, timestamp: str, oa_secret_key: str) -> str:
    """The expected X-ZEvent-Signature header value for an event."""
    digest = hashlib.sha256(app_id.encode() + body + timestamp.encode() + oa_secret_key.encode()).hexdigest()
    return f"mac={digest}"


def render(replies: list[Reply], texts: Texts, base_url: str) -> list[dict[str, Any]]:
    """Replies -> `message` objects for /v3.0/oa/message/cs: texts, texts with query buttons
    (oa.query.hide: the payload comes back as the user's message, hidden from the chat), and
    files as a button that opens the link."""
    out: list[dict[str, Any]] = []
    for reply in replies:
        if reply.text or reply.buttons:
            chunks = split_text(reply.text or texts.choose, MAX_TEXT)
            out.extend({"text": chunk} for chunk in chunks[:-1])
            buttons = [b for b in reply.buttons if len(b.payload) <= MAX_PAYLOAD]
            if not buttons:
                out.append({"text": chunks[-1]})
            for start in range(0, len(buttons), MAX_BUTTONS):
                group = buttons[start:start + MAX_BUTTONS]
                out.append({"text": chunks[-1] if start == 0 else texts.choose, "attachment": {
                    "type": "template", "payload": {"buttons": [
                        {"title": b.title[:MAX_TITLE], "type": "oa.query.hide", "payload": b.payload}
                        for b in group]}}})
        if reply.file:
            url = absolute_url(reply.file.url, base_url)
            out.append({"text": texts.file_link.format(name=reply.file.name, url=url), "attachment": {
                "type": "template", "payload": {"buttons": [
                    {"title": texts.file_button.format(name=reply.file.name)[:MAX_TITLE], "type": "oa.open.url",
                     "payload": {"url": url}}]}}})
    return out


def _part(event: dict[str, Any], name: str) -> dict[str, Any]:
    """event[name] when it is an object, else {} (a malformed event must not raise later)."""
    value = event.get(name)
    return value if isinstance(value, dict) else {}


def event_key(event: dict[str, Any], body: bytes) -> str:
    """What identifies one delivery: Zalo's message id, else the exact body."""
    msg_id = _part(event, "message").get("msg_id")
    if isinstance(msg_id, (str, int)) and not isinstance(msg_id, bool) and str(msg_id):
        return f"msg:{msg_id}"
    return "body:" + hashlib.sha256(body).hexdigest()


class ZaloChannel:
    def __init__(self, core: Core, config: ZaloConfig) -> None:
        self.core = core
        self.config = config
        self.session = requests.Session()
        self.tokens = TokenStore(shared_state.location(core.config.state_dir / "zalo.db"), config, self.session)
        self.client = ZaloClient(config, self.tokens, self.session)
        self.seen = SeenIds(shared_state.location(core.config.state_dir / "gateway.db"))
        self._tasks: set[asyncio.Task] = set()
        # One user's messages reach Rasa in the order Zalo delivered them (events are handled
        # concurrently across users); a lock lives only while its user has work in flight.
        self._user_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def check(self, body: bytes, header: str) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, event): 200 and the event if it is authentic and fresh."""
        if not header:
            return 401, None
        try:
            event = load_json(body)
            if not isinstance(event, dict):
                raise TypeError
            app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
            age = abs(time.time() * 1000 - int(timestamp)) / 1000
        except (ValueError, KeyError, TypeError):
            return 400, None
        expected = signature(self.config.app_id, body, timestamp, self.config.oa_secret_key)
        given = header.strip().encode("utf-8", "surrogateescape")  # a header of stray bytes must not raise
        if not hmac.compare_digest(given, expected.encode()) or app_id != self.config.app_id:
            return 403, None
        if age > self.config.max_event_age:
            return 403, None
        return 200, event

    async def webhook(self, request: web.Request) -> web.Response:
        try:
            body = await read_body(request, MAX_BODY, self.core.config.read_timeout)
        except BadBody as exc:
            log.warning("Zalo webhook: event refused (%s)", exc.reason)
            return web.json_response({"error": exc.reason}, status=exc.status)
        status, event = self.check(body, request.headers.get(SIGNATURE_HEADER, ""))
        if event is None:
            reason = {400: "malformed", 401: "unsigned"}.get(status, "bad signature, other app or stale")
            log.warning("Zalo webhook: event refused (%s)", reason)
            return web.json_response({"error": reason}, status=status)
        if await self.seen.first(f"zalo:{self.config.app_id}", event_key(event, body)):
            task = asyncio.create_task(self.process(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    async def process(self, event: dict[str, Any]) -> None:
        """Answer one accepted event; errors are logged (their type only: no message text or ids)."""
        name = event.get("event_name")
        user_id = _part(event, "sender").get("id")
        if isinstance(user_id, bool) or not isinstance(user_id, (str, int)) or not str(user_id):
            return
        user_id = str(user_id)
        if not isinstance(name, str) or (name != "user_send_text" and name not in NON_TEXT_EVENTS):
            return  # other events (user_seen_message, follow...) need no answer
        lock = self._user_locks.get(user_id)
        if lock is None:
            lock = self._user_locks[user_id] = asyncio.Lock()
        async with lock:  # FIFO
            try:
                await self._answer(event, name, user_id)
            except Exception as exc:  # noqa: BLE001 - a background task: log, keep serving
                log.error("Zalo OA: an event could not be answered (%s)", type(exc).__name__)

    async def _answer(self, event: dict[str, Any], name: str, user_id: str) -> None:
        texts = self.core.texts
        verdict = await self.core.limiter.check("zalo", user_id)
        if verdict == "drop":
            return
        if verdict == "refuse":
            messages = [{"text": texts.rate_limited}]
        elif name == "user_send_text":
            text = _part(event, "message").get("text")
            if not isinstance(text, str) or not text.strip():
                return  # a text event without text: nothing was asked
            replies = await self.core.converse(f"zalo-{user_id}", text, "zalo")
            messages = render(replies, texts, self.core.config.own_url)
        else:
            messages = [{"text": texts.unsupported_message}]
        for message in messages:
            try:
                await asyncio.to_thread(self.client.send, user_id, message)
            except ZaloError as exc:
                # -230: the user has not interacted recently enough (see docs/channels.md).
                log.warning("Zalo OA: a reply was not delivered (%s)", exc)
                return

    async def stop(self) -> None:
        if self._tasks:
            await asyncio.wait(list(self._tasks), timeout=30)
        self.seen.close()
        self.session.close()


def setup(app: web.Application, core: Core, config: ZaloConfig) -> ZaloChannel:
    """Attach the Zalo OA webhook to the gateway app."""
    channel = ZaloChannel(core, config)
    app.router.add_post(WEBHOOK_PATH, channel.webhook)
    app[NO_STORE_KEY].add(WEBHOOK_PATH)

    async def stop(app: web.Application) -> None:
        await channel.stop()

    app.on_cleanup.append(stop)
    log.info("Zalo OA: on (webhook %s, app %s)", WEBHOOK_PATH, config.app_id)
    return channel
