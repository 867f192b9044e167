"""Replies built from the catalog: Vietnamese amounts, uncertainty, legal basis, dates."""
import datetime as dt
import json
import re

import pytest

from bot.answers import FACETS, Answerer, money
from bot.catalog import Fee


def test_money_uses_vietnamese_grouping():
    assert money(650000) == "650.000"
    assert money(3000000) == "3.000.000"
    assert money(0) == "0"


@pytest.mark.parametrize("pid", ["hdv-noi-dia", "karaoke", "hang-luu-tru", "khai-quat-khan-cap", "bieu-dien-thong-bao"])
@pytest.mark.parametrize("facet", FACETS)
def test_every_facet_of_every_kind_of_entry_renders(answerer, pid, facet):
    reply = answerer.answer(answerer.catalog.get(pid), facet)
    assert reply.text.strip()
    assert "{" not in reply.text and "None" not in reply.text


def test_fee_answer_states_the_amount_and_its_basis(answerer, catalog):
    text = answerer.answer(catalog.get("hdv-quoc-te"), "fees").text
    assert "650.000 đồng/thẻ" in text
    assert "Thông tư 33/2018/TT-BTC" in text
    assert "Thông tin cập nhật ngày 27/11/2026" in text


def test_expired_temporary_reductions_are_not_shown(answerer, catalog):
    text = answerer.answer(catalog.get("hdv-noi-dia"), "fees").text
    assert "650.000" in text and "325.000" not in text


def test_a_recent_fee_change_shows_the_new_fee_and_names_the_old_one(answerer, catalog):
    text = answerer.answer(catalog.get("karaoke"), "fees").text
    new, old = text.index("1.000.000 đồng/phòng"), text.index("Mức cũ, áp dụng đến 04/01/2026")
    assert new < old, "the fee in force comes first"


def test_before_the_change_the_old_fee_is_the_current_one(catalog, answerer):
    before = Answerer(catalog, answerer.department, answerer.replies, today=dt.date(2025, 12, 1))
    text = before.answer(catalog.get("karaoke"), "fees").text
    assert "4.000.000" in text
    assert "Từ 05/01/2026" in text  # the coming change is announced


def test_uncertain_facts_are_marked(answerer, catalog):
    text = answerer.answer(catalog.get("hdv-quoc-te"), "processing_time").text
    assert "cần được Sở xác nhận lại" in text
    docs = answerer.answer(catalog.get("hdv-noi-dia"), "documents").text
    assert "Sơ yếu lý lịch" in docs and "cần được Sở xác nhận lại" in docs  # the list as a whole
    assert "(cần Sở xác nhận lại)" not in docs  # ...is said once, not on every line
    forms = answerer.answer(catalog.get("hdv-noi-dia"), "forms").text.splitlines()
    assert "(cần Sở xác nhận lại)" not in forms[1] and forms[2].endswith("(cần Sở xác nhận lại)")  # one doubtful form


def test_missing_facts_are_not_guessed(answerer, catalog):
    p = catalog.get("khai-quat-khan-cap")
    for facet in ("documents", "fees", "processing_time", "submission"):
        text = answerer.answer(p, facet).text
        assert "chưa có thông tin đã được kiểm chứng" in text
        assert answerer.department.hotline in text
        assert not re.search(r"\d{3}\.\d{3}", text), "no amount may appear"


def test_every_factual_answer_ends_with_basis_and_date(answerer, catalog):
    for p in catalog:
        for facet in FACETS:
            text = answerer.answer(p, facet).text
            if "chưa có thông tin" in text or "không có mẫu đơn riêng" in text:
                continue
            assert f"Thông tin cập nhật ngày {p.verified:%d/%m/%Y}" in text, (p.id, facet)
            if p.legal_basis and facet != "legal_basis":
                assert "Căn cứ:" in text, (p.id, facet)


def test_national_code_is_shown_only_when_confirmed(answerer, catalog):
    assert "1.004623" in answerer.answer(catalog.get("hdv-noi-dia"), "overview").text
    tai_diem = catalog.get("hdv-tai-diem")
    assert tai_diem.code and tai_diem.code_uncertain
    assert tai_diem.code not in answerer.answer(tai_diem, "overview").text


def test_submission_focus_answers_yes_or_no_first(answerer, catalog):
    by_post = answerer.answer(catalog.get("hdv-noi-dia"), "submission", focus="post").text
    assert by_post.startswith("Có, thủ tục này nhận hồ sơ gửi qua dịch vụ bưu chính công ích.")
    assert answerer.department.postal_address in by_post
    online = answerer.answer(catalog.get("karaoke"), "submission", focus="post").text
    assert online.startswith("Theo thông tin mình có, thủ tục này chưa ghi nhận hình thức nộp qua bưu chính.")


def test_notices_sent_to_the_commune_do_not_get_the_departments_address(answerer, catalog):
    text = answerer.answer(catalog.get("bieu-dien-thong-bao"), "submission").text
    assert "cấp xã" in text and answerer.department.centre_address not in text


def test_example_department_details_are_marked(answerer):
    assert answerer.department.example
    assert "(thông tin mẫu)" in answerer.department_info().text


def test_overview_offers_facet_buttons_with_working_payloads(answerer, catalog):
    reply = answerer.answer(catalog.get("hang-luu-tru"), "overview")
    assert "1.500.000" in reply.text and "30 ngày" in reply.text
    payloads = [b.payload for b in reply.buttons]
    assert '/ask_fee{"procedure":"hang-luu-tru"}' in payloads
    for p in payloads:
        intent, entities = re.match(r"^/(\w+)(\{.*\})$", p).groups()
        assert json.loads(entities) == {"procedure": "hang-luu-tru"}
        assert len(p.encode()) <= 64  # fits Telegram's callback_data


def test_compare_lists_each_candidate(answerer, catalog):
    ps = [catalog.get(i) for i in ("lu-hanh-noi-dia", "lu-hanh-noi-dia-cap-doi", "lu-hanh-noi-dia-cap-lai")]
    reply = answerer.compare(ps, "fees")
    for amount in ("3.000.000", "2.000.000", "1.500.000"):
        assert amount in reply.text
    assert [b.title for b in reply.buttons] == [p.short_name for p in ps]


def test_fee_value_formats(answerer):
    assert answerer.fee_value(Fee("x", amount=200000, unit="thẻ")) == "200.000 đồng/thẻ"
    assert answerer.fee_value(Fee("x", amount=1000000, condition="hạng 1 sao")) == "1.000.000 đồng (hạng 1 sao)"
    assert answerer.fee_value(Fee("x", text="theo số phòng", uncertain=True)).endswith("(cần Sở xác nhận lại)")


def test_all_button_payloads_fit_telegram(catalog):
    from bot.intents import FACET_INTENTS, payload

    for p in catalog:
        for facet in FACET_INTENTS:
            assert len(payload(facet, p.id).encode()) <= 64


def test_overview_names_the_first_documents(answerer, catalog):
    text = answerer.answer(catalog.get("hang-luu-tru"), "overview").text
    assert "Đơn đề nghị công nhận hạng" in text and "Bản tự đánh giá" in text and "4 thành phần" in text
