"""The Zalo Official Account channel: a signed webhook in, customer-service messages out.

    POST /zalo/webhook   (the URL registered in the Zalo app's Webhook settings)

Every event must carry `X-ZEvent-Signature: mac=<hex>` with
hex = SHA-256(app_id + raw request body + timestamp + OA secret key) — a plain hash of the
concatenation, not an HMAC — where app_id is ours and timestamp (milliseconds) comes from the
body. Unsigned events get 401; a wrong signature, another app id, or a timestamp more than
`max_event_age` away from now get 403; nothing of them is processed. Accepted events are
answered 200 at once and processed in the background; a repeated delivery is processed once.

`user_send_text` (typed text, and taps on the buttons we send: `oa.query.hide` buttons make
Zalo send their payload as a message from the user) goes to Rasa as conversation
"zalo-<user id>"; other user messages (stickers, images...) get a polite "text only" answer.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
import weakref
from pathlib import Path
from typing import Any

import requests
from aiohttp import web

from bot import shared_state
from bot.gateway.config import ZaloConfig
from bot.gateway.core import Core
from bot.gateway.messages import Reply, absolute_url, split_text
from bot.gateway.store import connect
from bot.gateway.texts import Texts
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
SEEN_DAYS = 2


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


class SeenEvents:
    """Events already accepted (by SHA-256 of the raw body), so a redelivery is not answered twice."""

    def __init__(self, path: Path) -> None:
        self._conn = connect(path)
        self._conn.execute("CREATE TABLE IF NOT EXISTS zalo_seen (digest TEXT PRIMARY KEY, at REAL)")
        self._inserts = 0

    def first_time(self, body: bytes) -> bool:
        now = time.time()
        cur = self._conn.execute("INSERT OR IGNORE INTO zalo_seen VALUES (?, ?)", (hashlib.sha256(body).hexdigest(), now))
        self._inserts += 1
        if self._inserts % 200 == 0:
            self._conn.execute("DELETE FROM zalo_seen WHERE at < ?", (now - SEEN_DAYS * 86400,))
        return cur.rowcount == 1

    def close(self) -> None:
        self._conn.close()


class ZaloChannel:
    def __init__(self, core: Core, config: ZaloConfig) -> None:
        self.core = core
        self.config = config
        self.session = requests.Session()
        self.tokens = TokenStore(shared_state.location(core.config.state_dir / "zalo.db"), config, self.session)
        self.client = ZaloClient(config, self.tokens, self.session)
        self.seen = SeenEvents(core.config.state_dir / "gateway.db")
        self._tasks: set[asyncio.Task] = set()
        # One user's messages reach Rasa in the order Zalo delivered them (events are handled
        # concurrently across users); a lock lives only while its user has work in flight.
        self._user_locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()

    def check(self, body: bytes, header: str) -> tuple[int, dict[str, Any] | None]:
        """(HTTP status, event): 200 and the event if it is authentic and fresh."""
        if not header:
            return 401, None
        try:
            event = json.loads(body)
            app_id, timestamp = str(event["app_id"]), str(event["timestamp"])
            age = abs(time.time() * 1000 - int(timestamp)) / 1000
        except (ValueError, KeyError, TypeError):
            return 400, None
        expected = signature(self.config.app_id, body, timestamp, self.config.oa_secret_key)
        if not hmac.compare_digest(header.strip().encode(), expected.encode()) or app_id != self.config.app_id:
            return 403, None
        if age > self.config.max_event_age:
            return 403, None
        return 200, event

    async def webhook(self, request: web.Request) -> web.Response:
        if request.content_length is not None and request.content_length > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        body = await request.content.read(MAX_BODY + 1)
        if len(body) > MAX_BODY:
            return web.json_response({"error": "too large"}, status=413)
        status, event = self.check(body, request.headers.get(SIGNATURE_HEADER, ""))
        if event is None:
            reason = {400: "malformed", 401: "unsigned"}.get(status, "bad signature, other app or stale")
            log.warning("Zalo webhook: event refused (%s)", reason)
            return web.json_response({"error": reason}, status=status)
        if self.seen.first_time(body):
            task = asyncio.create_task(self.process(event))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        return web.json_response({"ok": True})

    async def process(self, event: dict[str, Any]) -> None:
        """Answer one accepted event; errors are logged (without message text or ids)."""
        name = event.get("event_name")
        user_id = str((event.get("sender") or {}).get("id") or "")
        if not user_id or (name != "user_send_text" and name not in NON_TEXT_EVENTS):
            return
        lock = self._user_locks.get(user_id)
        if lock is None:
            lock = self._user_locks[user_id] = asyncio.Lock()
        async with lock:  # FIFO
            await self._answer(event, name, user_id)

    async def _answer(self, event: dict[str, Any], name: str, user_id: str) -> None:
        texts = self.core.texts
        verdict = self.core.limiter.verdict("zalo", user_id)
        if verdict == "drop":
            return
        if verdict == "refuse":
            messages = [{"text": texts.rate_limited}]
        elif name == "user_send_text":
            text = str((event.get("message") or {}).get("text") or "")
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

    async def stop(app: web.Application) -> None:
        await channel.stop()

    app.on_cleanup.append(stop)
    log.info("Zalo OA: on (webhook %s, app %s)", WEBHOOK_PATH, config.app_id)
    return channel
