"""Loopback stand-ins used by the gateway tests (real HTTP servers on 127.0.0.1).

FakeRasa is a stand-in for Rasa's REST channel (POST /webhooks/rest/webhook), NOT Rasa: it
answers from a small script so the gateway's relaying and rendering can be tested without a
trained model. The real end-to-end path is covered by the project's Rasa tests.
"""
from __future__ import annotations

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

LONG_PAYLOAD = '/ask_documents{"procedure":"lu-hanh-quoc-te-cap-doi-giay-phep-kinh-doanh"}'  # > 64 bytes
FORM_BYTES = b"%PDF-1.4\n% a stand-in form\n" + bytes(range(256))


def serve_in_thread(handler: type[BaseHTTPRequestHandler]) -> tuple[ThreadingHTTPServer, str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


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
                elif self.path == "/files/mau-01.pdf":
                    self._send(200, FORM_BYTES, "application/pdf")
                else:
                    self._send(404, b"not found", "text/plain")

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.received.append(body)
                if fake.delay:
                    time.sleep(fake.delay)
                out = json.dumps(fake.answer(body, f"http://127.0.0.1:{self.server.server_address[1]}")).encode()
                self._send(200, out, "application/json")

        self.server, self.url = serve_in_thread(Handler)

    def answer(self, body: dict[str, Any], base: str) -> list[dict[str, Any]]:
        sender, message = body["sender"], body["message"]
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
