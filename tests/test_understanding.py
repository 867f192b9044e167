"""Issue 9's understanding: in scope beats out of scope, detail questions, catalogue-wide
questions, other agencies, the dossier and form hand-over to Q&A, yes/no variants, advice on
supplements. All through bot.dialogue, without Rasa."""
from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from bot.dialogue import SLOT_CANDIDATES, SLOT_PROCEDURE, Turn
from bot.dossiers.importer import parse_records, read_records
from bot.dossiers.sqlite_source import SqliteSource

FIXTURE = Path(__file__).parent / "data" / "dossiers.json"


def text_of(outcome):
    return "\n".join(r.text for r in outcome.replies)


def buttons_of(outcome):
    return [b for r in outcome.replies for b in r.buttons]


@pytest.fixture(scope="module")
def dossiers(tmp_path_factory):
    store = SqliteSource(tmp_path_factory.mktemp("dossiers") / "dossiers.db")
    store.add_all(parse_records(read_records(FIXTURE)))
    return {code: store.get(code) for code in ("000.00.15.H30-261102-0001", "000.00.15.H30-261105-0002",
                                               "000.00.15.H30-261001-0003", "000.00.15.H30-261110-0004",
                                               "000.00.15.H30-261112-0005")}


# ---------------------------------------------------------------- in scope beats out of scope

@pytest.mark.parametrize("method, intent, text, procedure", [
    ("out_of_scope", "out_of_scope", "Quán karaoke nhà tôi đang có giấy phép 5 phòng, giờ sửa thêm 3 phòng nữa thì có "
                                     "phải xin lại giấy phép không?", "karaoke"),
    ("out_of_scope", "out_of_scope", "Mình có căn homestay 8 phòng ở ngoại ô, muốn được gắn sao cho khách tin tưởng "
                                     "hơn thì làm thủ tục gì?", "hang-luu-tru"),
    ("out_of_scope", "out_of_scope", "Em tính mở phòng gym kinh doanh, nghe nói phải có giấy của Sở Văn hóa Thể thao, "
                                     "đúng không ạ?", "the-thao"),
    ("fallback", "nlu_fallback", "chao ad, e dang tinh mo quan karaoke 5 phong o thi tran, phi tham dinh het bn vay",
     "karaoke"),
])
def test_a_situation_a_procedure_covers_is_answered_whatever_the_model_thought(dialogue, method, intent, text,
                                                                             procedure):
    out = getattr(dialogue, method)(Turn(intent, text))
    assert "ngoài phạm vi" not in text_of(out) and "chưa hiểu" not in text_of(out)
    named = out.slots.get(SLOT_PROCEDURE) or " ".join(out.slots.get(SLOT_CANDIDATES) or ())
    assert procedure in named


def test_small_talk_is_small_talk_but_a_question_inside_it_is_answered(dialogue):
    assert dialogue.small_talk(Turn("thank", "ok cảm ơn ad nhé")) is None
    assert dialogue.small_talk(Turn("greet", "xin chào")) is None
    out = dialogue.small_talk(Turn("goodbye", "the hdv quoc te cua e con 1 thang nua la het han r, gio phai lam sao"))
    assert out is not None and out.slots[SLOT_PROCEDURE] == "hdv-cap-doi"


def test_a_shoppers_question_stays_off_topic(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "giá hát karaoke bao nhiêu một giờ"))
    assert "ngoài phạm vi" in text_of(out)


def test_a_long_situation_naming_nothing_gets_the_procedure_or_a_choice(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "Xin hỏi, đình làng chúng tôi là di tích cấp tỉnh, mái ngói dột "
                                     "nát xuống cấp lắm rồi, xã đang vận động bà con góp tiền trùng tu. Người đứng ra tu "
                                     "bổ có cần chứng chỉ gì không?"))
    assert out.slots.get(SLOT_PROCEDURE) == "tu-bo-di-tich" or "tu-bo-di-tich" in (out.slots.get(SLOT_CANDIDATES) or [])
    # Nothing of ours in it: no procedure, and no situation search guess.
    out = dialogue.out_of_scope(Turn("out_of_scope", "cho mình đặt vé máy bay đi Đà Nẵng cuối tuần này với gia đình nhé"))
    assert "ngoài phạm vi" in text_of(out)


# ---------------------------------------------------------------- details

def test_a_detail_follow_up_is_answered_from_the_procedures_facts(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "phòng hát phải rộng bao nhiêu", procedure="karaoke"))
    assert "20 m²" in text_of(out) and "ngoài phạm vi" not in text_of(out)
    out = dialogue.respond(Turn("ask_conditions", "gần trường học thì phải cách bao xa mới được?", procedure="vu-truong"))
    assert "200 m" in text_of(out)


def test_a_detail_held_by_another_variant_is_answered_from_it(dialogue):
    out = dialogue.respond(Turn("ask_time", "tiền ký quỹ có rút lại được không, bao lâu", procedure="lu-hanh-noi-dia"))
    assert "Thu hồi giấy phép lữ hành nội địa" in text_of(out) and "rút tiền ký quỹ" in text_of(out)
    out = dialogue.respond(Turn("ask_procedure", "chuyển quán karaoke sang địa điểm khác thì làm thủ tục gì"))
    assert "cấp mới" in text_of(out)


def test_a_detail_asked_with_a_facet_word_gets_both(dialogue):
    out = dialogue.respond(Turn("ask_time", "giấy khám sức khỏe nộp kèm hồ sơ đổi thẻ có thời hạn bao lâu",
                                procedure="hdv-cap-doi"))
    assert "10 ngày" in text_of(out) and "06 tháng" in text_of(out)


def test_an_uncertain_fact_keeps_its_mark_in_a_detail_answer(dialogue):
    out = dialogue.respond(Turn("ask_conditions", "ielts bao nhiêu thì được", procedure="hdv-quoc-te"))
    assert "IELTS 5.5" in text_of(out) and "(cần Sở xác nhận lại)" in text_of(out)


def test_a_plain_facet_question_is_not_taken_for_a_detail(dialogue):
    out = dialogue.respond(Turn("ask_fee", "phí bn ad", procedure="karaoke"))
    assert text_of(out).startswith("Phí, lệ phí")


# ---------------------------------------------------------------- the whole catalogue

@pytest.mark.parametrize("text, expected, unexpected", [
    ("thu tuc nao lam online toan trinh dc vay ad", ["toàn trình", "Cấp thẻ hướng dẫn viên nội địa"], ["Cấp giấy phép vũ trường"]),
    ("những thủ tục nào của Sở không mất phí vậy?", ["Thông báo thành lập thư viện", "không thu phí"], ["karaoke"]),
    ("Trong các thủ tục của Sở, thủ tục nào giải quyết nhanh nhất?", ["nhập khẩu văn hóa phẩm", "02 ngày làm việc"], []),
    ("thủ tục nào gửi hồ sơ qua bưu điện được", ["bưu chính", "Cấp giấy phép lữ hành nội địa"], ["Cấp giấy phép karaoke"]),
    ("thủ tục nào nhận kết quả bản điện tử được", ["bản điện tử", "(cần Sở xác nhận lại)"], []),
    ("Thế thủ tục nào giải quyết nhanh nhất?", ["nhập khẩu văn hóa phẩm"], ["câu lạc bộ"]),  # "giải" is no tournament
    ("cho toi hoi noi chung nop ho so cac thu tuc cua so o dau", ["Trung tâm Phục vụ hành chính công"], ["cổ vật"]),
])
def test_catalogue_wide_questions_list_from_the_catalog(dialogue, text, expected, unexpected):
    out = dialogue.respond(Turn("ask_submission", text))
    reply = text_of(out)
    assert "của thủ tục nào" not in reply
    for e in expected:
        assert e in reply, e
    for u in unexpected:
        assert u not in reply, u


def test_general_guidance_without_a_procedure(dialogue):
    out = dialogue.respond(Turn("ask_submission", "Nếu gửi hồ sơ qua bưu điện thì làm thế nào, kết quả có gửi về tận nhà không?"))
    assert "bưu chính" in text_of(out) and "của thủ tục nào" not in text_of(out)
    out = dialogue.fallback(Turn("nlu_fallback", "Kết quả trả bản điện tử thì có giá trị như bản giấy không?"))
    assert "45/2020/NĐ-CP" in text_of(out) and "giá trị pháp lý" in text_of(out)


def test_a_channel_question_about_the_procedure_discussed_is_about_it(dialogue):
    out = dialogue.respond(Turn("ask_submission", "nộp online được không", procedure="hdv-noi-dia"))
    assert "toàn trình" in text_of(out) and "Cấp thẻ hướng dẫn viên nội địa" in text_of(out)
    out = dialogue.respond(Turn("ask_submission", "nhận kết quả qua bưu điện được không", procedure="hdv-noi-dia"))
    assert "nhận kết quả qua dịch vụ bưu chính" in text_of(out) and "(cần Sở xác nhận lại)" in text_of(out)


# ---------------------------------------------------------------- other agencies

@pytest.mark.parametrize("method, intent, text, agency", [
    ("out_of_scope", "out_of_scope", "làm hộ chiếu ở đâu vậy", "xuất nhập cảnh"),
    ("respond", "ask_documents", "đăng ký kết hôn cần gì", "Ủy ban nhân dân cấp xã"),
    ("respond", "ask_submission", "Xin hỏi làm sổ đỏ cho mảnh đất ông bà để lại thì nộp ở đâu?", "đăng ký đất đai"),
    ("contact", "ask_contact", "con bang lai xe may bi mat thi xin cap lai o dau", "Công an"),
])
def test_another_agencys_procedure_points_to_it(dialogue, method, intent, text, agency):
    out = getattr(dialogue, method)(Turn(intent, text))
    reply = text_of(out)
    assert agency in reply and "không thuộc thẩm quyền" in reply and "dichvucong.gov.vn" in reply
    assert "Hồ sơ thủ tục" not in reply and SLOT_PROCEDURE not in out.slots


def test_our_procedure_named_beside_an_agency_keyword_wins(dialogue):
    out = dialogue.respond(Turn("ask_conditions", "hộ kinh doanh có xin được giấy phép lữ hành nội địa không ạ"))
    assert out.slots[SLOT_PROCEDURE] == "lu-hanh-noi-dia" and "doanh nghiệp" in text_of(out)
    out = dialogue.respond(Turn("ask_fee", "muốn tự mở công ty lữ hành nội địa thì phí xin giấy phép là bao nhiêu?"))
    assert "3.000.000" in text_of(out)


def test_an_uncertain_agency_pointer_is_marked(dialogue):
    out = dialogue.respond(Turn("ask_submission", "đổi bằng lái xe ở đâu"))
    assert "(cần Sở xác nhận lại)" in text_of(out)


# ---------------------------------------------------------------- the dossier hand-over

def test_after_a_lookup_questions_about_the_result_use_the_dossier(dialogue, dossiers):
    dossier = dossiers["000.00.15.H30-261102-0001"]  # hdv-noi-dia, due 15/01/2027, result by post
    turn = dict(procedure="hdv-noi-dia", dossier=dossier)
    out = dialogue.respond(Turn("ask_time", "khi nao co ket qua", **turn))
    assert "15/01/2027" in text_of(out) and "bưu chính" in text_of(out)
    out = dialogue.respond(Turn("ask_fee", "ho so nay phi bao nhieu vay", **turn))
    assert "650.000" in text_of(out)


def test_a_supplement_question_uses_the_dossier_and_its_procedures_channels(dialogue, dossiers):
    dossier = dossiers["000.00.15.H30-261105-0002"]  # karaoke, yêu cầu bổ sung; karaoke has no postal channel
    out = dialogue.respond(Turn("ask_submission", "gửi bổ sung qua bưu điện được không", procedure="karaoke",
                                dossier=dossier))
    reply = text_of(out)
    assert "Bản vẽ mặt bằng phòng hát" in reply and "chưa ghi nhận hình thức gửi qua bưu chính" in reply
    assert "thể thao" not in reply  # never another procedure


def test_an_overdue_dossier_gets_an_apology_and_the_hotline(dialogue, dossiers):
    out = dialogue.respond(Turn("ask_time", "tre han vay thi toi phai lam gi", procedure="lu-hanh-noi-dia",
                                dossier=dossiers["000.00.15.H30-261110-0004"]))
    assert "xin lỗi" in text_of(out) and dialogue.answerer.department.hotline in text_of(out)


@pytest.mark.parametrize("status, says, never", [
    ("tu_choi", "không có kết quả để trả", ["đã có kết quả", "xin lỗi", "15/01/2027"]),
    ("da_rut", "không có kết quả để trả", ["đã có kết quả", "xin lỗi"]),
    ("yeu_cau_bo_sung", "có thể được hẹn lại", ["xin lỗi", "đã có kết quả"]),
    ("co_ket_qua", "đã có kết quả", ["xin lỗi", "không có kết quả"]),
    ("dang_xu_ly", "15/01/2027", ["xin lỗi", "đã có kết quả"]),
])
def test_the_result_date_of_a_dossier_is_read_from_its_status(dialogue, dossiers, status, says, never):
    dossier = dataclasses.replace(dossiers["000.00.15.H30-261102-0001"], status=status)
    reply = text_of(dialogue.respond(Turn("ask_time", "khi nao co ket qua", procedure="hdv-noi-dia", dossier=dossier)))
    assert says in reply and not any(n in reply for n in never)


def test_advice_after_a_lookup_is_advice_unless_it_is_about_the_own_dossier(dialogue, dossiers):
    dossier = dossiers["000.00.15.H30-261105-0002"]  # karaoke, yêu cầu bổ sung
    reply = text_of(dialogue.respond(Turn("ask_documents", "làm sao để không bị yêu cầu bổ sung", procedure="karaoke",
                                          dossier=dossier)))
    assert "Bản vẽ mặt bằng phòng hát" not in reply and dossier.code not in reply
    reply = text_of(dialogue.respond(Turn("ask_documents", "vì sao hồ sơ của tôi bị yêu cầu bổ sung", procedure="karaoke",
                                          dossier=dossier)))
    assert "Bản vẽ mặt bằng phòng hát" in reply


def test_another_procedure_named_after_a_lookup_is_answered_as_itself(dialogue, dossiers):
    out = dialogue.respond(Turn("ask_time", "còn giấy phép karaoke thì bao lâu", procedure="hdv-noi-dia",
                                dossier=dossiers["000.00.15.H30-261102-0001"]))
    assert out.slots[SLOT_PROCEDURE] == "karaoke" and "15/01/2027" not in text_of(out)


def test_a_lookup_question_without_code_asks_for_it_and_advice_is_advice(dialogue):
    out = dialogue.respond(Turn("ask_submission", "ad oi ho so the hdv cua e nop thang truoc gio den dau roi a"))
    assert "mã hồ sơ" in text_of(out)
    out = dialogue.respond(Turn("ask_documents", "Dạ hồ sơ nộp lên Sở hay bị trả về bắt bổ sung là do đâu vậy ạ"))
    assert "mã hồ sơ" not in text_of(out) and "bản sao có chứng thực" in text_of(out)
    assert dialogue.dossier_question(Turn("ask_dossier_status", "hồ sơ của tôi đến đâu rồi")) is None


def test_advice_for_the_procedure_discussed_lists_its_points_to_check(dialogue):
    out = dialogue.respond(Turn("ask_documents", "vì sao hồ sơ hay bị yêu cầu bổ sung", procedure="quang-cao-bang-ron"))
    reply = text_of(out)
    assert "15 ngày" in reply and "Ma-két" in reply
    assert any(b.payload.startswith("/check_dossier") for b in buttons_of(out))


# ---------------------------------------------------------------- yes/no variants

@pytest.mark.parametrize("text", ["ừ", "vâng", "dc", "có chứ", "ok", "uk"])
def test_any_usual_yes_accepts_a_suggestion(dialogue, text):
    out = dialogue.respond(Turn("ask_procedure", text, candidates=("hang-luu-tru",), pending_facet="fees"))
    assert "1.500.000" in text_of(out)


@pytest.mark.parametrize("text", ["thôi khỏi", "ko phai", "không cần"])
def test_any_usual_no_declines_it(dialogue, text):
    out = dialogue.respond(Turn("ask_procedure", text, candidates=("hang-luu-tru",), pending_facet="fees"))
    assert out.slots == {"pending_facet": None, "candidates": None}


def test_a_question_with_ko_in_it_is_no_no(dialogue):
    out = dialogue.respond(Turn("deny", "sở ko trả lời thì sao", procedure="trien-lam-thong-bao"))
    assert "được tổ chức" in text_of(out)


def test_a_bare_yes_after_an_answer_offers_what_to_ask_next(dialogue):
    out = dialogue.respond(Turn("affirm", "uk", procedure="hdv-cap-doi"))
    assert "Cấp đổi thẻ hướng dẫn viên" in text_of(out) and len(buttons_of(out)) == 4


# ---------------------------------------------------------------- questions in the middle of a form

def test_a_question_in_the_middle_of_a_form_is_recognised_and_a_field_answer_is_not(dialogue):
    assert dialogue.asks_aside(Turn("ask_fee", "à mà phí bn thế", confidence=0.95))
    assert dialogue.asks_aside(Turn("ask_submission", "nộp online được không?", confidence=0.7))
    assert not dialogue.asks_aside(Turn("ask_procedure", "Hướng dẫn du lịch", confidence=0.99))
    assert not dialogue.asks_aside(Turn("ask_fee", '/ask_fee{"procedure":"karaoke"}', confidence=1.0))
    assert not dialogue.asks_aside(Turn("affirm", "có", confidence=0.99))


# ---------------------------------------------------------------- the intent refiner (NLU)

@pytest.mark.parametrize("text, model, confidence, expected", [
    # a procedure of ours described in a message the model read as off-topic or small talk
    ("Quán karaoke nhà tôi đang có giấy phép 5 phòng, giờ sửa thêm 3 phòng nữa thì có phải xin lại giấy phép "
     "không?", "out_of_scope", 1.0, "ask_procedure"),
    ("cảm ơn, còn phí thẩm định thẻ hướng dẫn viên quốc tế là bao nhiêu", "thank", 0.9, "ask_fee"),
    # another agency's procedure is off-topic whatever the question word
    ("lệ phí làm hộ chiếu là bao nhiêu", "ask_fee", 0.99, "out_of_scope"),
    # a whole-message yes/no
    ("dc", "nlu_fallback", 0.45, "affirm"), ("thôi khỏi", "goodbye", 0.6, "deny"),
    # the citizen's own dossier, and a check before submitting
    ("hồ sơ của tôi đến đâu rồi", "ask_documents", 0.8, "ask_dossier_status"),
    ("kiểm tra giúp hồ sơ karaoke của tôi đủ chưa", "ask_documents", 0.97, "check_dossier"),
    # a question about the whole catalogue
    ("những thủ tục nào không mất phí", "ask_procedure", 0.9, "ask_fee"),
    # a hesitant facet guess yields to the plain question word
    ("giấy phép karaoke mấy hôm là xong", "ask_procedure", 0.6, "ask_time"),
])
def test_the_refiner_corrects_the_model_from_the_messages_own_words(dialogue, text, model, confidence, expected):
    assert dialogue.refine_intent(text, model, confidence) == expected


@pytest.mark.parametrize("text, model, confidence", [
    ("xin cảm ơn sở đã hỗ trợ", "thank", 0.99),  # thanks stay thanks
    ("giá hát karaoke bao nhiêu một giờ", "out_of_scope", 0.9),  # a shopper's question stays off-topic
    ("phí thẩm định karaoke bao nhiêu", "ask_fee", 0.99),  # a right guess is kept
    ("điền giúp em mẫu đơn cấp thẻ hướng dẫn viên", "request_form", 0.93),  # a real form request
    ('/ask_fee{"procedure":"karaoke"}', "ask_fee", 1.0),  # a button
])
def test_the_refiner_keeps_what_the_words_confirm(dialogue, text, model, confidence):
    assert dialogue.refine_intent(text, model, confidence) in (None, model)


# ---------------------------------------------------------------- found in the first run of set 4c

def test_a_distance_follow_up_reads_the_school_kind(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "ma gan do co truong thcs cach tam 150m thi co bi sao ko",
                                     procedure="vu-truong"))
    assert "200 m" in text_of(out)


def test_other_agency_keywords_do_not_name_our_procedures(dialogue):
    out = dialogue.respond(Turn("ask_submission", "Sang tên xong muốn xây lên 3 tầng thì xin giấy phép xây dựng ở Sở được không?"))
    assert "Sở Xây dựng" in text_of(out) and "tượng đài" not in text_of(out).lower() and not buttons_of(out)


def test_a_word_typed_with_other_diacritics_is_another_word_in_situations(dialogue):
    found = dialogue.situations.search("người ta xem bảo đồ thời Lê, nhà em muốn đăng ký với nhà nước cho đàng hoàng")
    assert not found or found[0][0].id != "le-hoi-dang-ky"


@pytest.mark.parametrize("text", ["bao gio e lay dc", "vay bao gio thi xong"])
def test_when_questions_after_a_lookup_give_the_dossiers_date(dialogue, dossiers, text):
    dossier = dossiers["000.00.15.H30-261112-0005"]  # co_ket_qua, due 20/01/2027
    assert dialogue.needs_dossier(text)
    reply = text_of(dialogue.respond(Turn("ask_time", text, procedure=dossier.procedure_id, dossier=dossier)))
    assert "20/01/2027" in reply and "đã có kết quả" in reply


def test_a_question_in_a_check_without_plain_words_is_still_answered(dialogue):
    turn = Turn("nlu_fallback", "so yeu ly lich thi ai xac nhan", procedure="hdv-noi-dia", confidence=0.45)
    assert dialogue.asks_aside(turn, plain_words=False) and not dialogue.asks_aside(turn)
    assert "Ủy ban nhân dân cấp xã" in text_of(dialogue.respond(turn))
