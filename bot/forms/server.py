"""A small HTTP endpoint that serves rendered forms: GET /files/<token>/<filename>.

    server = make_server(8081, store)      # bound, not yet serving (tests use port 0)
    server.serve_forever()
    serve(8081)                            # blocking, purges expired files every 10 minutes

Unknown, expired or malformed links get 404 (the same answer, so nothing can be probed); names
are matched against strict patterns and resolved inside the store's directory, so "..", "%2e"
or absolute paths never reach the file system. Tokens are secrets: they are never logged.
"""
from __future__ import annotations

import logging
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import quote, urlsplit

from bot.forms.delivery import FileStore

log = logging.getLogger(__name__)
PATH_RE = re.compile(r"^/files/([^/]+)/([^/]+)$")
PURGE_EVERY = 600  # seconds


def _handler(store: FileStore) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "vhttdl-files"
        sys_version = ""

        def do_GET(self) -> None:  # noqa: N802 (http.server naming)
            self._serve(body=True)

        def do_HEAD(self) -> None:  # noqa: N802
            self._serve(body=False)

        def _serve(self, body: bool) -> None:
            m = PATH_RE.match(urlsplit(self.path).path)
            found = store.find(m.group(1), m.group(2)) if m else None
            if found is None:
                self._not_found(body)
                return
            path, meta = found
            data = path.read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", meta.content_type)
            self.send_header("Content-Length", str(len(data)))
            self.send_header("Content-Disposition",
                             f"attachment; filename=\"{meta.filename}\"; filename*=UTF-8''{quote(meta.filename)}")
            self.send_header("Cache-Control", "no-store, private")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.end_headers()
            if body:
                self.wfile.write(data)

        def _not_found(self, body: bool) -> None:
            payload = "Không tìm thấy tệp, hoặc đường dẫn đã hết hạn.\n".encode()
            self.send_response(404)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if body:
                self.wfile.write(payload)

        def log_request(self, code: object = "-", size: object = "-") -> None:
            # The path holds the token (a secret): log only the method and the status.
            log.info("%s %s", self.command, code)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            log.debug("file server: " + format, *args)

    return Handler


def make_server(port: int, store: FileStore | None = None, host: str = "127.0.0.1") -> ThreadingHTTPServer:
    """An HTTP server bound to host:port (port 0 picks a free one), not yet serving."""
    server = ThreadingHTTPServer((host, port), _handler(store or FileStore()))
    server.daemon_threads = True
    return server


def serve(port: int = 8081, store: FileStore | None = None, host: str = "127.0.0.1",
          purge_every: float = PURGE_EVERY) -> None:
    """Serve until interrupted, deleting expired files every `purge_every` seconds."""
    store = store or FileStore()
    server = make_server(port, store, host)
    stop = threading.Event()

    def purge_loop() -> None:
        while not stop.wait(purge_every):
            try:
                store.purge()
            except Exception:  # a failed purge must not stop downloads; retried next round
                log.exception("purging expired form files failed")

    store.purge()
    threading.Thread(target=purge_loop, name="form-files-purge", daemon=True).start()
    log.info("form files on http://%s:%d/files/", host, server.server_address[1])
    try:
        server.serve_forever()
    finally:
        stop.set()
        server.server_close()
