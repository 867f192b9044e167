"""The Telegram channel: the real python-telegram-bot Application inside the gateway, talking to a
loopback server that speaks the Bot API (tests/gateway_fakes.FakeTelegram) and to a loopback
stand-in for Rasa's REST channel."""
from __future__ import annotations

import json
import logging
import time

import pytest
import requests

from bot.gateway import BackgroundGateway, load_config
from bot.gateway.texts import load_texts
from tests.gateway_fakes import (FAILING, FORM_BYTES, HANGING, LONG_PAYLOAD, SILENT, FakeTelegram, RawConnection,
                                 short_id, wait_for)

TOKEN = "123456:TEST-token-do-not-log"
SECRET = "s3cret_token-for-tests"
TEXTS = load_texts()


def telegram_env(fake: FakeTelegram, **extra: str) -> dict[str, str]:
    return {"TELEGRAM_BOT_TOKEN": TOKEN, "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_API_BASE_FILE_URL": fake.base_file_url, **extra}


@pytest.fixture(scope="module")
def telegram():
    fake = FakeTelegram(TOKEN)
    yield fake
    fake.close()


@pytest.fixture
def own_telegram():
    """A Bot API stand-in of its own, for tests that start their own gateway (two pollers on
    one stand-in would share its updates)."""
    fake = FakeTelegram(TOKEN)
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def polling(rasa, telegram, tmp_path_factory):
    """The gateway in its default mode: long polling."""
    config = load_config(file=tmp_path_factory.mktemp("none") / "none.yml", env=telegram_env(telegram),
                         port=0, rasa_url=rasa.url, state_dir=tmp_path_factory.mktemp("state"))
    with BackgroundGateway(config) as gw:
        yield gw


def test_polling_starts_without_a_webhook(polling, telegram):
    assert telegram.sent("getMe")
    assert telegram.sent("deleteWebhook")  # polling mode clears any webhook first
    assert not telegram.sent("setWebhook")
    assert requests.get(polling.url + "/health").json()["channels"]["telegram"] is True


def test_text_goes_to_rasa_and_the_answer_comes_back(polling, telegram, rasa):
    chat = 1001
    telegram.push(telegram.user_message(chat, "xin chào"))
    sent = wait_for(lambda: telegram.sent("sendMessage", chat))
    assert sent[0]["text"] == "Đã nhận: xin chào"
    assert rasa.messages(f"tg-{chat}") == ["xin chào"]
    # the typing indicator went out before the answer
    methods = telegram.methods(chat)
    assert methods.index("sendChatAction") < methods.index("sendMessage")
    assert telegram.sent("sendChatAction", chat)[0]["action"] == "typing"


def test_buttons_become_an_inline_keyboard(polling, telegram):
    chat = 1002
    telegram.push(telegram.user_message(chat, "phí karaoke"))
    sent = wait_for(lambda: telegram.sent("sendMessage", chat))
    keyboard = json.loads(sent[0]["reply_markup"])["inline_keyboard"]
    assert [row[0]["text"] for row in keyboard] == ["Phí karaoke", "Hồ sơ lữ hành quốc tế"]
    short, long = keyboard[0][0]["callback_data"], keyboard[1][0]["callback_data"]
    assert short == '/ask_fee{"procedure":"karaoke"}'
    assert long.startswith("#") and len(long.encode()) <= 64  # the long payload is kept server-side


def test_button_presses_send_the_payload(polling, telegram, rasa):
    chat = 1003
    telegram.push(telegram.user_message(chat, "phí karaoke"))
    keyboard = json.loads(wait_for(lambda: telegram.sent("sendMessage", chat))[0]["reply_markup"])["inline_keyboard"]
    for n, row in enumerate(keyboard):
        telegram.push(telegram.button_press(chat, row[0]["callback_data"], query_id=f"q{chat}-{n}"))
    wait_for(lambda: len(telegram.sent("sendMessage", chat)) == 3)
    first, *presses = rasa.messages(f"tg-{chat}")
    assert first == "phí karaoke"  # the two presses may be handled in either order
    assert sorted(presses) == sorted(['/ask_fee{"procedure":"karaoke"}', LONG_PAYLOAD])
    answered = {f["callback_query_id"] for f in telegram.sent("answerCallbackQuery")}
    assert {f"q{chat}-0", f"q{chat}-1"} <= answered
    texts = sorted(f["text"] for f in telegram.sent("sendMessage", chat)[1:])
    assert texts == sorted([f"Bạn đã chọn: {LONG_PAYLOAD}", 'Bạn đã chọn: /ask_fee{"procedure":"karaoke"}'])


def test_an_unknown_button_is_answered_politely(polling, telegram, rasa):
    chat = 1004
    telegram.push(telegram.button_press(chat, "#0123456789abcdef0123456789abcdef", query_id="old"))
    answer = wait_for(lambda: [f for f in telegram.sent("answerCallbackQuery") if f["callback_query_id"] == "old"])
    assert answer[0]["text"] == TEXTS.button_expired
    assert rasa.messages(f"tg-{chat}") == []


def test_files_are_sent_as_documents(polling, telegram):
    chat = 1005
    telegram.push(telegram.user_message(chat, "cho tôi biểu mẫu"))
    doc = wait_for(lambda: telegram.sent("sendDocument", chat))[0]
    assert doc["document"]["filename"] == "Mẫu 01.pdf"
    assert doc["document"]["content"] == FORM_BYTES
    assert telegram.sent("sendMessage", chat)[0]["text"] == "Mẫu đơn đây ạ."


def test_a_file_that_cannot_be_fetched_is_sent_as_a_link(polling, telegram, rasa):
    chat = 1006
    telegram.push(telegram.user_message(chat, "mẫu hỏng"))
    sent = wait_for(lambda: telegram.sent("sendMessage", chat))
    assert sent[0]["text"] == TEXTS.file_link.format(name="Mẫu 02.pdf", url=rasa.url + "/files/khong-co.pdf")


def test_start_and_help_come_from_the_data_file(polling, telegram, rasa):
    chat = 1007
    telegram.push(telegram.user_message(chat, "/start", command=True))
    telegram.push(telegram.user_message(chat, "/help", command=True))
    sent = wait_for(lambda: len(telegram.sent("sendMessage", chat)) == 2 and telegram.sent("sendMessage", chat))
    assert sorted(s["text"] for s in sent) == sorted([TEXTS.telegram_start, TEXTS.telegram_help])
    assert "Sở Văn hóa" in TEXTS.telegram_start and rasa.messages(f"tg-{chat}") == []


def test_long_answers_are_split(polling, telegram):
    chat = 1008
    telegram.push(telegram.user_message(chat, "trả lời dài"))
    sent = wait_for(lambda: len(telegram.sent("sendMessage", chat)) >= 2 and telegram.sent("sendMessage", chat))
    assert all(len(s["text"]) <= 4096 for s in sent)


def test_non_text_messages_get_a_polite_answer(polling, telegram, rasa):
    chat = 1009
    update = telegram.user_message(chat, "")
    del update["message"]["text"]
    update["message"]["location"] = {"latitude": 21.0, "longitude": 105.8}
    telegram.push(update)
    assert wait_for(lambda: telegram.sent("sendMessage", chat))[0]["text"] == TEXTS.unsupported_message
    assert rasa.messages(f"tg-{chat}") == []


def test_group_chats_are_ignored(polling, telegram, rasa):
    update = telegram.user_message(-5001, "xin chào")
    update["message"]["chat"] = {"id": -5001, "type": "group", "title": "Nhóm"}
    telegram.push(update)
    telegram.push(telegram.user_message(1010, "sau nhóm"))
    wait_for(lambda: telegram.sent("sendMessage", 1010))
    assert telegram.sent("sendMessage", -5001) == [] and rasa.messages("tg--5001") == []


def test_rasa_down_gives_a_polite_answer(own_telegram, tmp_path):
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0,
                         rasa_url="http://127.0.0.1:9", state_dir=tmp_path)
    with BackgroundGateway(config):
        own_telegram.push(own_telegram.user_message(1011, "chào"))
        assert wait_for(lambda: own_telegram.sent("sendMessage", 1011))[0]["text"] == TEXTS.unavailable


def test_rasa_silent_failing_or_too_slow_gives_the_polite_answer(own_telegram, rasa, tmp_path):
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0, rasa_url=rasa.url,
                         state_dir=tmp_path, rasa_timeout=1.0)
    chats = {3001: SILENT, 3002: FAILING, 3003: HANGING}
    with BackgroundGateway(config):
        for chat, trouble in chats.items():
            own_telegram.push(own_telegram.user_message(chat, trouble))
        for chat in chats:
            assert [s["text"] for s in wait_for(lambda: own_telegram.sent("sendMessage", chat))] == [TEXTS.unavailable]
        own_telegram.push(own_telegram.user_message(3001, "chào"))  # the next message is answered as usual
        wait_for(lambda: len(own_telegram.sent("sendMessage", 3001)) == 2)
    assert own_telegram.sent("sendMessage", 3001)[1]["text"] == "Đã nhận: chào"


def test_a_restarted_poller_does_not_answer_an_update_again(own_telegram, rasa, tmp_path):
    # Telegram hands out an update again when the poller stopped before confirming it.
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0, rasa_url=rasa.url,
                         state_dir=tmp_path)
    chat = 3101
    with BackgroundGateway(config):
        update_id = own_telegram.push(own_telegram.user_message(chat, "chào"))
        wait_for(lambda: own_telegram.sent("sendMessage", chat))
    with BackgroundGateway(config):  # another process, the same gateway.db
        own_telegram.push(own_telegram.user_message(chat, "chào"), update_id=update_id)
        own_telegram.push(own_telegram.user_message(chat, "câu mới"))
        wait_for(lambda: len(own_telegram.sent("sendMessage", chat)) >= 2)
        time.sleep(0.3)
    assert [s["text"] for s in own_telegram.sent("sendMessage", chat)] == ["Đã nhận: chào", "Đã nhận: câu mới"]
    assert rasa.messages(f"tg-{chat}") == ["chào", "câu mới"]


def test_edits_channel_posts_and_unknown_updates_are_ignored(own_telegram, rasa, tmp_path):
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0, rasa_url=rasa.url,
                         state_dir=tmp_path)
    chat = 3201
    edited = own_telegram.user_message(chat, "sửa lại câu hỏi")["message"]
    post = {**own_telegram.user_message(-1003201, "tin kênh")["message"],
            "chat": {"id": -1003201, "type": "channel", "title": "Kênh"}}
    with BackgroundGateway(config):
        own_telegram.push({"edited_message": {**edited, "edit_date": int(time.time())}})
        own_telegram.push({"channel_post": post})
        own_telegram.push({"future_kind_of_update": {"id": 1, "anything": [1, 2, 3]}})
        own_telegram.push({"callback_query": {"id": "q-game", "chat_instance": "ci", "game_short_name": "g",
                                              "from": {"id": chat, "is_bot": False, "first_name": "Dân"}}})
        own_telegram.push(own_telegram.user_message(chat, "câu thật"))
        wait_for(lambda: own_telegram.sent("sendMessage", chat))
        time.sleep(0.3)
    assert [s["text"] for s in own_telegram.sent("sendMessage", chat)] == ["Đã nhận: câu thật"]
    assert rasa.messages(f"tg-{chat}") == ["câu thật"] and own_telegram.sent("sendMessage", -1003201) == []


def test_rate_limit_tells_the_citizen_once(own_telegram, rasa, tmp_path):
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0, rasa_url=rasa.url,
                         state_dir=tmp_path, per_sender_per_minute=2)
    chat = 1012
    with BackgroundGateway(config):
        for i in range(5):
            own_telegram.push(own_telegram.user_message(chat, f"câu {i}"))
        wait_for(lambda: len(own_telegram.sent("sendMessage", chat)) == 3)
        own_telegram.push(own_telegram.user_message(1013, "người khác"))
        wait_for(lambda: own_telegram.sent("sendMessage", 1013))
    texts = [s["text"] for s in own_telegram.sent("sendMessage", chat)]
    assert texts.count(TEXTS.rate_limited) == 1 and len(rasa.messages(f"tg-{chat}")) == 2


def test_the_token_never_reaches_the_logs(own_telegram, rasa, tmp_path, caplog):
    caplog.set_level(logging.DEBUG)
    config = load_config(file=tmp_path / "none.yml", env=telegram_env(own_telegram), port=0, rasa_url=rasa.url,
                         state_dir=tmp_path)
    with BackgroundGateway(config):
        own_telegram.push(own_telegram.user_message(1014, "số điện thoại của tôi là 0912345678"))
        wait_for(lambda: own_telegram.sent("sendMessage", 1014))
    assert "Telegram: on (polling" in caplog.text
    assert TOKEN not in caplog.text and TOKEN.split(":")[1] not in caplog.text
    assert "0912345678" not in caplog.text


# --- webhook mode -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def webhook(rasa, telegram, tmp_path_factory):
    env = telegram_env(telegram, TELEGRAM_MODE="webhook", TELEGRAM_SECRET_TOKEN=SECRET,
                       TELEGRAM_WEBHOOK_URL="https://bot.example.gov.vn/telegram/webhook")
    config = load_config(file=tmp_path_factory.mktemp("none") / "none.yml", env=env, port=0, rasa_url=rasa.url,
                         state_dir=tmp_path_factory.mktemp("state"))
    with BackgroundGateway(config) as gw:
        yield gw


def test_webhook_mode_registers_the_secret_token(webhook, telegram):
    hook = telegram.sent("setWebhook")[-1]
    assert hook["url"] == "https://bot.example.gov.vn/telegram/webhook"
    assert hook["secret_token"] == SECRET
    assert json.loads(hook["allowed_updates"]) == ["message", "callback_query"]


def _update(telegram: FakeTelegram, update_id: int, chat: int, text: str) -> dict:
    return {"update_id": update_id, **telegram.user_message(chat, text)}


@pytest.mark.parametrize("headers", [{}, {"X-Telegram-Bot-Api-Secret-Token": "wrong"},
                                     {"X-Telegram-Bot-Api-Secret-Token": SECRET + "x"},
                                     {"X-Telegram-Bot-Api-Secret-Token": ""}])
def test_webhook_refuses_a_missing_or_wrong_secret(webhook, telegram, rasa, headers):
    chat = 2001
    r = requests.post(webhook.url + "/telegram/webhook", json=_update(telegram, 900, chat, "giả mạo"), headers=headers)
    assert r.status_code == 403
    assert rasa.messages(f"tg-{chat}") == [] and telegram.sent("sendMessage", chat) == []


def test_webhook_with_the_right_secret_is_answered(webhook, telegram, rasa):
    chat = 2002
    r = requests.post(webhook.url + "/telegram/webhook", json=_update(telegram, 901, chat, "xin chào"),
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.ok
    assert wait_for(lambda: telegram.sent("sendMessage", chat))[0]["text"] == "Đã nhận: xin chào"
    assert rasa.messages(f"tg-{chat}") == ["xin chào"]


def test_webhook_rejects_garbage_after_the_secret_check(webhook):
    r = requests.post(webhook.url + "/telegram/webhook", data=b"not json",
                      headers={"X-Telegram-Bot-Api-Secret-Token": SECRET})
    assert r.status_code == 400


REPLY_CHAIN = b'{"message_id": 1, "date": 1, "chat": {"id": 1, "type": "private"}, "reply_to_message": '


def _post_update(url: str, body: bytes, secret: str = SECRET) -> requests.Response:
    return requests.post(url + "/telegram/webhook", data=body,
                         headers={"X-Telegram-Bot-Api-Secret-Token": secret, "Content-Type": "application/json"})


def _good_update_is_still_answered(webhook, telegram, update_id: int, chat: int) -> None:
    r = _post_update(webhook.url, json.dumps(_update(telegram, update_id, chat, "vẫn phục vụ")).encode())
    assert r.ok and wait_for(lambda: telegram.sent("sendMessage", chat))[0]["text"] == "Đã nhận: vẫn phục vụ"


@pytest.mark.parametrize("n, body", enumerate([
    b"not json", b"\xff\xfe", b"[]", b"5", b"null", b"{}", b'{"update_id": "910"}', b'{"update_id": true}',
    b'{"update_id": 910, "message": "junk"}', b'{"update_id": 911, "message": {"text": "thieu chat"}}',
    b"[" * 60_000, b"[" * 30_000 + b"]" * 30_000, b'{"update_id": 912, "message": ' + b"{\"a\": " * 10_000,
    b'{"update_id": 913, "message": ' + REPLY_CHAIN * 500 + b"null" + b"}" * 501,  # 500 replies deep: valid JSON
]), ids=short_id)
def test_webhook_refuses_malformed_updates_and_keeps_serving(webhook, telegram, rasa, caplog, n, body):
    r = _post_update(webhook.url, body)
    assert r.status_code == 400 and r.headers["Cache-Control"] == "no-store"
    assert "Traceback" not in caplog.text and not [rec for rec in caplog.records if rec.levelno >= logging.ERROR]
    _good_update_is_still_answered(webhook, telegram, 1000 + n, 2100 + n)


def test_webhook_refuses_an_oversized_update(webhook, telegram):
    update = _update(telegram, 920, 2201, "x" * 70_000)
    r = _post_update(webhook.url, json.dumps(update).encode())
    assert r.status_code == 413 and telegram.sent("sendMessage", 2201) == []
    _good_update_is_still_answered(webhook, telegram, 921, 2202)


def test_webhook_answers_a_redelivered_update_once(webhook, telegram, rasa):
    chat = 2301
    body = json.dumps(_update(telegram, 930, chat, "gửi lại")).encode()
    for _ in range(3):  # Telegram retries when it did not get our 200 in time
        r = _post_update(webhook.url, body)
        assert r.ok and r.headers["Cache-Control"] == "no-store"
    wait_for(lambda: telegram.sent("sendMessage", chat))
    time.sleep(0.3)
    assert len(telegram.sent("sendMessage", chat)) == 1 and rasa.messages(f"tg-{chat}") == ["gửi lại"]


def test_webhook_updates_are_answered_once_across_gateway_processes(rasa, tmp_path):
    fake = FakeTelegram(TOKEN)
    env = telegram_env(fake, TELEGRAM_MODE="webhook", TELEGRAM_SECRET_TOKEN=SECRET,
                       TELEGRAM_WEBHOOK_URL="https://bot.example.gov.vn/telegram/webhook")
    config = load_config(file=tmp_path / "none.yml", env=env, port=0, rasa_url=rasa.url, state_dir=tmp_path)
    chat = 2302
    body = json.dumps(_update(fake, 931, chat, "hai máy")).encode()
    try:
        with BackgroundGateway(config) as one, BackgroundGateway(config) as two:  # behind one load balancer
            assert _post_update(one.url, body).ok and _post_update(two.url, body).ok
            wait_for(lambda: fake.sent("sendMessage", chat))
            time.sleep(0.3)
        assert len(fake.sent("sendMessage", chat)) == 1 and rasa.messages(f"tg-{chat}") == ["hai máy"]
    finally:
        fake.close()


def test_webhook_unknown_update_types_are_acknowledged_and_ignored(webhook, telegram, rasa):
    chat = 2401
    edited = {**telegram.user_message(chat, "sửa")["message"], "edit_date": int(time.time())}
    post = {**telegram.user_message(-1002401, "tin kênh")["message"], "chat": {"id": -1002401, "type": "channel"}}
    for n, update in enumerate([{"edited_message": edited}, {"channel_post": post}, {"some_future_update": {"x": 1}}]):
        r = _post_update(webhook.url, json.dumps({"update_id": 940 + n, **update}).encode())
        assert r.ok
    _good_update_is_still_answered(webhook, telegram, 945, chat)
    time.sleep(0.3)
    assert [s["text"] for s in telegram.sent("sendMessage", chat)] == ["Đã nhận: vẫn phục vụ"]


def test_webhook_secret_of_stray_bytes_is_refused_cleanly(webhook, telegram, caplog):
    body = json.dumps(_update(telegram, 950, 2501, "giả mạo")).encode()
    conn = RawConnection(webhook.url)
    head = conn.head("POST", "/telegram/webhook", len(body)).replace(b"\r\n\r\n", b"\r\n")
    conn.send(head + b"X-Telegram-Bot-Api-Secret-Token: \xff\xfe" + SECRET.encode() + b"\r\n\r\n" + body)
    status, headers, _ = conn.response()
    conn.close()
    assert status == 403 and headers["cache-control"] == "no-store"
    assert "Traceback" not in caplog.text and telegram.sent("sendMessage", 2501) == []


def test_webhook_mode_needs_a_valid_secret(telegram, tmp_path):
    from bot.gateway.config import ConfigError

    for secret in ("", "has spaces", "x" * 257):
        env = telegram_env(telegram, TELEGRAM_MODE="webhook", TELEGRAM_SECRET_TOKEN=secret,
                           TELEGRAM_WEBHOOK_URL="https://bot.example.gov.vn/telegram/webhook")
        with pytest.raises(ConfigError):
            load_config(file=tmp_path / "none.yml", env=env)
