"""A reference server for the one-stop dossier API contract (docs/dossiers.md), backed by a
SQLite store. It documents the contract by running it: the HTTP adapter's tests and the
benchmark talk to it on loopback, and a one-stop vendor can compare their API with it.

    GET /dossiers/{code}   Authorization: Bearer <token>   -> 200 JSON | 404 | 401
"""
from __future__ import annotations

import hmac
import json
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

from bot.dossiers.model import normalize_code, to_dict
from bot.dossiers.source import DossierSource


class ContractHandler(BaseHTTPRequestHandler):
    source: DossierSource
    token: str = ""
    protocol_version = "HTTP/1.1"

    def setup(self) -> None:
        super().setup()
        # Headers and body are two writes: without this, Nagle + delayed ACK add ~40 ms per request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args) -> None:  # noqa: A002 - no request lines (codes) in logs
        pass

    def send_json(self, status: int, payload: object) -> None:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802
        given = (self.headers.get("Authorization") or "").encode()
        if self.token and not hmac.compare_digest(given, f"Bearer {self.token}".encode()):
            self.send_json(HTTPStatus.UNAUTHORIZED, {"error": "unauthorized"})
            return
        prefix = "/dossiers/"
        code = normalize_code(unquote(self.path[len(prefix):])) if self.path.startswith(prefix) else None
        dossier = self.source.get(code) if code else None
        if dossier is None:
            self.send_json(HTTPStatus.NOT_FOUND, {"error": "not found"})
            return
        self.send_json(HTTPStatus.OK, to_dict(dossier))


def make_server(source: DossierSource, port: int = 0, token: str = "",
                handler: type[ContractHandler] = ContractHandler) -> ThreadingHTTPServer:
    """A server on 127.0.0.1 (port 0: any free port); call serve_forever() or use `serving`."""
    cls = type("BoundHandler", (handler,), {"source": source, "token": token})
    server = ThreadingHTTPServer(("127.0.0.1", port), cls)
    server.daemon_threads = True
    return server


def serve_in_thread(server: ThreadingHTTPServer) -> threading.Thread:
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return thread
