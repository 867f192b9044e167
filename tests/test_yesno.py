"""Yes/no answers in their usual variants (bot/yesno.py), wherever a yes/no question was asked."""
import pytest

from bot.yesno import read_yes_no


@pytest.mark.parametrize("text", ["có", "có chứ", "đồng ý", "ok", "Ok ạ", "ừ", "vâng", "dạ vâng ạ", "dc", "đc",
                                  "uk", "đúng rồi", "yes", "có ạ ad"])
def test_yes(catalog, text):
    assert read_yes_no(text, catalog.lexicon) == "yes"


@pytest.mark.parametrize("text", ["không", "ko", "k", "thôi khỏi", "không cần", "ko phai", "không phải đâu ad",
                                  "chưa", "no"])
def test_no(catalog, text):
    assert read_yes_no(text, catalog.lexicon) == "no"


@pytest.mark.parametrize("text", ["có cần bản gốc không", "ok cảm ơn, còn phí thì sao", "cổ", "khong phai bang ron, "
                                  "la doan xe", "", "   "])
def test_a_question_or_anything_longer_is_not_a_yes_or_no(catalog, text):
    assert read_yes_no(text, catalog.lexicon) is None
