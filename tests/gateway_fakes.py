"""Loopback stand-ins used by the gateway tests (real HTTP servers on 127.0.0.1).

FakeRasa is a stand-in for Rasa's REST channel (POST /webhooks/rest/webhook), NOT Rasa: it
answers from a small script so the gateway's relaying and rendering can be tested without a
trained model. The real end-to-end path is covered by the project's Rasa tests.
"""
from __future__ import annotations

import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable
from urllib.parse import urlsplit

LONG_PAYLOAD = '/ask_documents{"procedure":"lu-hanh-quoc-te-cap-doi-giay-phep-kinh-doanh"}'  # > 64 bytes
FORM_BYTES = b"%PDF-1.4\n% a stand-in form\n" + bytes(range(256))
# Messages that make FakeRasa misbehave as the real one can:
SILENT = "rasa im lặng"  # 200 with [] (what Rasa answers when its action server is down)
FAILING = "rasa báo lỗi"  # HTTP 500
HANGING = "rasa treo"  # an answer only after FakeRasa.hang seconds


def serve_in_thread(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


def short_id(value: Any) -> str:
    """A readable pytest id for a parameter that may be 100 000 bytes long."""
    text = repr(value)
    return text if len(text) <= 40 else f"{text[:30]}...({len(value)} long)"


def wait_for(predicate: Callable[[], Any], timeout: float = 10.0) -> Any:
    """Poll until `predicate()` is truthy; returns its value or raises AssertionError."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.02)
    raise AssertionError("condition not met in time")


class FakeRasa:
    """A scripted stand-in for Rasa's REST webhook, plus a file at /files/mau-01.pdf."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.delay = 0.0
        self.hang = 3.0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _send(self, status: int, body: bytes, ctype: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:  # noqa: N802
                if self.path == "/":
                    self._send(200, b"Hello from Rasa: 3.6.21", "text/plain")
                elif self.path == "/health":  # as the action server answers it
                    self._send(200, b'{"status": "ok"}', "application/json")
                elif self.path == "/files/mau-01.pdf":
                    self._send(200, FORM_BYTES, "application/pdf")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                if fake.delay:
                    time.sleep(fake.delay)
                if body["message"] == FAILING:
                    self._send(500, b'{"error": "internal"}', "application/json")
                    return
                if body["message"] == HANGING:
                    time.sleep(fake.hang)
                out = json.dumps(fake.answer(body, f"http://127.0.0.1:{self.server.server_address[1]}")).encode()
                self._send(200, out, "application/json")

        self.server, self.url = serve_in_thread(Handler)

    def answer(self, body: dict[str, Any], base: str) -> list[dict[str, Any]]:
        sender, message = body["sender"], body["message"]
        if message == SILENT:
            return []
        if message.startswith("/"):
            return [{"recipient_id": sender, "text": f"Bạn đã chọn: {message}"}]
        if "karaoke" in message:
            return [{"recipient_id": sender, "text": "Bạn hỏi thủ tục nào?",
                     "buttons": [{"title": "Phí karaoke", "payload": '/ask_fee{"procedure":"karaoke"}'},
                                 {"title": "Hồ sơ lữ hành quốc tế", "payload": LONG_PAYLOAD}]}]
        if "biểu mẫu" in message:
            return [{"recipient_id": sender, "text": "Mẫu đơn đây ạ."},
                    {"recipient_id": sender, "attachment": {"url": base + "/files/mau-01.pdf", "name": "Mẫu 01.pdf"}}]
        if "mẫu hỏng" in message:
            return [{"recipient_id": sender, "attachment": {"url": base + "/files/khong-co.pdf", "name": "Mẫu 02.pdf"}}]
        if "dài" in message:
            return [{"recipient_id": sender, "text": "Dòng dài.\n" * 600}]
        return [{"recipient_id": sender, "text": "Đã nhận: " + message[:20]}]

    def messages(self, sender: str) -> list[str]:
        return [b["message"] for b in self.received if b["sender"] == sender]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class AiohttpThread:
    """Run an aiohttp app on 127.0.0.1 in a daemon thread (for the stand-ins below)."""

    def __init__(self, app: Any) -> None:
        import asyncio

        from aiohttp import web

        self._loop = asyncio.new_event_loop()
        self._runner = web.AppRunner(app, access_log=None)
        ready = threading.Event()

        def main() -> None:
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(self._runner.setup())
            site = web.TCPSite(self._runner, "127.0.0.1", 0)
            self._loop.run_until_complete(site.start())
            self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}"
            ready.set()
            self._loop.run_forever()

        self._thread = threading.Thread(target=main, daemon=True)
        self._thread.start()
        ready.wait(10)

    def close(self) -> None:
        import asyncio

        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)


class FakeTelegram:
    """A loopback server speaking the Telegram Bot API methods the gateway uses
    (https://core.telegram.org/bots/api): getMe, getUpdates (short long-poll), deleteWebhook,
    setWebhook, sendMessage, sendChatAction, answerCallbackQuery, sendDocument. Every call is
    recorded as (method, fields); uploaded files as {"filename", "content"}."""

    BOT = {"id": 4242, "is_bot": True, "first_name": "Trợ lý", "username": "tro_ly_test_bot",
           "can_join_groups": False, "can_read_all_group_messages": False, "supports_inline_queries": False}

    def __init__(self, token: str) -> None:
        from aiohttp import web

        self.token = token
        self.calls: list[tuple[str, dict[str, Any]]] = []
        self.updates: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._next_update = 1
        self._next_message = 100
        app = web.Application(client_max_size=64 * 1024 * 1024)
        app.router.add_route("*", "/bot{token}/{method}", self._handle)
        self._server = AiohttpThread(app)
        self.url = self._server.url
        self.base_url = self.url + "/bot"
        self.base_file_url = self.url + "/file/bot"

    # --- what tests use ---
    def push(self, update: dict[str, Any], update_id: int | None = None) -> int:
        """Queue an update for getUpdates; `update_id` hands out an old id again (as Telegram
        does when a poller restarts before confirming it). Returns the update's id."""
        with self._lock:
            if update_id is None:
                update_id = self._next_update
                self._next_update += 1
            update["update_id"] = update_id
            self.updates.append(update)
        return update_id

    def user_message(self, chat_id: int, text: str, command: bool = False) -> dict[str, Any]:
        message = {"message_id": 1, "date": int(time.time()), "text": text,
                   "chat": {"id": chat_id, "type": "private", "first_name": "Dân"},
                   "from": {"id": chat_id, "is_bot": False, "first_name": "Dân"}}
        if command:
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": len(text.split()[0])}]
        return {"message": message}

    def button_press(self, chat_id: int, data: str, query_id: str = "q1") -> dict[str, Any]:
        return {"callback_query": {
            "id": query_id, "chat_instance": "ci", "data": data,
            "from": {"id": chat_id, "is_bot": False, "first_name": "Dân"},
            "message": {"message_id": 7, "date": int(time.time()), "text": "Bạn hỏi thủ tục nào?",
                        "chat": {"id": chat_id, "type": "private", "first_name": "Dân"}, "from": self.BOT}}}

    def sent(self, method: str, chat_id: int | None = None) -> list[dict[str, Any]]:
        with self._lock:
            return [f for m, f in self.calls
                    if m == method and (chat_id is None or str(f.get("chat_id")) == str(chat_id))]

    def methods(self, chat_id: int) -> list[str]:
        with self._lock:
            return [m for m, f in self.calls if str(f.get("chat_id")) == str(chat_id)]

    def close(self) -> None:
        self._server.close()

    # --- the Bot API ---
    async def _handle(self, request: Any) -> Any:
        import asyncio

        from aiohttp import web

        if request.match_info["token"] != self.token:
            return web.json_response({"ok": False, "error_code": 401, "description": "Unauthorized"}, status=401)
        method = request.match_info["method"]
        fields: dict[str, Any] = {}
        if request.content_type == "application/json":
            fields = await request.json()
        else:
            for key, value in (await request.post()).items():
                if hasattr(value, "file"):
                    fields[key] = {"filename": value.filename, "content": value.file.read()}
                else:
                    fields[key] = value
        if method != "getUpdates":
            with self._lock:
                self.calls.append((method, fields))
        result: Any = True
        if method == "getMe":
            result = self.BOT
        elif method == "getUpdates":
            offset = int(fields.get("offset") or 0)
            deadline = time.monotonic() + 0.3
            while True:
                with self._lock:
                    self.updates = [u for u in self.updates if u["update_id"] >= offset]
                    result = list(self.updates)
                if result or time.monotonic() > deadline:
                    break
                await asyncio.sleep(0.02)
        elif method in ("sendMessage", "sendDocument"):
            with self._lock:
                self._next_message += 1
                message_id = self._next_message
            chat_id = int(fields["chat_id"])
            result = {"message_id": message_id, "date": int(time.time()), "from": self.BOT,
                      "chat": {"id": chat_id, "type": "private", "first_name": "Dân"}}
            if method == "sendMessage":
                result["text"] = fields["text"]
            else:
                doc = fields["document"]
                result["document"] = {"file_id": "f1", "file_unique_id": "u1", "file_name": doc["filename"]}
        return web.json_response({"ok": True, "result": result})


class FakeZalo:
    """A loopback server speaking the two Zalo OA Open API calls the gateway makes:
    POST /v3.0/oa/message/cs (header access_token) and POST /v4/oa/access_token (header
    secret_key; form refresh_token, app_id, grant_type=refresh_token). Refresh tokens work once,
    as on Zalo; access tokens other than the latest are answered with error -216."""

    def __init__(self, app_id: str, app_secret: str, access_token: str, refresh_token: str) -> None:
        from urllib.parse import parse_qs

        self.app_id, self.app_secret = app_id, app_secret
        self.valid_access = {access_token}
        self.refresh_token = refresh_token
        self.refusing = False  # when True, refresh calls fail as with an invalid refresh token
        self.messages: list[dict[str, Any]] = []  # accepted cs messages (body + "access_token")
        self.rejected: list[dict[str, Any]] = []
        self.refreshes: list[dict[str, Any]] = []
        self._issued = 0
        self._lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:  # noqa: N802
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with fake._lock:
                    if self.path == "/v3.0/oa/message/cs":
                        out = fake._cs(self.headers.get("access_token", ""), json.loads(raw))
                    elif self.path == "/v4/oa/access_token":
                        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
                        out = fake._refresh(self.headers.get("secret_key", ""), form)
                    else:
                        out = {"error": -404, "message": "not found"}
                body = json.dumps(out).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server, self.url = serve_in_thread(Handler)

    def _cs(self, token: str, body: dict[str, Any]) -> dict[str, Any]:
        if token not in self.valid_access:
            self.rejected.append({**body, "access_token": token})
            return {"error": -216, "message": "Access token is invalid"}
        self.messages.append({**body, "access_token": token})
        return {"error": 0, "message": "Success",
                "data": {"message_id": f"m{len(self.messages)}", "user_id": body["recipient"]["user_id"]}}

    def _refresh(self, secret: str, form: dict[str, str]) -> dict[str, Any]:
        self.refreshes.append(form)
        if (self.refusing or secret != self.app_secret or form.get("app_id") != self.app_id
                or form.get("grant_type") != "refresh_token" or form.get("refresh_token") != self.refresh_token):
            return {"error": -14014, "error_name": "Invalid refresh token",
                    "error_reason": "Refresh token is invalid", "error_description": "Invalid refresh token"}
        self._issued += 1
        access, refresh = f"AT-{self._issued}", f"RT-{self._issued}"
        self.valid_access, self.refresh_token = {access}, refresh
        return {"access_token": access, "refresh_token": refresh, "expires_in": "90000"}

    def to(self, user_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [m["message"] for m in self.messages if m["recipient"]["user_id"] == user_id]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class RawConnection:
    """A plain TCP connection to a gateway, for what HTTP libraries will not do: a body in
    pieces with pauses, a head that never ends, bytes that are not UTF-8 in a header."""

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        self.host = f"{parts.hostname}:{parts.port}"
        self.sock = socket.create_connection((parts.hostname, parts.port), timeout=10)
        self.started = time.monotonic()
        self.received = b""

    def head(self, method: str, path: str, length: int | None = None, headers: dict[str, str] | None = None,
             host: str | None = None) -> bytes:
        lines = [f"{method} {path} HTTP/1.1", f"Host: {host or self.host}"]
        if length is not None:
            lines += ["Content-Type: application/json", f"Content-Length: {length}"]
        lines += [f"{k}: {v}" for k, v in (headers or {}).items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def send(self, data: bytes) -> bool:
        """False if the server has closed the connection."""
        try:
            self.sock.sendall(data)
            return True
        except OSError:
            return False

    def _recv(self, until: float) -> bytes | None:
        """Some bytes; b"" when the server closed; None when nothing came before `until`."""
        remaining = until - time.monotonic()
        if remaining <= 0:
            return None
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except socket.timeout:
            return None
        except ConnectionResetError:
            return b""
        self.received += chunk
        return chunk

    def response(self, timeout: float = 10.0) -> tuple[int, dict[str, str], bytes]:
        """The next complete response (status, headers in lower case, body)."""
        until = time.monotonic() + timeout
        while True:
            head, sep, rest = self.received.partition(b"\r\n\r\n")
            if sep:
                lines = head.decode("latin-1").split("\r\n")
                headers = {k.strip().lower(): v.strip() for k, v in (line.split(":", 1) for line in lines[1:])}
                length = int(headers.get("content-length", 0))
                if len(rest) >= length:
                    self.received = rest[length:]
                    return int(lines[0].split()[1]), headers, rest[:length]
            chunk = self._recv(until)
            if not chunk:
                raise AssertionError(f"no complete response: {self.received[:200]!r}")

    def closed_after(self, timeout: float) -> float | None:
        """Seconds since the connection was opened when the server closed it (reading whatever
        it sends meanwhile), or None if it is still open after `timeout` more seconds."""
        until = time.monotonic() + timeout
        while True:
            chunk = self._recv(until)
            if chunk is None:
                return None
            if chunk == b"":
                return time.monotonic() - self.started

    def close(self) -> None:
        self.sock.close()
