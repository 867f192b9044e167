"""Choosing the form to fill and the chat around the session (bot/forms/intake.py), as the Rasa
form actions use it: JSON state in a slot between turns, files behind an expiring link."""
from __future__ import annotations

import json

import pytest

from bot.dossiers.model import from_dict
from bot.forms.delivery import FileStore
from bot.forms.intake import FormDesk
from bot.forms.profiles import ProfileStore
from bot.forms.session import view
from bot.intents import form_payload


@pytest.fixture()
def desk(dialogue, tmp_path):
    return FormDesk(dialogue, FileStore(tmp_path / "files"), ProfileStore(tmp_path / "profiles.db"),
                    base_url="http://localhost:8080")


def texts(outcome) -> str:
    return "\n".join(m.get("text", "") for m in outcome.messages)


def fill(desk, outcome, conversation=None):
    """Answer every question with the field's example, agree, and refuse storage."""
    for _ in range(80):
        state = json.loads(json.dumps(outcome.state))  # through a slot: JSON only
        if state["phase"] == "filling":
            answer = view(state).field(state["asking"]).example
        elif state["phase"] == "confirming":
            answer = "đồng ý"
        else:
            answer = "không"
        outcome = desk.answer(state, answer, conversation=conversation)
        if outcome.state is None:
            return outcome
    raise AssertionError("the form never finished")


def test_form_named_in_the_message(desk):
    out = desk.start("điền đơn cấp thẻ hướng dẫn viên du lịch quốc tế giúp tôi")
    assert out.state["procedure"] == "hdv-quoc-te" and out.slots == {"procedure": "hdv-quoc-te"}
    assert "Mình sẽ giúp bạn điền sẵn" in texts(out)


def test_form_from_a_button_or_from_the_procedure_discussed(desk):
    assert desk.start("/request_form", entity="karaoke").state["procedure"] == "karaoke"
    assert desk.start("điền đơn giúp tôi", context="hang-luu-tru").state["procedure"] == "hang-luu-tru"


def test_no_procedure_offers_every_fillable_form_as_buttons(desk):
    out = desk.start("điền đơn giúp tôi")
    assert out.state is None
    payloads = [b["payload"] for b in out.messages[0]["buttons"]]
    assert form_payload("hdv-noi-dia") in payloads and len(payloads) == len(desk.with_forms()) >= 8
    assert all(len(p.encode()) <= 64 for p in payloads)  # Telegram's callback_data limit


def test_procedure_without_template_says_so_and_offers_the_others(desk):
    out = desk.start("điền đơn giúp tôi", context="le-hoi-dang-ky")
    assert out.state is None and "chưa có mẫu đơn điền sẵn" in texts(out)


def test_full_form_to_download_links_and_checklist(desk, tmp_path):
    out = fill(desk, desk.start("điền đơn cấp thẻ hướng dẫn viên du lịch nội địa"))
    reply = texts(out)
    assert "http://localhost:8080/files/" in reply and ".pdf" in reply and ".docx" in reply
    attachments = [m["attachment"] for m in out.messages if "attachment" in m]
    assert [a["name"].rsplit(".", 1)[1] for a in attachments] == ["pdf", "docx"]
    token, name = attachments[0]["url"].split("/files/")[1].split("/")
    assert desk.files.find(token, name) is not None
    assert "650.000" in reply  # the checklist carries the fee from the catalog


def test_cancel_closes_the_form(desk):
    out = desk.answer(desk.start("điền đơn karaoke").state, "huỷ")
    assert out.state is None and "Đã huỷ" in texts(out)


def test_answer_without_an_open_form(desk):
    assert "không có đơn nào đang điền" in texts(desk.answer(None, "abc")).lower()


DOSSIER = {"code": "000.00.15.H30-261102-0001", "procedure_id": "hdv-noi-dia",
           "applicant": {"name": "Nguyễn Văn An", "phone": "0912345678", "id_number": "030095001234"},
           "received_at": "2026-11-02", "due_at": "2027-01-15", "status": "dang_xu_ly"}


def test_a_proved_dossier_fills_the_name_only_after_its_cccd_and_phone_are_typed(desk):
    dossier = from_dict(DOSSIER)
    out = desk.start("điền đơn cấp đổi thẻ hướng dẫn viên")
    assert "Văn An" not in texts(out)  # nothing from the dossier before the citizen proves it
    for answer in ("030095001234", "15/3/1990"):
        out = desk.answer(out.state, answer, dossier)
        assert "Văn An" not in texts(out) and "VĂN AN" not in texts(out)
    out = desk.answer(out.state, "0912345678", dossier)
    assert out.state["values"]["full_name"].upper() == "NGUYỄN VĂN AN"


def test_a_wrong_phone_gets_nothing_from_the_dossier(desk):
    dossier = from_dict(DOSSIER)
    out = desk.start("điền đơn cấp đổi thẻ hướng dẫn viên")
    for answer in ("030095001234", "15/3/1990", "0987654321"):
        out = desk.answer(out.state, answer, dossier)
    assert "full_name" not in out.state["values"] and "Văn An" not in texts(out).replace("Nguyễn Thị Hường", "")


def test_other_questions_during_a_form_are_not_printed_on_it(desk):
    state = desk.start("điền đơn karaoke").state
    for message in ('/ask_fee{"procedure":"karaoke"}', "hồ sơ 000.00.15.H30-261102-0001 đến đâu rồi"):
        out = desk.answer(state, message)
        assert "Bạn đang điền" in texts(out) and out.state["values"] == state["values"]


def test_forget_needs_cccd_and_phone_and_answers_the_same_either_way(desk):
    assert "số điện thoại" in texts(desk.forget("xoá thông tin của tôi"))
    desk.profiles.save("001090012345", {"full_name": "Lê Văn Bình", "cccd": "001090012345", "phone": "0912345678"},
                       consent=True)
    wrong = texts(desk.forget("xoá thông tin của tôi 001090012345 0987654321"))
    assert desk.profiles.get("001090012345") is not None  # a stranger with the CCCD only cannot
    right = texts(desk.forget("xoá thông tin của tôi 0010 9001 2345, sđt +84 912 345 678"))
    assert desk.profiles.get("001090012345") is None and right == wrong


def test_forms_answers_offer_to_fill_the_form(dialogue):
    from bot.dialogue import Turn

    out = dialogue.respond(Turn("ask_forms", "mẫu đơn cấp thẻ hướng dẫn viên nội địa"))
    assert form_payload("hdv-noi-dia") in [b.payload for r in out.replies for b in r.buttons]
    out = dialogue.respond(Turn("ask_fee", "phí cấp thẻ hướng dẫn viên nội địa"))
    assert not any("request_form" in b.payload for r in out.replies for b in r.buttons)


def test_only_messages_that_ask_for_a_form_start_one(desk):
    assert desk.asks_for_a_form("điền đơn cấp thẻ hdv giúp tôi") and desk.asks_for_a_form("lam don giup e")
    assert not desk.asks_for_a_form("tôi là việt kiều muốn nghiên cứu sưu tầm dân ca thì phải xin phép không")


def test_forget_deletes_the_conversations_files_and_their_links_answer_404(desk, tmp_path, monkeypatch):
    """"xoá thông tin" also deletes the PDF and DOCX made in this conversation: their download
    links on the gateway answer 404 at once, not 24 h later. Another conversation's stay."""
    import requests

    from bot.gateway import BackgroundGateway, load_config
    from tests.gateway_fakes import FakeRasa

    def links(outcome):
        return [m["attachment"]["url"] for m in outcome.messages if isinstance(m.get("attachment"), dict)]

    mine = links(fill(desk, desk.start("điền đơn karaoke giúp tôi"), conversation="citizen-a"))
    theirs = links(fill(desk, desk.start("điền đơn karaoke giúp tôi"), conversation="citizen-b"))
    assert len(mine) == 2 and len(theirs) == 2
    monkeypatch.setenv("VHTTDL_FILES_DIR", str(tmp_path / "files"))
    rasa = FakeRasa()
    config = load_config(file=tmp_path / "none.yml", env={}, port=0, rasa_url=rasa.url, state_dir=tmp_path)
    try:
        with BackgroundGateway(config) as gw:
            def status(link):
                return requests.get(gw.url + link[len("http://localhost:8080"):], timeout=10).status_code

            assert [status(u) for u in mine + theirs] == [200] * 4
            reply = texts(desk.forget("xoá thông tin của tôi", conversation="citizen-a"))
            assert "số điện thoại" in reply  # the profile still needs its proof; the files did not
            assert [status(u) for u in mine] == [404, 404] and [status(u) for u in theirs] == [200, 200]
    finally:
        rasa.close()
    assert not any((tmp_path / "files" / u.split("/")[-2]).exists() for u in mine)  # gone from disk too
