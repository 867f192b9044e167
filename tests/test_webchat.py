"""The local chat page server, against a stand-in for Rasa's REST channel on loopback."""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from bot.webchat import UNAVAILABLE, make_server


class FakeRasa(BaseHTTPRequestHandler):
    received: list = []

    def log_message(self, *args):
        pass

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        FakeRasa.received.append(body)
        out = json.dumps([{"recipient_id": body["sender"], "text": "Đã nhận: " + body["message"][:20],
                           "buttons": [{"title": "Phí", "payload": '/ask_fee{"procedure":"karaoke"}'}]}]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


def _serve(server):
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture(scope="module")
def urls():
    rasa = ThreadingHTTPServer(("127.0.0.1", 0), FakeRasa)
    rasa_url = _serve(rasa)
    page = make_server(port=0, rasa_url=rasa_url)
    page_url = _serve(page)
    yield page_url, rasa
    page.shutdown()
    rasa.shutdown()


SENDER = "web-0123456789abcdef"


def test_page_and_assets_are_served(urls):
    page_url, _ = urls
    r = requests.get(page_url + "/")
    assert r.ok and "Trợ lý thủ tục hành chính" in r.text
    assert "script-src 'self'" in r.headers["Content-Security-Policy"]
    assert requests.get(page_url + "/widget.js").ok and requests.get(page_url + "/widget.css").ok


@pytest.mark.parametrize("path", ["/../bot/webchat.py", "/%2e%2e/README.md", "/nope.html"])
def test_nothing_outside_the_web_folder_is_served(urls, path):
    assert requests.get(urls[0] + path).status_code == 404


def test_messages_are_relayed_to_rasa(urls):
    page_url, _ = urls
    r = requests.post(page_url + "/api/chat", json={"sender": SENDER, "message": "phí karaoke"})
    assert r.ok
    assert r.json()[0]["text"] == "Đã nhận: phí karaoke"
    assert FakeRasa.received[-1] == {"sender": SENDER, "message": "phí karaoke"}


@pytest.mark.parametrize("body", [b"not json", b'{"sender": "x", "message": "hi"}', b'{"message": "hi"}',
                                  b'{"sender": "web-0123456789abcdef", "message": 5}'])
def test_malformed_requests_are_rejected(urls, body):
    r = requests.post(urls[0] + "/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400


def test_oversized_requests_are_rejected(urls):
    r = requests.post(urls[0] + "/api/chat", json={"sender": SENDER, "message": "x" * 20_000})
    assert r.status_code == 413


def test_rasa_down_gives_a_polite_answer():
    page = make_server(port=0, rasa_url="http://127.0.0.1:9")  # nothing listens on port 9
    url = _serve(page)
    try:
        r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"})
        assert r.ok and r.json() == [{"text": UNAVAILABLE}]
    finally:
        page.shutdown()
