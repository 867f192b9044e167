"""Loopback servers and a Chromium launcher for the widget tests and the docs screenshot.

The page under test is served by the REAL channel gateway (bot/gateway); behind it, a small stand-in
speaks Rasa's REST webhook (POST /webhooks/rest/webhook {sender, message} -> list of messages).
A second tiny server speaks only the widget's contract (/api/chat with CORS, 429 and 400) for
what the gateway rarely produces (429, 400), and a third one plays a department site on another origin.
"""
from __future__ import annotations

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from contextlib import contextmanager
from typing import Any, Callable, Iterator

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
# Background networking off: this machine's closed network refuses Google's hosts, and the
# retries would only slow Chromium down.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parents[2]

Responder = Callable[[str], list]

HDV_BUTTONS = [
    {"title": "Thẻ hướng dẫn viên du lịch nội địa", "payload": '/ask_fee{"procedure":"hdv-noi-dia"}'},
    {"title": "Thẻ hướng dẫn viên du lịch quốc tế", "payload": '/ask_fee{"procedure":"hdv-quoc-te"}'},
]
XSS_TEXT = 'Thử <img src=x onerror="window.__xss=1"> và <script>window.__xss=2</script> hết.'


def fixed_replies(message: str) -> list:
    """Deterministic replies of the Rasa stand-in used by the tests (no catalog facts in them)."""
    if message.startswith("/ask_fee"):
        procedure = json.loads(message[len("/ask_fee"):])["procedure"]
        return [{"text": f"Bạn đã chọn thủ tục {procedure}. Tra cứu thêm tại https://dichvucong.gov.vn."},
                {"text": "Mẫu đơn đề nghị:", "attachment": {"url": "http://127.0.0.1:9/files/abc/don.pdf",
                                                            "name": "don-de-nghi.pdf"}}]
    if "hdv" in message.lower():
        return [{"text": "Bạn hỏi về thẻ hướng dẫn viên nào?", "buttons": HDV_BUTTONS}]
    if message == "xss":
        return [{"text": XSS_TEXT,
                 "buttons": [{"title": '<b onmouseover="window.__xss=3">in đậm</b>', "payload": "/greet"}]},
                {"text": "Liên kết lạ: javascript:window.__xss=4 và <a href=\"javascript:window.__xss=5\">bấm</a>",
                 "attachment": {"url": "javascript:window.__xss=6", "name": "xau.pdf"},
                 "image": "javascript:window.__xss=7"}]
    if message == "im lặng":
        return []
    if message == "chậm":
        time.sleep(1.5)  # long enough to see the typing indicator
        return [{"text": "Xin lỗi đã để bạn chờ."}]
    return [{"text": f"Trợ lý đã nhận: {message}"}]


class StandInRasa(ThreadingHTTPServer):
    """Loopback stand-in for Rasa's REST channel; records every body it receives."""

    daemon_threads = True

    def __init__(self, responder: Responder = fixed_replies, port: int = 0):
        self.responder = responder
        self.received: list[dict] = []
        super().__init__(("127.0.0.1", port), _RasaHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _RasaHandler(BaseHTTPRequestHandler):
    server: StandInRasa

    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.received.append(body)
        replies = [{"recipient_id": body["sender"], **m} for m in self.server.responder(body["message"])]
        _reply(self, 200, replies)


def _reply(handler: BaseHTTPRequestHandler, status: int, payload: object, extra: dict | None = None) -> None:
    out = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    handler.send_response(status)
    handler.send_header("Content-Type", "application/json; charset=utf-8")
    handler.send_header("Content-Length", str(len(out)))
    for k, v in (extra or {}).items():
        handler.send_header(k, v)
    handler.end_headers()
    handler.wfile.write(out)


class ContractServer(ThreadingHTTPServer):
    """Speaks the widget's contract like the future gateway: CORS for one allowed origin, and
    answers from a script of (status, payload) pairs, so 429 and 400 can be exercised."""

    daemon_threads = True

    def __init__(self, allowed_origin: str, script: list[tuple[int, object]]):
        self.allowed_origin = allowed_origin
        self.script = list(script)
        self.requests: list[tuple[str, dict | None, str | None]] = []  # (method, body, Origin header)
        super().__init__(("127.0.0.1", 0), _ContractHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _ContractHandler(BaseHTTPRequestHandler):
    server: ContractServer

    def log_message(self, *args) -> None:
        pass

    def _cors(self) -> dict:
        if self.headers.get("Origin") == self.server.allowed_origin:
            return {"Access-Control-Allow-Origin": self.server.allowed_origin, "Vary": "Origin"}
        return {}

    def do_OPTIONS(self) -> None:  # noqa: N802
        self.server.requests.append(("OPTIONS", None, self.headers.get("Origin")))
        self.send_response(204)
        for k, v in {**self._cors(), "Access-Control-Allow-Methods": "POST",
                     "Access-Control-Allow-Headers": "Content-Type", "Access-Control-Max-Age": "600"}.items():
            self.send_header(k, v)
        self.end_headers()

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.requests.append(("POST", body, self.headers.get("Origin")))
        status, payload = self.server.script.pop(0) if self.server.script else (200, [{"text": "Hết kịch bản."}])
        _reply(self, status, payload, self._cors())


class HostSite(ThreadingHTTPServer):
    """A department site on its own origin that embeds the widget from another server."""

    daemon_threads = True

    def __init__(self, html: str):
        self.html = html
        super().__init__(("127.0.0.1", 0), _HostHandler)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _HostHandler(BaseHTTPRequestHandler):
    server: HostSite

    def log_message(self, *args) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        out = self.server.html.encode("utf-8")
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def gateway(rasa_url: str, port: int = 0):
    """The REAL channel gateway (bot/gateway) serving the demo page and /api/chat on loopback,
    relaying to `rasa_url`; started. Stop it with `.stop()`. Its state (rate limits) goes to a
    fresh temporary folder."""
    import tempfile

    from bot.gateway import BackgroundGateway, load_config

    state = Path(tempfile.mkdtemp(prefix="widget-gw-"))
    config = load_config(file=state / "none.yml", env={}, port=port, rasa_url=rasa_url, state_dir=state)
    return BackgroundGateway(config).start()


def start(server: ThreadingHTTPServer) -> ThreadingHTTPServer:
    """Serve `server` on a daemon thread and return it."""
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def stop(server: ThreadingHTTPServer) -> None:
    server.shutdown()
    server.server_close()


def launch_chromium(playwright):
    """Debian's Chromium driven by Playwright (no downloaded browser)."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def need_browser(reason: str) -> None:
    """A missing browser FAILS the browser tests; ALLOW_SKIP_BROWSER=1 skips them instead on a
    machine without it (never in CI)."""
    import pytest

    if os.environ.get("ALLOW_SKIP_BROWSER") == "1":
        pytest.skip(reason + " (skipped because ALLOW_SKIP_BROWSER=1)")
    pytest.fail(reason + ": run scripts/ci-deps.sh, or set ALLOW_SKIP_BROWSER=1 to skip the browser tests", pytrace=False)


@contextmanager
def chromium() -> Iterator[Any]:
    """Debian's Chromium under Playwright for a test fixture, closed afterwards."""
    if not os.path.exists(CHROMIUM):
        need_browser(f"{CHROMIUM} is missing (Debian package chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        need_browser("the playwright Python package is missing (requirements-dev.txt)")
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            yield browser
        finally:
            browser.close()


A11Y_JS = (Path(__file__).with_name("a11y.js")).read_text(encoding="utf-8")
