"""The pre-submission check (bot/precheck.py): walk the documents, then what is missing and what
to check so that the dossier is not sent back for bổ sung."""
from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from bot import precheck


def texts(turn):
    return "\n".join(r.text for r in turn.replies)


def walk(answerer, procedure_id, answers):
    turn = precheck.start(answerer.catalog.get(procedure_id), answerer)
    for answer in answers:
        assert turn.state is not None
        turn = precheck.handle(turn.state, answer, answerer)
    return turn


def test_the_check_asks_each_document_with_three_buttons(answerer):
    procedure = answerer.catalog.get("quang-cao-bang-ron")
    turn = precheck.start(procedure, answerer)
    assert f"{len(procedure.documents.items)} giấy tờ" in texts(turn)
    assert "(1/6)" in texts(turn) and "Văn bản thông báo sản phẩm quảng cáo" in texts(turn)
    assert [b.title for b in turn.replies[-1].buttons] == ["Có rồi", "Chưa có", "Không áp dụng"]
    assert {k: v for k, v in turn.state.items() if k != "documents"} == \
        {"procedure": "quang-cao-bang-ron", "index": 0, "answers": [], "unclear": 0}


def test_missing_documents_and_points_to_check_at_the_end(answerer):
    turn = walk(answerer, "quang-cao-bang-ron", ["Có rồi", "có", "ừ", "chưa có", "Không áp dụng", "ko"])
    assert turn.finished
    summary = texts(turn)
    assert "Bạn đã có 3/5 giấy tờ" in summary
    assert "Ma-két sản phẩm quảng cáo" in summary.split("Còn thiếu:")[1]  # 4th: "chưa có"
    assert "Bản phối cảnh" in summary.split("Còn thiếu:")[1]  # 6th: "ko"
    assert "trước khi thực hiện quảng cáo ít nhất 15 ngày" in summary  # common_mistakes
    assert turn.state["answers"] == ["have", "have", "have", "missing", "na", "missing"]


def test_a_complete_dossier_is_said_complete(answerer):
    turn = walk(answerer, "hdv-cap-doi", ["có rồi"] * 6)
    assert "đủ các giấy tờ" in texts(turn) and "650.000" in texts(turn)


def test_an_unclear_answer_asks_again_then_offers_a_way_out(answerer):
    turn = precheck.start(answerer.catalog.get("karaoke"), answerer)
    turn = precheck.handle(turn.state, "hmm để xem", answerer)
    assert turn.unclear and turn.state["index"] == 0 and "Mình chưa rõ" in texts(turn)
    turn = precheck.handle(turn.state, "lalala", answerer)
    assert "Không áp dụng" in texts(turn) and answerer.department.hotline in texts(turn)


def test_cancel_stops_the_check(answerer):
    turn = precheck.start(answerer.catalog.get("karaoke"), answerer)
    turn = precheck.handle(turn.state, "thôi dừng", answerer)
    assert turn.state is None and "Đã dừng" in texts(turn)


def test_a_doubtful_document_list_is_said_so(answerer):
    turn = precheck.start(answerer.catalog.get("lu-hanh-noi-dia"), answerer)  # documents: uncertain
    assert "chưa được kiểm chứng đầy đủ" in texts(turn)


def test_a_procedure_without_a_verified_list_cannot_be_checked(answerer):
    procedure = next(p for p in answerer.catalog if p.documents is None)
    turn = precheck.start(procedure, answerer)
    assert turn.state is None and answerer.department.hotline in texts(turn)


def test_a_changed_catalog_ends_the_check_politely(answerer):
    turn = precheck.handle({"procedure": "karaoke", "index": 99, "answers": []}, "có", answerer)
    assert turn.state is None and "cập nhật" in texts(turn)
    # the document list was edited after the check started: its answers belong to other documents
    state = precheck.handle(precheck.start(answerer.catalog.get("karaoke"), answerer).state, "có", answerer).state
    turn = precheck.handle({**state, "documents": "0" * 12}, "có", answerer)
    assert turn.state is None and "cập nhật" in texts(turn)


@pytest.mark.parametrize("change", [{"index": "1"}, {"answers": []}, {"answers": ["yes"]}, {"answers": None},
                                    {"unclear": "x"}, {"procedure": None}])
def test_a_state_not_left_by_the_check_ends_it_politely(answerer, change):
    state = precheck.handle(precheck.start(answerer.catalog.get("karaoke"), answerer).state, "có", answerer).state
    assert precheck.handle(state, "có", answerer).state is not None
    turn = precheck.handle({**state, **change}, "có", answerer)
    assert turn.state is None and "cập nhật" in texts(turn)
    assert "cập nhật" in texts(precheck.CheckTurn(None, precheck.reprompt({**state, **change}, answerer)))
    for junk in (None, "text", ["list"]):
        assert precheck.handle(junk, "có", answerer).state is None


def test_the_printable_checklist_is_a_pdf_with_every_document_and_mark(answerer):
    procedure = answerer.catalog.get("karaoke")
    name, pdf = precheck.printable(procedure, ["have", "missing", "na", "have"], answerer, answerer.today)
    assert name == "kiem-tra-ho-so-karaoke.pdf"
    page = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "DANH SÁCH KIỂM TRA HỒ SƠ" in page and "[x] 1. Tờ khai điện tử" in page and "[ ] 2." in page
    assert "Phiếu lý lịch tư pháp" in page and "20 m²" in page


@pytest.mark.parametrize("text, asks", [("kiểm tra giúp hồ sơ của tôi đủ chưa", True), ("check giúp em hồ sơ", True),
                                        ("hồ sơ thế này nộp được chưa", True),
                                        ("cq e vua nhan 1 thung sach voi dia phim, thi co phai lam thu tuc j ko", False)])
def test_only_messages_that_ask_for_a_check_start_one(answerer, text, asks):
    assert precheck.asks_for_a_check(text, answerer) is asks
