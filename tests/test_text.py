from bot.text import MAX_INPUT_CHARS, clean_input, fold, has_words, normalize, words


def test_normalize_unifies_case_whitespace_and_tone_placement():
    assert normalize("  Hoà   BÌNH ") == "hòa bình"
    assert normalize("thuỷ") == normalize("thủy")


def test_normalize_composes_decomposed_input():
    decomposed = "the\u0309 hu\u031bo\u031b\u0301ng"  # "thẻ hướng" typed as NFD
    assert normalize(decomposed) == "thẻ hướng"


def test_fold_removes_diacritics_and_d_stroke():
    assert fold("Đăng ký Hướng dẫn viên") == "dang ky huong dan vien"


def test_words_keep_codes_together():
    assert words("Mã 1.004623, được không?") == ["ma", "1.004623", "duoc", "khong"]


def test_clean_input_strips_markup_and_control_characters():
    assert clean_input("<script>alert(1)</script> phí <b>thẻ</b>\x00 hdv") == "alert(1) phí thẻ hdv"
    assert clean_input("a &amp; b") == "a & b"


def test_clean_input_cuts_long_text_on_a_word_boundary():
    text = "phí thẻ hướng dẫn viên " * 400
    cut = clean_input(text)
    assert len(cut) <= MAX_INPUT_CHARS
    assert not cut.endswith(" ") and text.startswith(cut)


def test_clean_input_accepts_anything():
    assert clean_input(None) == ""
    assert clean_input(42) == ""
    assert clean_input("   ") == ""


def test_has_words():
    assert not has_words("😀👍 ?! ...")
    assert has_words("ok 👍")
    assert has_words("5")
