"""The Zalo OA channel: signed and badly signed events posted to the real webhook on loopback;
replies and token refreshes checked at a loopback stand-in for the OA Open API
(tests/gateway_fakes.FakeZalo); Rasa is the loopback stand-in of its REST channel."""
from __future__ import annotations

import json
import logging
import sqlite3
import time

import pytest
import requests

from bot.gateway import BackgroundGateway, load_config
from bot.gateway.texts import load_texts
from bot.gateway.zalo import signature
from bot.gateway.zalo_api import TokenRefreshError, TokenStore
from tests.gateway_fakes import FAILING, HANGING, LONG_PAYLOAD, SILENT, FakeZalo, RawConnection, short_id, wait_for

APP_ID = "2553928453557884079"
APP_SECRET = "app-secret-DO-NOT-LOG"
OA_SECRET = "oa-secret-DO-NOT-LOG"
TEXTS = load_texts()


@pytest.fixture
def zalo():
    fake = FakeZalo(APP_ID, APP_SECRET, access_token="AT-0", refresh_token="RT-0")
    yield fake
    fake.close()


def make_config(tmp_path, rasa, zalo, access_token="AT-0", refresh_token="RT-0", **overrides):
    env = {"ZALO_APP_ID": APP_ID, "ZALO_APP_SECRET": APP_SECRET, "ZALO_OA_SECRET_KEY": OA_SECRET,
           "ZALO_ACCESS_TOKEN": access_token, "ZALO_REFRESH_TOKEN": refresh_token,
           "ZALO_API_BASE": zalo.url, "ZALO_OAUTH_BASE": zalo.url}
    return load_config(file=tmp_path / "none.yml", env=env, port=0, rasa_url=rasa.url, state_dir=tmp_path,
                       public_url="https://bot.example.gov.vn", **overrides)


@pytest.fixture
def gateway(tmp_path, rasa, zalo):
    with BackgroundGateway(make_config(tmp_path, rasa, zalo)) as gw:
        yield gw


def event(user_id: str, text: str | None = "xin chào", name: str = "user_send_text", age: float = 0,
          app_id: str = APP_ID) -> bytes:
    body = {"app_id": app_id, "user_id_by_app": "979122185046046317", "event_name": name,
            "sender": {"id": user_id}, "recipient": {"id": "579745863508352884"},
            "timestamp": str(int((time.time() - age) * 1000))}
    if text is not None:
        body["message"] = {"text": text, "msg_id": f"msg-{time.time_ns()}"}
    return json.dumps(body, ensure_ascii=False).encode()


def post(url: str, body: bytes, sign: bool = True, secret: str = OA_SECRET, app_id: str = APP_ID) -> requests.Response:
    headers = {"Content-Type": "application/json"}
    if sign:
        headers["X-ZEvent-Signature"] = signature(app_id, body, json.loads(body)["timestamp"], secret)
    return requests.post(url + "/zalo/webhook", data=body, headers=headers)


def test_signature_is_sha256_of_app_id_body_timestamp_and_oa_secret():
    import hashlib

    body = b'{"app_id":"1","timestamp":"1699003881354"}'
    expected = hashlib.sha256(b"1" + body + b"1699003881354" + b"key").hexdigest()
    assert signature("1", body, "1699003881354", "key") == "mac=" + expected


def test_a_signed_text_event_is_answered(gateway, zalo, rasa):
    r = post(gateway.url, event("u-1001", "xin chào"))
    assert r.ok
    assert wait_for(lambda: zalo.to("u-1001")) == [{"text": "Đã nhận: xin chào"}]
    assert zalo.messages[-1]["access_token"] == "AT-0"
    assert rasa.messages("zalo-u-1001") == ["xin chào"]


def test_buttons_become_hidden_query_buttons(gateway, zalo):
    post(gateway.url, event("u-1002", "phí karaoke"))
    message = wait_for(lambda: zalo.to("u-1002"))[0]
    assert message["text"] == "Bạn hỏi thủ tục nào?"
    assert message["attachment"] == {"type": "template", "payload": {"buttons": [
        {"title": "Phí karaoke", "type": "oa.query.hide", "payload": '/ask_fee{"procedure":"karaoke"}'},
        {"title": "Hồ sơ lữ hành quốc tế", "type": "oa.query.hide", "payload": LONG_PAYLOAD}]}}


def test_a_button_tap_sends_its_payload_to_rasa(gateway, zalo, rasa):
    # Zalo delivers an oa.query.hide tap as a user_send_text event whose text is the payload.
    post(gateway.url, event("u-1003", '/ask_fee{"procedure":"karaoke"}'))
    assert wait_for(lambda: zalo.to("u-1003")) == [{"text": 'Bạn đã chọn: /ask_fee{"procedure":"karaoke"}'}]
    assert rasa.messages("zalo-u-1003") == ['/ask_fee{"procedure":"karaoke"}']


def test_files_become_a_link_button(gateway, zalo, rasa):
    post(gateway.url, event("u-1004", "cho tôi biểu mẫu"))
    messages = wait_for(lambda: len(zalo.to("u-1004")) == 2 and zalo.to("u-1004"))
    url = rasa.url + "/files/mau-01.pdf"
    assert messages[1]["attachment"]["payload"]["buttons"] == [
        {"title": "Tải Mẫu 01.pdf", "type": "oa.open.url", "payload": {"url": url}}]
    assert url in messages[1]["text"]


def test_non_text_messages_get_a_polite_answer(gateway, zalo, rasa):
    post(gateway.url, event("u-1005", None, name="user_send_sticker"))
    assert wait_for(lambda: zalo.to("u-1005")) == [{"text": TEXTS.unsupported_message}]
    assert rasa.messages("zalo-u-1005") == []


def test_other_events_are_acknowledged_and_ignored(gateway, zalo, rasa):
    assert post(gateway.url, event("u-1006", None, name="user_seen_message")).ok
    assert post(gateway.url, event("u-1007", "chào")).ok  # processed after the ignored one
    wait_for(lambda: zalo.to("u-1007"))
    assert zalo.to("u-1006") == [] and rasa.messages("zalo-u-1006") == []


@pytest.mark.parametrize("case, status", [
    ("unsigned", 401), ("wrong secret", 403), ("tampered", 403), ("stale", 403), ("future", 403),
    ("other app", 403), ("garbage", 400)])
def test_bad_events_are_refused_and_not_processed(gateway, zalo, rasa, case, status):
    user = f"u-bad-{case.replace(' ', '-')}"
    body = event(user, "giả mạo", age={"stale": 3600, "future": -3600}.get(case, 0),
                 app_id="1111" if case == "other app" else APP_ID)
    if case == "garbage":
        r = requests.post(gateway.url + "/zalo/webhook", data=b"not json", headers={"X-ZEvent-Signature": "mac=00"})
    elif case == "tampered":
        sig = signature(APP_ID, body, json.loads(body)["timestamp"], OA_SECRET)
        r = requests.post(gateway.url + "/zalo/webhook", data=body.replace("giả mạo".encode(), b"khac"),
                          headers={"X-ZEvent-Signature": sig})
    else:
        r = post(gateway.url, body, sign=case != "unsigned", secret="guess" if case == "wrong secret" else OA_SECRET,
                 app_id="1111" if case == "other app" else APP_ID)
    assert r.status_code == status
    post(gateway.url, event("u-after", "sau"))  # a good event after the bad one is processed...
    wait_for(lambda: rasa.messages("zalo-u-after"))
    time.sleep(0.1)
    assert rasa.messages(f"zalo-{user}") == [] and zalo.to(user) == []  # ...the bad one never was


def test_a_redelivered_event_is_answered_once(gateway, zalo, rasa):
    body = event("u-1008", "chào")
    assert post(gateway.url, body).ok and post(gateway.url, body).ok
    wait_for(lambda: zalo.to("u-1008"))
    time.sleep(0.2)
    assert rasa.messages("zalo-u-1008") == ["chào"] and len(zalo.to("u-1008")) == 1


def test_a_message_id_delivered_again_later_is_answered_once(gateway, zalo, rasa):
    first = json.loads(event("u-1018", "chào"))
    again = {**first, "timestamp": str(int(first["timestamp"]) + 1500)}  # same message, a later delivery
    for body in (first, again):
        r = post(gateway.url, json.dumps(body, ensure_ascii=False).encode())
        assert r.ok and r.headers["Cache-Control"] == "no-store"
    wait_for(lambda: zalo.to("u-1018"))
    time.sleep(0.2)
    assert rasa.messages("zalo-u-1018") == ["chào"] and len(zalo.to("u-1018")) == 1


def test_events_are_answered_once_across_gateway_processes(tmp_path, rasa, zalo):
    body = event("u-1019", "chào")
    with BackgroundGateway(make_config(tmp_path, rasa, zalo)) as one, \
            BackgroundGateway(make_config(tmp_path, rasa, zalo)) as two:  # behind one load balancer
        assert post(one.url, body).ok and post(two.url, body).ok
        wait_for(lambda: zalo.to("u-1019"))
        time.sleep(0.2)
    assert rasa.messages("zalo-u-1019") == ["chào"] and len(zalo.to("u-1019")) == 1


def test_an_event_split_across_packets_is_read_whole(gateway, zalo, rasa):
    text = "Cho tôi hỏi về thủ tục đăng ký tổ chức lễ hội ở xã. " * 30
    body = event("u-1020", text)
    conn = RawConnection(gateway.url)
    sig = signature(APP_ID, body, json.loads(body)["timestamp"], OA_SECRET)
    conn.send(conn.head("POST", "/zalo/webhook", len(body), headers={"X-ZEvent-Signature": sig}))
    for start in range(0, len(body), 500):
        time.sleep(0.1)
        conn.send(body[start:start + 500])
    status, headers, _ = conn.response()
    conn.close()
    assert status == 200 and headers["cache-control"] == "no-store"
    assert wait_for(lambda: rasa.messages("zalo-u-1020")) == [text]


@pytest.mark.parametrize("n, shape", enumerate([
    {"sender": "u-1021"}, {"sender": None}, {"sender": {"id": {"nested": 1}}}, {"sender": {"id": True}},
    {"message": "chào"}, {"message": {"text": ["chào"]}}, {"message": None}, {"event_name": ["user_send_text"]},
    {"event_name": {"x": 1}}, {"event_name": "user_send_something_new"}, {"event_name": None},
]))
def test_odd_but_signed_events_do_no_harm(gateway, zalo, rasa, caplog, n, shape):
    user = f"u-odd-{n}"
    body = {**json.loads(event(user, "chào")), **shape}
    r = post(gateway.url, json.dumps(body).encode())
    assert r.ok
    post(gateway.url, event("u-after-odd", f"sau {n}"))
    wait_for(lambda: f"sau {n}" in rasa.messages("zalo-u-after-odd"))
    time.sleep(0.1)
    assert "Traceback" not in caplog.text and not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    assert zalo.to(user) == [] and zalo.to("u-1021") == [] and rasa.messages(f"zalo-{user}") == []


@pytest.mark.parametrize("body", [b"[" * 60_000, b"[" * 30_000 + b"]" * 30_000, b"[]", b"5", b"null",
                                  b'{"app_id": "' + APP_ID.encode() + b'", "timestamp": ' + b"[" * 60_000],
                         ids=short_id)
def test_malformed_bodies_are_refused_cleanly(gateway, zalo, rasa, caplog, body):
    r = requests.post(gateway.url + "/zalo/webhook", data=body, headers={"X-ZEvent-Signature": "mac=00"})
    assert r.status_code == 400 and r.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in caplog.text and not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    post(gateway.url, event("u-after-bad-body", "sau"))
    assert wait_for(lambda: zalo.to("u-after-bad-body"))


def test_an_oversized_event_is_refused(gateway, zalo, rasa):
    body = event("u-1022", "x" * 70_000)
    r = post(gateway.url, body)
    assert r.status_code == 413 and r.headers["Cache-Control"] == "no-store"
    chunked = requests.post(gateway.url + "/zalo/webhook", data=iter([body[:40_000], body[40_000:]]),
                            headers={"X-ZEvent-Signature": "mac=00"})
    assert chunked.status_code == 413
    time.sleep(0.1)
    assert rasa.messages("zalo-u-1022") == [] and zalo.to("u-1022") == []


def test_a_signature_of_stray_bytes_is_refused_cleanly(gateway, zalo, caplog):
    body = event("u-1023", "giả mạo")
    conn = RawConnection(gateway.url)
    head = conn.head("POST", "/zalo/webhook", len(body)).replace(b"\r\n\r\n", b"\r\n")
    conn.send(head + b"X-ZEvent-Signature: mac=\xff\xfe\r\n\r\n" + body)
    status, headers, _ = conn.response()
    conn.close()
    assert status == 403 and headers["cache-control"] == "no-store"
    assert "Traceback" not in caplog.text and zalo.to("u-1023") == []


def test_rasa_down_gives_a_polite_answer(tmp_path, zalo):
    class Down:
        url = "http://127.0.0.1:9"

    with BackgroundGateway(make_config(tmp_path, Down, zalo)) as gw:
        post(gw.url, event("u-1009", "chào"))
        assert wait_for(lambda: zalo.to("u-1009")) == [{"text": TEXTS.unavailable}]


def test_rasa_silent_failing_or_too_slow_gives_the_polite_answer(tmp_path, rasa, zalo):
    troubles = {"u-1031": SILENT, "u-1032": FAILING, "u-1033": HANGING}
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, rasa_timeout=1.0)) as gw:
        for user, trouble in troubles.items():
            assert post(gw.url, event(user, trouble)).ok
        for user in troubles:
            assert wait_for(lambda: zalo.to(user)) == [{"text": TEXTS.unavailable}]
        post(gw.url, event("u-1031", "chào"))  # the next message is answered as usual
        assert wait_for(lambda: len(zalo.to("u-1031")) == 2 and zalo.to("u-1031"))[1] == {"text": "Đã nhận: chào"}


def test_rate_limit_tells_the_citizen_once(tmp_path, rasa, zalo):
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, per_sender_per_minute=2)) as gw:
        for i in range(5):
            post(gw.url, event("u-1010", f"câu {i}"))
        wait_for(lambda: len(zalo.to("u-1010")) == 3)
        time.sleep(0.2)
    texts = [m["text"] for m in zalo.to("u-1010")]
    assert texts.count(TEXTS.rate_limited) == 1 and len(texts) == 3


# --- tokens --------------------------------------------------------------------------------------

def stored_tokens(tmp_path) -> tuple[str, str]:
    conn = sqlite3.connect(tmp_path / "zalo.db")
    try:
        return conn.execute("SELECT access_token, refresh_token FROM zalo_tokens").fetchone()
    finally:
        conn.close()


def test_an_invalid_access_token_is_refreshed_and_the_message_resent(tmp_path, rasa, zalo):
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, access_token="AT-revoked")) as gw:
        post(gw.url, event("u-2001", "chào"))
        assert wait_for(lambda: zalo.to("u-2001")) == [{"text": "Đã nhận: chào"}]
    assert zalo.rejected[0]["access_token"] == "AT-revoked"
    assert zalo.messages[-1]["access_token"] == "AT-1"
    assert zalo.refreshes == [{"refresh_token": "RT-0", "app_id": APP_ID, "grant_type": "refresh_token"}]
    assert stored_tokens(tmp_path) == ("AT-1", "RT-1")  # the single-use token was replaced


def test_a_restart_keeps_the_rotated_tokens(tmp_path, rasa, zalo):
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, access_token="")) as gw:  # no access token yet
        post(gw.url, event("u-2002", "chào"))
        wait_for(lambda: zalo.to("u-2002"))
    assert stored_tokens(tmp_path) == ("AT-1", "RT-1")
    # same settings (the spent RT-0 still in them): the stored, newer pair is used
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, access_token="")) as gw:
        post(gw.url, event("u-2003", "chào"))
        wait_for(lambda: zalo.to("u-2003"))
    assert zalo.messages[-1]["access_token"] == "AT-1" and len(zalo.refreshes) == 1


def test_a_new_refresh_token_in_the_settings_replaces_the_stored_one(tmp_path, rasa, zalo):
    store = TokenStore(tmp_path / "zalo.db", make_config(tmp_path, rasa, zalo).zalo, requests.Session())
    assert store.stored()[1] == "RT-0"
    zalo.refresh_token = "RT-reauthorised"
    store = TokenStore(tmp_path / "zalo.db", make_config(tmp_path, rasa, zalo, access_token="",
                                                         refresh_token="RT-reauthorised").zalo, requests.Session())
    assert store.stored()[:2] == ("", "RT-reauthorised")
    assert store.access_token() == "AT-1"


def test_a_failed_refresh_keeps_the_old_refresh_token(tmp_path, rasa, zalo, caplog):
    zalo.refusing = True
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, access_token="AT-revoked")) as gw:
        post(gw.url, event("u-2004", "chào"))
        wait_for(lambda: zalo.refreshes)
        time.sleep(0.2)
        assert zalo.to("u-2004") == []
        assert stored_tokens(tmp_path) == ("AT-revoked", "RT-0")
        zalo.refusing = False  # e.g. Zalo's OAuth server was briefly failing
        post(gw.url, event("u-2004", "lần nữa"))
        assert wait_for(lambda: zalo.to("u-2004")) == [{"text": "Đã nhận: lần nữa"}]
    assert stored_tokens(tmp_path) == ("AT-1", "RT-1")
    assert "refresh token is kept" in caplog.text


def test_an_unreachable_token_server_keeps_the_old_refresh_token(tmp_path, rasa, zalo):
    config = make_config(tmp_path, rasa, zalo, access_token="")
    config = config.with_(zalo=config.zalo.__class__(**{**config.zalo.__dict__, "oauth_base": "http://127.0.0.1:9"}))
    store = TokenStore(tmp_path / "zalo.db", config.zalo, requests.Session())
    with pytest.raises(TokenRefreshError):
        store.access_token()
    assert stored_tokens(tmp_path) == ("", "RT-0")


# Concurrent refreshes spend the refresh token once: tests/test_shared_state.py (SQLite and PostgreSQL).


def test_secrets_tokens_and_messages_never_reach_the_logs(tmp_path, rasa, zalo, caplog):
    caplog.set_level(logging.DEBUG)
    with BackgroundGateway(make_config(tmp_path, rasa, zalo, access_token="AT-revoked")) as gw:
        post(gw.url, event("u-2005", "CCCD của tôi là 001099012345"))
        post(gw.url, event("u-2006", "giả"), secret="guess")
        wait_for(lambda: zalo.to("u-2005"))
    assert "Zalo OA: on" in caplog.text and "access token refreshed" in caplog.text
    for secret in (APP_SECRET, OA_SECRET, "AT-revoked", "AT-1", "RT-0", "RT-1", "001099012345", "u-2005"):
        assert secret not in caplog.text


def test_a_zalo_channel_without_all_credentials_is_off(caplog, tmp_path):
    caplog.set_level(logging.INFO)
    config = load_config(file=tmp_path / "none.yml", env={"ZALO_APP_ID": APP_ID})
    assert config.zalo is None and "Zalo OA: off (missing app_secret, oa_secret_key, refresh_token)" in caplog.text
