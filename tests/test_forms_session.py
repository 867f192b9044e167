"""Form-filling dialogue as pure functions: asking, validation, correction, skip, cancel, loop
guard, recognition of a returning citizen. The state must survive a JSON round trip each turn
(it lives in a Rasa slot)."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from bot.forms import session as S
from bot.forms.templates import form_for_procedure, load_templates

TODAY = dt.date(2026, 11, 27)


class Chat:
    """Drives a session the way the Rasa action will: JSON state in, JSON state out."""

    def __init__(self, procedure: str, known=None, lookup=None):
        self.lookup = lookup
        self.turn = S.start(form_for_procedure(procedure), known, TODAY)

    def say(self, text: str) -> str:
        state = json.loads(json.dumps(self.turn.state))
        self.turn = S.handle(state, text, lookup=self.lookup, today=TODAY)
        return self.text

    @property
    def text(self) -> str:
        return "\n".join(m["text"] for m in self.turn.messages)

    @property
    def asking(self):
        return self.turn.state["asking"]

    @property
    def values(self):
        return self.turn.state["values"]


def answer_all(chat: Chat, overrides=None) -> None:
    """Answer every question with the field's example (or an override) until the summary."""
    form = S.view(chat.turn.state)
    for _ in range(60):
        if chat.turn.status != "filling":
            return
        spec = form.field(chat.asking)
        chat.say((overrides or {}).get(spec.key, spec.example))
    raise AssertionError("the form never finished")


def test_starts_with_identity_fields_and_explains_commands():
    chat = Chat("hdv-noi-dia")
    assert chat.turn.status == "filling"
    assert chat.asking == "cccd"  # ask_first: recognise a returning citizen early
    assert "bỏ qua" in chat.text and "huỷ" in chat.text and "Ví dụ: 001190012345" in chat.text
    assert chat.values == {"card_type": "nội địa"}  # fixed by the procedure, never asked


def test_fixed_values_and_fields_per_procedure():
    domestic = form_for_procedure("hdv-noi-dia")
    international = form_for_procedure("hdv-quoc-te")
    assert "languages" not in [f.key for f in S.askable(domestic)]
    assert "languages" in [f.key for f in S.askable(international)]
    assert "card_type" not in [f.key for f in S.askable(international)]


def test_valid_answers_are_normalised_and_next_field_asked():
    chat = Chat("hdv-noi-dia")
    chat.say("0011 9001 2345")
    assert chat.values["cccd"] == "001190012345" and chat.asking == "birth_date"
    chat.say("15 tháng 3 năm 1990")
    assert chat.values["birth_date"] == "1990-03-15" and chat.asking == "phone"  # identity first
    chat.say("+84 912 345 678")
    assert chat.values["phone"] == "0912345678" and chat.asking == "full_name"


def test_fullwidth_digits_are_read_as_digits():
    """"００１１…" from a phone keyboard in a CJK input mode: the same CCCD, an ASCII one on the form."""
    chat = Chat("hdv-noi-dia")
    chat.say("００１１ ９００１ ２３４５")
    assert chat.values["cccd"] == "001190012345" and chat.asking == "birth_date"
    chat.say("１５/０３/１９９０")
    assert chat.values["birth_date"] == "1990-03-15"
    chat.say("０９１２ ３４５ ６７８")
    assert chat.values["phone"] == "0912345678"


def test_invalid_answer_explains_and_asks_again():
    chat = Chat("hdv-noi-dia")
    text = chat.say("12345")
    assert "12 chữ số" in text and "bạn vừa nhập 5" in text
    assert chat.asking == "cccd" and "cccd" not in chat.values
    assert chat.turn.state["failures"] == {"cccd": 1}


def test_full_form_to_consent_and_complete():
    chat = Chat("hdv-noi-dia")
    answer_all(chat)
    assert chat.turn.status == "confirming"
    assert "NGUYỄN THỊ HƯỜNG" in chat.text and "15/03/1990" in chat.text and "đồng ý" in chat.text
    assert [b["title"] for b in chat.turn.messages[-1]["buttons"]] == ["Đồng ý", "Sửa thông tin", "Huỷ"]
    chat.say("dong y")
    assert chat.turn.status == "consent" and "xoá thông tin của tôi" in chat.text
    chat.say("có")
    assert chat.turn.status == "complete" and chat.turn.state["consent"] is True and chat.turn.done


def test_unaccented_dung_means_yes_at_confirmation():
    chat = Chat("bieu-dien-thong-bao")
    answer_all(chat)
    chat.say("dung")
    assert chat.turn.status == "consent"
    chat.say("khong")
    assert chat.turn.status == "complete" and chat.turn.state["consent"] is False


def test_correction_by_name_reasks_that_field_then_resumes():
    chat = Chat("hdv-noi-dia")
    chat.say("001190012345")
    chat.say("15/3/1990")
    chat.say("0912345678")
    chat.say("Nguyễn Thị Hường")
    text = chat.say("sửa ngày sinh")
    assert chat.asking == "birth_date" and "15/03/1990" in text  # shows the current value
    chat.say("16/3/1990")
    assert chat.values["birth_date"] == "1990-03-16"
    assert chat.asking == "gender"  # back where it was


def test_correction_with_value_from_summary_without_diacritics():
    chat = Chat("hdv-noi-dia")
    answer_all(chat)
    text = chat.say("sua so dien thoai thanh 0987 654 321")
    assert chat.values["phone"] == "0987654321"
    assert chat.turn.status == "confirming" and "0987 654 321" in text


def test_correction_with_invalid_value_shows_error_and_asks():
    chat = Chat("hdv-noi-dia")
    answer_all(chat)
    text = chat.say("đổi email thành abc")
    assert "email chưa đúng" in text and chat.asking == "email" and chat.turn.status == "filling"
    chat.say("a@b.vn")
    assert chat.turn.status == "confirming" and chat.values["email"] == "a@b.vn"


def test_correction_without_field_offers_buttons():
    chat = Chat("hdv-noi-dia")
    answer_all(chat)
    chat.say("Sửa thông tin")
    assert chat.turn.status == "choose_correction"
    titles = [b["title"] for b in chat.turn.messages[-1]["buttons"]]
    assert "Ngày sinh" in titles and "Điện thoại" in titles
    chat.say("sửa Ngày sinh")
    assert chat.asking == "birth_date"


def test_ambiguous_field_name_lists_the_candidates():
    chat = Chat("lu-hanh-noi-dia")
    answer_all(chat)
    chat.say("sửa điện thoại")
    titles = [b["title"] for b in chat.turn.messages[-1]["buttons"]]
    assert sorted(titles) == ["Điện thoại — Người đại diện theo pháp luật", "Điện thoại — Thông tin doanh nghiệp"]
    chat.say(next(b["payload"] for b in chat.turn.messages[-1]["buttons"] if "Người đại diện" in b["title"]))
    assert chat.asking == "representative_phone"


def test_accented_word_that_looks_like_a_verb_is_an_answer():
    chat = Chat("hdv-noi-dia")
    for text in ("001190012345", "15/3/1990", "0912345678", "Nguyễn Thị Hường", "Nữ", "bỏ qua", "bỏ qua"):
        chat.say(text)
    assert chat.asking == "permanent_address"
    chat.say("Đội 5, thôn Ea Tiêu, xã Cư Êbur, tỉnh Đắk Lắk")
    assert chat.values["permanent_address"].startswith("Đội 5")


def test_skip_optional_field():
    chat = Chat("hdv-noi-dia")
    for text in ("001190012345", "15/3/1990", "0912345678", "Nguyễn Thị Hường", "Nữ"):
        chat.say(text)
    assert chat.asking == "cccd_issue_date"
    text = chat.say("bo qua")
    assert "cccd_issue_date" in chat.turn.state["skipped"] and "để trống" in text
    assert chat.asking == "cccd_issue_place"


def test_required_field_cannot_be_skipped():
    chat = Chat("hdv-noi-dia")
    text = chat.say("bỏ qua")
    assert "bắt buộc" in text and chat.asking == "cccd" and not chat.turn.state["skipped"]


@pytest.mark.parametrize("word", ["huỷ", "Hủy", "huy", "thôi", "dừng lại", "/cancel"])
def test_cancel_forgets_everything(word):
    chat = Chat("hdv-noi-dia")
    chat.say("001190012345")
    text = chat.say(word)
    assert chat.turn.status == "cancelled" and chat.turn.done
    assert chat.values == {} and "Đã huỷ" in text
    assert S.handle(chat.turn.state, "15/3/1990").messages == []  # a finished session ignores input


def test_loop_guard_required_field_explains_then_stops():
    chat = Chat("hdv-noi-dia")
    first = chat.say("abc")
    assert "Cách nhập" not in first
    second = chat.say("abc")
    assert "Cách nhập" in second and "12 chữ số" in second and "huỷ" in second
    assert [b["title"] for b in chat.turn.messages[-1]["buttons"]] == ["Huỷ"]  # required: no skip
    chat.say("abc")
    assert chat.turn.status == "filling"
    text = chat.say("abc")
    assert chat.turn.status == "stopped" and chat.turn.done and chat.values == {}
    assert "tạm dừng" in text and "0200 123 4567" in text


def test_loop_guard_optional_field_offers_skip_then_skips():
    chat = Chat("hdv-noi-dia")
    for text in ("001190012345", "15/3/1990", "0912345678", "Nguyễn Thị Hường", "Nữ"):
        chat.say(text)
    chat.say("hôm qua")
    help_text = chat.say("hôm kia")
    assert "bỏ qua" in help_text
    assert [b["title"] for b in chat.turn.messages[-1]["buttons"]] == ["Bỏ qua", "Huỷ"]
    chat.say("không nhớ")
    chat.say("chịu")
    assert "cccd_issue_date" in chat.turn.state["skipped"] and chat.asking == "cccd_issue_place"


def test_loop_guard_bounds_every_field():
    """Whatever garbage is typed, each template ends (stopped or skipped) in a bounded number of turns."""
    for template in load_templates().values():
        for procedure in template.variants:
            chat = Chat(procedure)
            for _ in range(S.GIVE_UP_AFTER * (len(template.fields) + 1)):
                if chat.turn.done or chat.turn.status != "filling":
                    break
                chat.say("???###")
            assert chat.turn.done or chat.turn.status == "confirming", procedure


def test_known_values_are_not_asked_again():
    known = {"full_name": "Nguyễn Thị Hường", "birth_date": "1990-03-15", "phone": "0912345678",
             "cccd": "001190012345", "gender": "Nữ"}
    chat = Chat("hdv-noi-dia", known=known)
    assert "điền sẵn 5 mục" in chat.text
    assert chat.asking == "cccd_issue_date"
    assert set(chat.turn.state["prefilled"]) == {"full_name", "birth_date", "phone", "cccd", "gender"}


def test_returning_citizen_recognised_after_cccd_and_birth_date():
    profile = {"cccd": "001190012345", "birth_date": "1990-03-15", "full_name": "Nguyễn Thị Hường",
               "gender": "Nữ", "permanent_address": "Số 12 đường Lê Lợi, phường Tân Lập, tỉnh Đắk Lắk",
               "phone": "0912345678"}
    calls = []

    def lookup(cccd, proof):
        calls.append((cccd, dict(proof)))
        return profile if proof.get("birth_date") == profile["birth_date"] else None

    chat = Chat("hdv-noi-dia", lookup=lookup)
    chat.say("001190012345")
    assert not calls  # no proof yet: nothing is looked up
    text = chat.say("15/3/1990")
    assert calls == [("001190012345", {"birth_date": "1990-03-15"})]
    assert "nhận ra bạn" in text
    assert chat.values["full_name"] == "Nguyễn Thị Hường" and chat.values["phone"] == "0912345678"
    assert chat.asking == "cccd_issue_date"


def test_wrong_proof_reveals_nothing():
    chat = Chat("hdv-noi-dia", lookup=lambda cccd, proof: None)
    chat.say("001190012345")
    chat.say("16/3/1990")
    text = chat.say("0912345678")
    assert "Mình đã nhận ra bạn" not in text and chat.asking == "full_name"


def test_handle_does_not_mutate_the_given_state():
    chat = Chat("hdv-noi-dia")
    before = json.dumps(chat.turn.state, sort_keys=True)
    S.handle(chat.turn.state, "001190012345", today=TODAY)
    assert json.dumps(chat.turn.state, sort_keys=True) == before


def test_non_text_input_is_handled_politely():
    chat = Chat("hdv-noi-dia")
    for junk in (None, "   ", "<script>alert(1)</script>"):  # a 4th would trip the loop guard
        chat.turn = S.handle(chat.turn.state, junk, today=TODAY)
        assert chat.turn.messages and chat.turn.status == "filling"


def test_profile_values_use_profile_keys():
    chat = Chat("lu-hanh-noi-dia")
    answer_all(chat)
    values = S.profile_values(chat.turn.state)
    assert values["cccd"] == "066190012345" and values["full_name"] == "Nguyễn Thị Hường"
    assert values["company_reg_no"] == "6001234567" and "deposit_amount" not in values


@pytest.mark.parametrize("word", ["thôi huỷ", "thoi huy di", "huỷ đi ạ", "tôi muốn huỷ"])
def test_cancel_with_politeness_words(word):
    chat = Chat("karaoke")
    chat.say(word)
    assert chat.turn.status == "cancelled"
