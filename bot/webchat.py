"""A minimal local chat page, so the assistant can be tried in a browser at once.

Serves bot/web/ and relays POST /api/chat to Rasa's REST channel on loopback, so the browser
never talks to Rasa directly (same origin, no CORS, Rasa stays private). The embeddable website
widget and the public gateway with authentication and rate limits are separate work (channels).
"""
from __future__ import annotations

import json
import logging
import mimetypes
import re
import signal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable

import requests


WEB_DIR = Path(__file__).with_name("web")
MAX_BODY = 16_384
SENDER_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")
UNAVAILABLE = "Xin lỗi, trợ lý đang tạm gián đoạn. Bạn vui lòng thử lại sau ít phút."
log = logging.getLogger(__name__)


def _handler(rasa_url: str) -> type[BaseHTTPRequestHandler]:
    webhook = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
    session = requests.Session()

    class Handler(BaseHTTPRequestHandler):
        server_version = "vhttdl-webchat"

        def log_message(self, format: str, *args) -> None:  # noqa: A002 - keep message text out of logs
            log.debug("%s %s", self.command, self.path.split("?")[0])

        def _send(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Content-Security-Policy", "default-src 'self'; style-src 'self'; script-src 'self'")
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, payload: object) -> None:
            self._send(status, json.dumps(payload, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8")

        def do_GET(self) -> None:  # noqa: N802
            name = "index.html" if self.path in ("/", "/index.html") else self.path.lstrip("/").split("?")[0]
            path = (WEB_DIR / name).resolve()
            if WEB_DIR.resolve() not in path.parents or not path.is_file():
                self._send(HTTPStatus.NOT_FOUND, b"not found", "text/plain; charset=utf-8")
                return
            ctype = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
            self._send(HTTPStatus.OK, path.read_bytes(), f"{ctype}; charset=utf-8" if ctype.startswith("text") or ctype.endswith("javascript") else ctype)

        def do_POST(self) -> None:  # noqa: N802
            if self.path != "/api/chat":
                self._json(HTTPStatus.NOT_FOUND, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            if length <= 0 or length > MAX_BODY:
                self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE if length > MAX_BODY else HTTPStatus.BAD_REQUEST,
                           {"error": "bad request"})
                return
            try:
                data = json.loads(self.rfile.read(length).decode("utf-8"))
                sender, message = data["sender"], data["message"]
                if not isinstance(sender, str) or not SENDER_RE.match(sender) or not isinstance(message, str):
                    raise ValueError
            except (ValueError, KeyError, TypeError, UnicodeDecodeError):
                self._json(HTTPStatus.BAD_REQUEST, {"error": "bad request"})
                return
            try:
                r = session.post(webhook, json={"sender": sender, "message": message[:5000]}, timeout=30)
                r.raise_for_status()
                self._json(HTTPStatus.OK, r.json())
            except (requests.RequestException, ValueError):
                self._json(HTTPStatus.OK, [{"text": UNAVAILABLE}])

    return Handler


def make_server(port: int = 8080, rasa_url: str = "http://127.0.0.1:5005", host: str = "127.0.0.1") -> ThreadingHTTPServer:
    return ThreadingHTTPServer((host, port), _handler(rasa_url))


def serve(port: int = 8080, rasa_url: str = "http://127.0.0.1:5005", banner: str | None = None,
          on_stop: Callable[[], None] | None = None) -> None:
    """Serve the chat page until Ctrl-C (or SIGTERM); then call `on_stop`."""
    server = make_server(port, rasa_url)

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)
    print(banner or f"Chat page on http://localhost:{port} (relaying to {rasa_url})", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        if on_stop:
            on_stop()
