"""The website widget's HTTP contract, served by the gateway (bot/gateway/web.py), against a
loopback stand-in for Rasa's REST channel (tests/gateway_fakes.py)."""
from __future__ import annotations

import json
import time

import pytest
import requests

from bot.department import load_department
from bot.gateway import BackgroundGateway, load_config
from bot.gateway.config import WEB_DIR
from bot.gateway.texts import load_texts
from tests.gateway_fakes import FAILING, HANGING, SILENT, RawConnection, short_id

SENDER = "web-0123456789abcdef"
SITE = "https://svhttdl.example.gov.vn"
TEXTS = load_texts()


def make_config(tmp_path, rasa_url, **overrides):
    return load_config(file=tmp_path / "none.yml", env={}, port=0, rasa_url=rasa_url, state_dir=tmp_path,
                       allowed_origins=(SITE,), **{"actions_url": rasa_url, **overrides})


@pytest.fixture(scope="module")
def url(rasa, tmp_path_factory):
    with BackgroundGateway(make_config(tmp_path_factory.mktemp("gw"), rasa.url)) as gw:
        yield gw.url


def test_demo_page_and_assets_are_served(url):
    r = requests.get(url + "/")
    assert r.ok and r.content == (WEB_DIR / "index.html").read_bytes()
    assert r.headers["Content-Type"].startswith("text/html")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "style-src 'self'" in csp and "unsafe-inline" not in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    other = next(p for p in sorted(WEB_DIR.iterdir()) if p.suffix in (".js", ".css"))
    r = requests.get(f"{url}/{other.name}")
    assert r.ok and r.content == other.read_bytes()
    assert requests.get(url + "/widget.js").ok and requests.get(url + "/widget.css").ok


@pytest.mark.parametrize("path", ["/../bot/webchat.py", "/%2e%2e/README.md", "/..%2fREADME.md", "/nope.html",
                                  "/%2e%2e/%2e%2e/etc/passwd"])
def test_nothing_outside_the_web_folder_is_served(url, path):
    assert requests.get(url + path).status_code == 404


def test_messages_are_relayed_to_rasa(url, rasa):
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "phí karaoke"})
    assert r.ok
    assert r.json() == [{"text": "Bạn hỏi thủ tục nào?",
                         "buttons": [{"title": "Phí karaoke", "payload": '/ask_fee{"procedure":"karaoke"}'},
                                     {"title": "Hồ sơ lữ hành quốc tế", "payload": rasa.answer(
                                         {"sender": SENDER, "message": "karaoke"}, "")[0]["buttons"][1]["payload"]}]}]
    assert rasa.received[-1]["sender"] == SENDER and rasa.received[-1]["message"] == "phí karaoke"
    # A keyed hash of the client address goes along (guessing limits), never the address itself.
    client = rasa.received[-1]["metadata"]["client"]
    assert len(client) == 32 and "127.0.0.1" not in json.dumps(rasa.received[-1])


def test_files_come_back_as_attachments(url, rasa):
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "cho tôi biểu mẫu"})
    assert r.json() == [{"text": "Mẫu đơn đây ạ."},
                        {"attachment": {"url": rasa.url + "/files/mau-01.pdf", "name": "Mẫu 01.pdf"}}]


def test_senders_are_kept_in_the_web_namespace(url, rasa):
    requests.post(url + "/api/chat", json={"sender": "tg-123456789", "message": "chào"})
    assert rasa.received[-1]["sender"] == "web-tg-123456789"


def test_long_messages_are_cut_to_5000_characters(url, rasa):
    requests.post(url + "/api/chat", json={"sender": SENDER, "message": "a" * 6000})
    assert rasa.received[-1]["message"] == "a" * 5000


@pytest.mark.parametrize("body", [b"not json", b'{"sender": "x", "message": "hi"}', b'{"message": "hi"}',
                                  b'{"sender": "web-0123456789abcdef", "message": 5}', b"[]",
                                  b'{"sender": "web 01234567 <script>", "message": "hi"}', b"\xff\xfe",
                                  b'{"sender": "web-0123456789abcdef\\n", "message": "hi"}',
                                  b"[" * 16_000, b"[" * 8_000 + b"]" * 8_000,
                                  b'{"sender": "web-0123456789abcdef", "message": ' + b"[" * 16_000], ids=short_id)
def test_malformed_requests_are_rejected(url, rasa, body):
    before = len(rasa.received)
    r = requests.post(url + "/api/chat", data=body, headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json() == {"error": "bad request"}
    assert r.headers["Cache-Control"] == "no-store" and len(rasa.received) == before


def test_a_message_split_across_packets_is_read_whole(url, rasa):
    # On a slow link a long message arrives in several TCP packets.
    message = "Cho tôi hỏi thủ tục đăng ký tổ chức lễ hội truyền thống ở xã. " * 25  # ~1,600 characters
    body = json.dumps({"sender": SENDER, "message": message}, ensure_ascii=False).encode()
    conn = RawConnection(url)
    conn.send(conn.head("POST", "/api/chat", len(body)))
    for start in range(0, len(body), 600):
        time.sleep(0.15)
        conn.send(body[start:start + 600])
    status, headers, answer = conn.response()
    conn.close()
    assert status == 200 and json.loads(answer) == [{"text": "Đã nhận: " + message[:20]}]
    assert rasa.received[-1]["message"] == message and headers["cache-control"] == "no-store"


def test_oversized_requests_are_rejected(url):
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "x" * 20_000})
    assert r.status_code == 413 and r.headers["Cache-Control"] == "no-store"
    r = requests.post(url + "/api/chat", data=b"[" * 100_000, headers={"Content-Type": "application/json"})
    assert r.status_code == 413
    # without Content-Length (chunked), the limit holds too
    r = requests.post(url + "/api/chat", data=iter([b"[" * 10_000] * 3), headers={"Content-Type": "application/json"})
    assert r.status_code == 413


def test_rasa_down_gives_a_polite_answer(tmp_path):
    with BackgroundGateway(make_config(tmp_path, "http://127.0.0.1:9")) as gw:  # nothing listens on port 9
        r = requests.post(gw.url + "/api/chat", json={"sender": SENDER, "message": "chào"})
        assert r.ok and r.json() == [{"text": TEXTS.unavailable}]
        assert "tạm gián đoạn" in TEXTS.unavailable
        health = requests.get(gw.url + "/health")
        assert health.status_code == 503 and health.json()["rasa"] is False
        assert health.json()["down"] == ["rasa", "actions"]
        assert requests.get(gw.url + "/health/ready").status_code == 503
        assert requests.get(gw.url + "/health/live").json() == {"status": "ok"}


@pytest.fixture(scope="module")
def impatient_url(rasa, tmp_path_factory):
    """A gateway that waits only one second for Rasa."""
    with BackgroundGateway(make_config(tmp_path_factory.mktemp("gw"), rasa.url, rasa_timeout=1.0)) as gw:
        yield gw.url


@pytest.mark.parametrize("trouble", [SILENT, FAILING, HANGING])
def test_rasa_silent_failing_or_too_slow_gives_the_polite_answer(impatient_url, trouble):
    started = time.monotonic()
    r = requests.post(impatient_url + "/api/chat", json={"sender": SENDER, "message": trouble})
    assert r.ok and r.json() == [{"text": TEXTS.unavailable}]
    assert time.monotonic() - started < 2.5
    assert "tạm gián đoạn" in TEXTS.unavailable and load_department().hotline in TEXTS.unavailable
    # and the next ordinary message is answered as usual
    r = requests.post(impatient_url + "/api/chat", json={"sender": SENDER, "message": "chào"})
    assert r.json() == [{"text": "Đã nhận: chào"}]


def test_health(url, rasa):
    r = requests.get(url + "/health")
    assert r.ok and r.json() == {"status": "ok", "down": [], "rasa": True, "rasa_replicas": {rasa.url: True},
                                 "actions": True, "dossiers": None,
                                 "channels": {"web": True, "telegram": False, "zalo": False}}
    assert requests.get(url + "/health/ready").ok and requests.get(url + "/health/live").ok


def test_health_names_the_action_server_when_it_is_down(tmp_path, rasa):
    with BackgroundGateway(make_config(tmp_path, rasa.url, actions_url="http://127.0.0.1:9")) as gw:
        health = requests.get(gw.url + "/health")
        assert health.status_code == 503 and health.json()["down"] == ["actions"]
        assert health.json()["rasa"] is True and health.json()["status"] == "down"
        assert requests.get(gw.url + "/health/ready").status_code == 503  # this replica cannot answer


def test_health_checks_the_http_dossier_source(tmp_path, rasa, monkeypatch):
    from bot.dossiers.api_server import make_server, serve_in_thread
    from bot.dossiers.sqlite_source import SqliteSource

    server = make_server(SqliteSource(tmp_path / "dossiers.db"), token="t0ken")
    serve_in_thread(server)
    monkeypatch.setenv("VHTTDL_DOSSIER_SOURCE", "http")
    monkeypatch.setenv("VHTTDL_DOSSIER_API_URL", f"http://127.0.0.1:{server.server_address[1]}")
    monkeypatch.setenv("VHTTDL_DOSSIER_API_TOKEN", "t0ken")
    with BackgroundGateway(make_config(tmp_path, rasa.url)) as gw:
        assert requests.get(gw.url + "/health").json()["dossiers"] is True
        monkeypatch.setenv("VHTTDL_DOSSIER_API_TOKEN", "wrong")  # refused: as good as down
        health = requests.get(gw.url + "/health")
        assert health.status_code == 503 and health.json()["down"] == ["dossiers"]
        # A one-stop system that is down does not take this gateway out of rotation.
        assert requests.get(gw.url + "/health/ready").ok
    server.shutdown()
    server.server_close()


def test_cors_preflight_for_an_allowed_origin(url):
    r = requests.options(url + "/api/chat", headers={"Origin": SITE, "Access-Control-Request-Method": "POST",
                                                     "Access-Control-Request-Headers": "content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == SITE
    assert "POST" in r.headers["Access-Control-Allow-Methods"]
    assert "Content-Type" in r.headers["Access-Control-Allow-Headers"]
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"}, headers={"Origin": SITE})
    assert r.ok and r.headers["Access-Control-Allow-Origin"] == SITE and r.headers["Vary"] == "Origin"


def test_other_origins_are_refused(url, rasa):
    before = len(rasa.received)
    evil = {"Origin": "https://evil.example.com"}
    r = requests.options(url + "/api/chat", headers={**evil, "Access-Control-Request-Method": "POST"})
    assert r.status_code == 403 and "Access-Control-Allow-Origin" not in r.headers
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"}, headers=evil)
    assert r.status_code == 403 and len(rasa.received) == before


def test_same_origin_needs_no_cors_configuration(url):
    r = requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"},
                      headers={"Origin": url})
    assert r.ok and "Access-Control-Allow-Origin" not in r.headers


def test_rate_limit_per_sender(tmp_path, rasa):
    with BackgroundGateway(make_config(tmp_path, rasa.url, per_sender_per_minute=3)) as gw:
        codes = [requests.post(gw.url + "/api/chat", json={"sender": SENDER, "message": "chào"}).status_code
                 for _ in range(4)]
        assert codes == [200, 200, 200, 429]
        r = requests.post(gw.url + "/api/chat", json={"sender": SENDER, "message": "chào"})
        assert r.status_code == 429 and r.json() == [{"text": TEXTS.rate_limited}]
        assert r.headers["Retry-After"] == "60"
        # another conversation is not affected
        assert requests.post(gw.url + "/api/chat", json={"sender": "web-another-one", "message": "chào"}).ok


def test_rate_limit_per_ip(tmp_path, rasa):
    with BackgroundGateway(make_config(tmp_path, rasa.url, per_ip_per_minute=2)) as gw:
        codes = [requests.post(gw.url + "/api/chat", json={"sender": f"web-sender-{i:04d}", "message": "chào"}).status_code
                 for i in range(3)]
        assert codes == [200, 200, 429]


def test_other_methods_are_refused_with_the_same_headers(url):
    r = requests.put(url + "/api/chat", json={"sender": SENDER, "message": "chào"})
    assert r.status_code == 405 and r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Cache-Control"] == "no-store"


def test_chat_answers_are_never_cached(url, tmp_path):
    def cache(r: requests.Response) -> str:
        return r.headers.get("Cache-Control", "")

    assert cache(requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"})) == "no-store"
    assert cache(requests.options(url + "/api/chat", headers={"Origin": SITE})) == "no-store"
    assert cache(requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"},
                               headers={"Origin": "https://evil.example.com"})) == "no-store"  # 403
    with BackgroundGateway(make_config(tmp_path, "http://127.0.0.1:9", per_sender_per_minute=1)) as gw:
        codes = []
        for _ in range(2):
            r = requests.post(gw.url + "/api/chat", json={"sender": SENDER, "message": "chào"})
            codes.append((r.status_code, cache(r)))
    assert codes == [(200, "no-store"), (429, "no-store")]
    assert cache(requests.get(url + "/widget.js")) == "no-cache"  # static files may be revalidated


# --- Host header ---------------------------------------------------------------------------

@pytest.mark.parametrize("host", ["evil.example.com", "evil.example.com:80", "127.0.0.1.evil.example.com",
                                  "svhttdl.example.gov.vn.evil.com", "localhost@evil.com", "", "[::2]:80"])
def test_other_host_headers_are_refused(url, rasa, host):
    before = len(rasa.received)
    for method, path in (("POST", "/api/chat"), ("GET", "/"), ("GET", "/health"), ("GET", "/staff/login")):
        r = requests.request(method, url + path, json={"sender": SENDER, "message": "chào"}, headers={"Host": host})
        assert r.status_code == 400, (method, path)
    assert len(rasa.received) == before


def test_a_missing_host_header_is_refused(url):
    conn = RawConnection(url)
    conn.send(b"GET / HTTP/1.0\r\n\r\n")
    assert conn.response()[0] == 400
    conn.close()


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost:8080", "LOCALHOST", "[::1]:8080", "bot.example.gov.vn",
                                  "Bot.Example.Gov.VN:443", "chatbot.svhttdl.example.gov.vn"])
def test_own_host_names_are_served_whatever_the_port(tmp_path, rasa, host):
    config = make_config(tmp_path, rasa.url, public_url="https://bot.example.gov.vn",
                         allowed_hosts=("chatbot.svhttdl.example.gov.vn",))
    with BackgroundGateway(config) as gw:
        r = requests.post(gw.url + "/api/chat", json={"sender": SENDER, "message": "chào"}, headers={"Host": host})
        assert r.ok and r.json() == [{"text": "Đã nhận: chào"}]


# --- slow and idle clients -------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict_url(rasa, tmp_path_factory):
    """A gateway that gives clients one second to send a request and keeps idle connections one
    second (the defaults are 15 s)."""
    config = make_config(tmp_path_factory.mktemp("gw"), rasa.url, read_timeout=1.0, keepalive_timeout=1.0)
    with BackgroundGateway(config) as gw:
        yield gw.url


def test_a_connection_that_sends_nothing_is_closed(strict_url):
    conn = RawConnection(strict_url)
    assert 0.8 < (conn.closed_after(5) or 99) < 2.0


def test_a_head_sent_slowly_is_cut_off(strict_url):
    conn = RawConnection(strict_url)
    conn.send(b"POST /api/chat HTTP/1.1\r\n")
    n = 0
    while conn.send(f"X-Slow-{n}: a\r\n".encode()) and n < 50:  # slowloris: a header line now and then
        n += 1
        if conn.closed_after(0.2) is not None:
            break
    assert 0.8 < time.monotonic() - conn.started < 2.0 and conn.closed_after(1) is not None


def test_a_body_that_never_ends_gets_408_and_the_connection_is_closed(strict_url, rasa):
    before = len(rasa.received)
    conn = RawConnection(strict_url)
    conn.send(conn.head("POST", "/api/chat", 500) + b'{"sender": "web-0123456789abcdef", "mess')
    status, headers, body = conn.response(timeout=2.0)
    assert status == 408 and json.loads(body) == {"error": "request timeout"} and headers["cache-control"] == "no-store"
    assert 0.8 < time.monotonic() - conn.started < 2.0
    assert (conn.closed_after(3) or 99) < 3.5 and len(rasa.received) == before


def test_every_route_has_the_body_deadline(strict_url):
    # The staff login form is read without a deadline of its own: the gateway closes it.
    conn = RawConnection(strict_url)
    conn.send(conn.head("POST", "/staff/login", headers={"Content-Type": "application/x-www-form-urlencoded",
                                                        "Content-Length": "300"}) + b"user=a")
    assert 1.5 < (conn.closed_after(5) or 99) < 3.0


def test_an_idle_kept_alive_connection_is_closed(strict_url):
    conn = RawConnection(strict_url)
    body = json.dumps({"sender": SENDER, "message": "chào"}).encode()
    conn.send(conn.head("POST", "/api/chat", len(body)) + body)
    assert conn.response()[0] == 200
    answered = time.monotonic() - conn.started
    conn.send(b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n")  # the next head, never finished
    assert 0.8 < (conn.closed_after(5) or 99) - answered < 2.5


def test_prompt_clients_are_not_hurried(strict_url):
    conn = RawConnection(strict_url)
    for _ in range(3):  # one connection, several requests, each well within the deadlines
        body = json.dumps({"sender": SENDER, "message": "chào"}).encode()
        conn.send(conn.head("POST", "/api/chat", len(body)))
        time.sleep(0.4)
        conn.send(body)
        assert conn.response()[0] == 200
        time.sleep(0.4)
    conn.close()
