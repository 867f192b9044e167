"""Conversation decisions (no Rasa): follow-ups, choices, confirmations, bad input."""
import pytest

from bot.dialogue import SLOT_CANDIDATES, SLOT_LAST_FACET, SLOT_PENDING_FACET, SLOT_PROCEDURE, Turn


def say(dialogue, intent, text, **slots):
    return dialogue.respond(Turn(intent=intent, text=text, **slots))


def text_of(outcome):
    return "\n".join(r.text for r in outcome.replies)


def buttons_of(outcome):
    return [b for r in outcome.replies for b in r.buttons]


def test_question_naming_a_procedure_is_answered_and_remembered(dialogue):
    out = say(dialogue, "ask_fee", "Cho hỏi phí thẩm định cấp thẻ hướng dẫn viên du lịch quốc tế?")
    assert "650.000 đồng/thẻ" in text_of(out)
    assert out.slots[SLOT_PROCEDURE] == "hdv-quoc-te"
    assert out.slots[SLOT_LAST_FACET] == "fees"


def test_follow_up_without_a_procedure_uses_the_one_in_context(dialogue):
    out = say(dialogue, "ask_time", "thế mất bao lâu?", procedure="hang-luu-tru", last_facet="fees")
    assert "30 ngày" in text_of(out)
    out = say(dialogue, "ask_fee", "còn phí thì sao?", procedure="hang-luu-tru")
    assert "1.500.000" in text_of(out)


def test_follow_up_naming_another_variant_keeps_the_question(dialogue):
    out = say(dialogue, "ask_procedure", "còn thẻ quốc tế thì sao?", procedure="hdv-noi-dia", last_facet="fees")
    assert out.slots[SLOT_PROCEDURE] == "hdv-quoc-te"
    assert "Phí, lệ phí" in text_of(out) and "650.000" in text_of(out)


def test_no_action_stated_answers_the_first_issue_and_offers_the_others(dialogue):
    out = say(dialogue, "ask_procedure", "giấy phép lữ hành")
    assert out.slots[SLOT_PROCEDURE] == "lu-hanh-noi-dia"
    titles = " ".join(b.title for b in buttons_of(out))
    assert "Cấp đổi" in titles and "Cấp lại" in titles


def test_ambiguous_question_offers_choices_and_a_typed_variant_picks_one(dialogue):
    out = say(dialogue, "ask_documents", "hồ sơ làm thẻ hdv")
    offered = out.slots[SLOT_CANDIDATES]
    assert set(offered) == {"hdv-noi-dia", "hdv-quoc-te", "hdv-tai-diem"}
    assert out.slots[SLOT_PENDING_FACET] == "documents"
    assert all(b.payload.startswith('/ask_documents{"procedure":') for b in buttons_of(out))

    out = say(dialogue, "ask_procedure", "quốc tế", candidates=tuple(offered), pending_facet="documents")
    assert out.slots[SLOT_PROCEDURE] == "hdv-quoc-te"
    assert text_of(out).startswith("Hồ sơ thủ tục")


def test_a_typed_variant_of_the_same_group_is_accepted_even_if_not_offered(dialogue):
    offered = ("hdv-noi-dia", "hdv-quoc-te", "hdv-tai-diem")
    out = say(dialogue, "ask_procedure", "cấp đổi", candidates=offered, pending_facet="documents")
    assert out.slots[SLOT_PROCEDURE] == "hdv-cap-doi"


def test_a_choice_can_be_made_by_number(dialogue):
    offered = ("le-hoi-dang-ky", "le-hoi-thong-bao")
    out = say(dialogue, "ask_procedure", "2", candidates=offered, pending_facet="documents")
    assert out.slots[SLOT_PROCEDURE] == "le-hoi-thong-bao"


def test_fee_question_on_an_ambiguous_subject_compares_fees(dialogue):
    out = say(dialogue, "ask_fee", "phí thẻ hdv bao nhiêu")
    assert "650.000" in text_of(out) and "200.000" in text_of(out)
    assert len(buttons_of(out)) >= 3


def test_button_payload_entity_is_answered_directly(dialogue):
    out = say(dialogue, "ask_fee", '/ask_fee{"procedure":"karaoke"}', entity_procedure="karaoke")
    assert "1.000.000 đồng/phòng" in text_of(out)


def test_unknown_payload_entity_is_ignored_safely(dialogue):
    out = say(dialogue, "ask_fee", '/ask_fee{"procedure":"khong-co"}', entity_procedure="khong-co")
    assert out.replies and "Traceback" not in text_of(out)


def test_weak_match_asks_for_confirmation_and_yes_answers(dialogue):
    out = say(dialogue, "ask_fee", "phí cổ vật")
    if out.slots.get(SLOT_CANDIDATES) and len(out.slots[SLOT_CANDIDATES]) == 1:
        out = say(dialogue, "affirm", "đúng rồi", candidates=tuple(out.slots[SLOT_CANDIDATES]), pending_facet="fees")
        assert out.slots[SLOT_PROCEDURE]


def test_affirm_after_a_suggestion_answers_it(dialogue):
    out = say(dialogue, "affirm", "đúng rồi", candidates=("hang-luu-tru",), pending_facet="fees")
    assert "1.500.000" in text_of(out)


def test_deny_clears_the_pending_question(dialogue):
    out = say(dialogue, "deny", "không phải", candidates=("hang-luu-tru",), pending_facet="fees")
    assert out.slots == {SLOT_PENDING_FACET: None, SLOT_CANDIDATES: None}


def test_question_without_procedure_and_without_context_asks_which(dialogue):
    out = say(dialogue, "ask_fee", "phí bao nhiêu?")
    assert "thủ tục nào" in text_of(out)
    assert out.slots[SLOT_PENDING_FACET] == "fees"
    # ...and the next message naming a procedure gets the fee, not an overview.
    out = say(dialogue, "ask_procedure", "thẻ hdv quốc tế", pending_facet="fees")
    assert "650.000" in text_of(out) and "Phí, lệ phí" in text_of(out)


def test_where_to_submit_without_a_procedure_gives_the_one_stop_centre(dialogue, answerer):
    out = say(dialogue, "ask_submission", "nộp hồ sơ trực tiếp ở đâu vậy")
    assert answerer.department.centre_address in text_of(out) and "bưu chính" in text_of(out)
    # A general question gets a general answer, not "which procedure?" back.
    assert "của thủ tục nào" not in text_of(out) and buttons_of(out)


def test_other_agencies_procedures_are_not_mistaken_for_ours(dialogue):
    out = say(dialogue, "ask_fee", "phí làm hộ chiếu bao nhiêu", procedure="karaoke")
    assert "không thuộc thẩm quyền" in text_of(out) and "Công an" in text_of(out)
    assert "1.000.000" not in text_of(out) and SLOT_PROCEDURE not in out.slots


@pytest.mark.parametrize("text", ["", "   ", "😀😀", "<b></b>", "???"])
def test_bad_input_gets_a_polite_reply(dialogue, text):
    out = say(dialogue, "ask_fee", text)
    assert "Mình chưa đọc được nội dung tin nhắn" in text_of(out)


def test_long_input_is_cut_and_still_answered(dialogue):
    out = say(dialogue, "ask_fee", "phí cấp thẻ hướng dẫn viên du lịch quốc tế " + "x" * 5000)
    assert "650.000" in text_of(out)


def test_html_is_ignored(dialogue):
    out = say(dialogue, "ask_fee", "<script>alert(1)</script>phí cấp thẻ hdv quốc tế")
    assert "650.000" in text_of(out) and "<script>" not in text_of(out)


def test_fallback_still_answers_a_clear_procedure_name(dialogue):
    out = dialogue.fallback(Turn(intent="nlu_fallback", text="karaoke tăng phòng"))
    assert out.slots[SLOT_PROCEDURE] == "karaoke-dieu-chinh"
    out = dialogue.fallback(Turn(intent="nlu_fallback", text="asdf qwer"))
    assert "chưa hiểu rõ" in text_of(out) and buttons_of(out)


def test_contact_focus(dialogue, answerer):
    d = answerer.department
    assert d.working_hours in text_of(dialogue.contact(Turn("ask_contact", "Sở làm việc mấy giờ?")))
    hotline = text_of(dialogue.contact(Turn("ask_contact", "cho xin số điện thoại của sở")))
    assert d.hotline in hotline and d.working_hours not in hotline


def test_out_of_scope_offers_help(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "cho mình đặt vé máy bay đi Đà Nẵng"))
    assert "ngoài phạm vi" in text_of(out) and "650.000" not in text_of(out)


def test_out_of_scope_naming_a_procedure_offers_it(dialogue):
    out = dialogue.out_of_scope(Turn("out_of_scope", "hỏi về quán karaoke"))
    assert "ngoài phạm vi" in text_of(out)
    assert [b.payload for b in buttons_of(out)] == ['/ask_procedure{"procedure":"karaoke"}']
    # ...but not a procedure that only shares some words with another subject.
    out = dialogue.out_of_scope(Turn("out_of_scope", "xin giấy phép xây dựng nhà ở riêng lẻ"))
    assert "tượng đài" not in " ".join(b.title for b in buttons_of(out))


def test_out_of_scope_naming_a_procedure_with_a_question_word_is_answered(dialogue):
    # The model sometimes calls a clear procedure question off-topic: the question word decides.
    out = dialogue.out_of_scope(Turn("out_of_scope", "hồ sơ công nhận hạng biệt thự du lịch"))
    assert out.slots[SLOT_PROCEDURE] == "hang-luu-tru" and "tự đánh giá" in text_of(out)
    out = dialogue.out_of_scope(Turn("out_of_scope", "le phi cap giay phep karaoke"))
    assert out.slots[SLOT_PROCEDURE] == "karaoke" and "ngoài phạm vi" not in text_of(out)
    # A price that is not a fee of the department stays off-topic.
    out = dialogue.out_of_scope(Turn("out_of_scope", "giá hát karaoke bao nhiêu một giờ"))
    assert "ngoài phạm vi" in text_of(out)


def test_fallback_answers_the_detail_asked_plainly(dialogue):
    out = dialogue.fallback(Turn(intent="nlu_fallback", text="karaoke mẫu đơn"))
    assert out.slots[SLOT_LAST_FACET] == "forms"


def test_variant_named_in_a_follow_up_stays_in_the_group_under_discussion(dialogue):
    out = say(dialogue, "ask_procedure", "thế cấp đổi thì sao", procedure="lu-hanh-noi-dia", last_facet="fees")
    assert out.slots[SLOT_PROCEDURE] == "lu-hanh-noi-dia-cap-doi" and "2.000.000" in text_of(out)


def test_follow_up_marker_keeps_the_facet_when_the_model_is_unsure(dialogue):
    out = say(dialogue, "ask_documents", "còn tăng thêm phòng thì sao", procedure="karaoke-dieu-chinh",
              last_facet="fees", confidence=0.7)
    assert "Phí, lệ phí" in text_of(out)


def test_a_follow_up_with_stray_words_stays_with_the_procedure_discussed(dialogue):
    # "trường học" also names a library procedure; the conversation is about a dance hall.
    out = say(dialogue, "ask_conditions", "phải cách trường học bao xa", procedure="vu-truong", last_facet="fees")
    assert out.slots[SLOT_PROCEDURE] == "vu-truong"
    out = say(dialogue, "ask_legal_basis", "văn bản pháp lý nào quy định", procedure="le-hoi-dang-ky")
    assert out.slots[SLOT_PROCEDURE] == "le-hoi-dang-ky"
    # ...while a message that names another procedure outright switches to it.
    out = say(dialogue, "ask_procedure", "còn karaoke thì sao", procedure="vu-truong", last_facet="fees")
    assert out.slots[SLOT_PROCEDURE] == "karaoke"


def test_contact_question_that_names_a_procedure_answers_the_procedure(dialogue):
    out = dialogue.contact(Turn("ask_contact", "Khách sạn 4 sao thì Sở có công nhận hạng không?"))
    assert out.slots[SLOT_PROCEDURE] == "hang-luu-tru" and "trung ương" in text_of(out)
    out = dialogue.contact(Turn("ask_contact", "số điện thoại của sở là gì"))
    assert SLOT_PROCEDURE not in out.slots


def test_a_facet_without_verified_facts_still_gives_what_is_known(answerer, catalog):
    procedure = next(p for p in catalog if not p.conditions or not p.conditions.items)
    reply = answerer.answer(procedure, "conditions").text
    assert "chưa có thông tin đã được kiểm chứng" in reply and "Những gì mình biết" in reply


def test_bot_challenge_that_is_really_a_procedure_question(dialogue):
    out = dialogue.bot_challenge(Turn("bot_challenge", "bạn là người hay máy"))
    assert "trợ lý tự động" in text_of(out)
    out = dialogue.bot_challenge(Turn("bot_challenge", "ai ra quyết định công nhận", procedure="diem-du-lich"))
    assert out.slots[SLOT_PROCEDURE] == "diem-du-lich"


def test_affirm_or_deny_that_is_really_a_question_is_answered(dialogue):
    out = say(dialogue, "deny", "clb mỹ thuật muốn triển lãm tranh không bán thì có phải xin phép không")
    assert out.slots.get(SLOT_PROCEDURE, "").startswith("trien-lam")
    out = say(dialogue, "affirm", "vâng")
    assert SLOT_PROCEDURE not in out.slots


def test_a_new_question_right_after_a_choice_keeps_the_choice(dialogue):
    offered = ("bieu-dien-chap-thuan", "bieu-dien-thong-bao")
    out = say(dialogue, "ask_time", "mất bao lâu", candidates=offered, pending_facet="documents")
    assert [b.payload for b in buttons_of(out)] or "ngày" in text_of(out)
    assert out.slots[SLOT_CANDIDATES] == list(offered)


def test_unrelated_procedures_tied_on_common_words_are_not_offered(dialogue):
    out = say(dialogue, "ask_fee", "lam ho chieu online phi bn")
    assert "1.000.000" not in text_of(out) and "1000000" not in text_of(out)


def test_an_address_question_about_a_procedure_gets_its_submission(dialogue):
    out = dialogue.contact(Turn("ask_contact", "cty đổi địa chỉ trụ sở thì gcn đủ đk kd thể thao phải làm lại ko"))
    assert out.slots[SLOT_PROCEDURE].startswith("the-thao")
    out = dialogue.contact(Turn("ask_contact", "địa chỉ của sở ở đâu"))
    assert SLOT_PROCEDURE not in out.slots


def test_small_talk_with_a_question_word_does_not_answer_the_procedure_discussed(dialogue):
    out = dialogue.bot_challenge(Turn("bot_challenge", "bạn là ai thế nào", procedure="karaoke"))
    assert "trợ lý tự động" in text_of(out) and SLOT_PROCEDURE not in out.slots
