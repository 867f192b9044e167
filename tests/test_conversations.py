"""End-to-end: the trained model, the real action server and Rasa's REST channel on loopback.

Conversations are data (tests/conversations.yml). A long or empty message, emoji and markup
must always get a reply, never a traceback or an error status.
"""
from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import yaml

from bench.conversations import norm, problems, reply_text, running_assistant, send

pytestmark = pytest.mark.e2e
CASES = yaml.safe_load((Path(__file__).with_name("conversations.yml")).read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def webhook(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("e2e")
    try:
        with running_assistant(tmp) as url:
            yield url, tmp
    except RuntimeError as exc:
        pytest.fail(str(exc))


def post(url: str, sender: str, message: str) -> list[dict]:
    status, messages = send(url, sender, message)
    assert status == 200
    return messages


@pytest.mark.parametrize("conversation", CASES, ids=[c["id"] for c in CASES])
def test_conversation(webhook, conversation):
    url, _ = webhook
    sender = f"test-{conversation['id']}-{uuid.uuid4().hex[:8]}"
    for i, turn in enumerate(conversation["turns"]):
        messages = post(url, sender, turn["say"])
        got = norm(reply_text(messages))
        where = f"{conversation['id']}#{i} {turn['say']!r} -> {got[:400]!r}"
        assert messages and got.strip(), where
        assert "traceback" not in got and "exception" not in got, where
        assert not problems(turn, got), f"{problems(turn, got)}: {where}"


@pytest.mark.parametrize("message", ["", "a" * 5000, "phí " * 2000, "\u0000\u200b", '{"json": true}', "/ask_fee{bad json"])
def test_odd_messages_always_get_a_reply(webhook, message):
    url, _ = webhook
    messages = post(url, f"odd-{uuid.uuid4().hex[:8]}", message)
    assert messages and all("text" in m for m in messages)


def test_a_clicked_button_payload_works(webhook):
    url, _ = webhook
    sender = f"click-{uuid.uuid4().hex[:8]}"
    first = post(url, sender, "thủ tục công nhận điểm du lịch")
    payload = next(b["payload"] for m in first for b in m.get("buttons") or [] if "ask_documents" in b["payload"])
    second = post(url, sender, payload)
    assert "Hồ sơ thủ tục" in reply_text(second)


def test_personal_data_is_not_logged(webhook):
    url, logs = webhook
    post(url, f"pii-{uuid.uuid4().hex[:8]}", "tôi tên Nguyễn Văn A, CCCD 001099012345, sđt 0912345678, hỏi phí karaoke")
    for log in Path(logs).glob("*.log"):
        text = log.read_text(encoding="utf-8", errors="replace")
        assert "001099012345" not in text and "0912345678" not in text, log.name


def test_a_form_from_the_first_question_to_the_download_link(webhook):
    """"Công dân không viết" through Rasa: ask for the form, answer every question (the bot's
    own examples), correct one field, confirm, refuse storage; the link points at a real PDF."""
    import io
    import json

    from pypdf import PdfReader

    from bot.forms import session
    from bot.forms.delivery import FileStore
    from bot.forms.templates import form_for_procedure

    url, workdir = webhook
    sender = f"form-{uuid.uuid4().hex[:8]}"
    got = norm(reply_text(post(url, sender, "điền đơn đề nghị cấp thẻ hướng dẫn viên du lịch nội địa giúp tôi")))
    assert "điền sẵn" in got
    # The same session offline tells which question comes next and accepts the same answers.
    turn = session.start(form_for_procedure("hdv-noi-dia"))
    for _ in range(60):
        if turn.state["phase"] != "filling":
            break
        spec = session.view(turn.state).field(turn.state["asking"])
        answer = "Trần Thị Hường" if spec.profile == "full_name" else spec.example
        turn = session.handle(json.loads(json.dumps(turn.state)), answer)
        got = norm(reply_text(post(url, sender, answer)))
        assert norm(turn.messages[-1]["text"])[:40] in got, (answer, got[:300])
    assert turn.state["phase"] == "confirming" and "trần thị hường" in got
    got = norm(reply_text(post(url, sender, "sửa họ tên")))
    assert "họ" in got and "tên" in got
    assert "trần thị thu hường" in norm(reply_text(post(url, sender, "Trần Thị Thu Hường")))  # the summary again
    assert "lưu" in norm(reply_text(post(url, sender, "đồng ý")))  # may I store your details?
    messages = post(url, sender, "không")  # do not store my details
    final = reply_text(messages)
    assert "/files/" in final and ".pdf" in final and "650" in final
    link = next(m["attachment"]["url"] for m in messages if isinstance(m.get("attachment"), dict)
                and m["attachment"]["url"].endswith(".pdf"))
    token, name = link.split("/files/")[1].split("/")
    path, _ = FileStore(workdir / "forms").find(token, name)
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(path.read_bytes())).pages)
    assert "TRẦN THỊ THU HƯỜNG" in text.upper()
    # The form is closed: the next question is answered normally.
    assert "650000" in norm(reply_text(post(url, sender, "phí cấp thẻ hướng dẫn viên nội địa bao nhiêu")))
