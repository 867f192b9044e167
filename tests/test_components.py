"""The custom Rasa NLU components, run through Rasa's own Message objects."""
import pytest
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.components import NoWordsClassifier, VietnameseTokenizer


def tokens(text, **config):
    tokenizer = VietnameseTokenizer({**VietnameseTokenizer.get_default_config(), **config})
    return tokenizer.tokenize(Message({"text": text}), "text")


def test_text_keeps_diacritics_lemma_is_folded():
    toks = tokens("Phí Thẩm Định")
    assert [t.text for t in toks] == ["phí", "thẩm", "định"]
    assert [t.lemma for t in toks] == ["phi", "tham", "dinh"]


def test_offsets_point_into_the_original_text():
    text = "Cho hỏi  THẺ hdv"
    for t in tokens(text):
        assert text[t.start:t.end].lower() in (t.text, "hdv")


def test_abbreviations_expand_to_several_tokens_on_the_same_span():
    toks = tokens("thẻ hdv cần j")
    assert [t.text for t in toks] == ["thẻ", "hướng", "dẫn", "viên", "cần", "gì"]
    assert {(t.start, t.end) for t in toks[1:4]} == {(4, 7)}


def test_expansion_can_be_switched_off():
    assert [t.text for t in tokens("thẻ hdv", expand_abbreviations=False)] == ["thẻ", "hdv"]


def test_markup_is_skipped_and_long_input_is_cut():
    assert [t.text for t in tokens("<b onclick='x'>phí</b> thẻ")] == ["phí", "thẻ"]
    assert len(tokens("phí " * 3000)) <= 500 // 4 + 1


def test_emoji_only_gives_no_tokens():
    assert tokens("😀👍!!") == []


@pytest.mark.parametrize("segmenter", ["pyvi", "underthesea"])
def test_word_segmenters_join_compounds(segmenter):
    toks = tokens("thủ tục đăng ký lễ hội", segmenter=segmenter)
    assert "thủ_tục" in [t.text for t in toks]
    assert all(" " not in t.text for t in toks)


def test_no_words_classifier_overrides_only_wordless_messages():
    clf = NoWordsClassifier()
    emoji = Message({"text": "😀👍", "intent": {"name": "greet", "confidence": 0.9}})
    words = Message({"text": "chào 😀", "intent": {"name": "greet", "confidence": 0.9}})
    clf.process([emoji, words])
    assert emoji.get("intent")["name"] == "nlu_fallback"
    assert words.get("intent")["name"] == "greet"


def _signals(text: str) -> Message:
    from bot.nlu.components import DossierSignals

    message = Message({"text": text, "intent": {"name": "ask_fee", "confidence": 0.8}})
    DossierSignals().process([message])
    return message


@pytest.mark.parametrize("text", ["000.00.15.H30-210524-0001", "hồ sơ mã 000.00.15.h30 - 210524 - 0001 sao rồi",
                                  "000.00.15.H30 210524 0001 phí bao nhiêu"])
def test_a_dossier_code_anywhere_makes_a_status_lookup(text):
    m = _signals(text)
    assert m.get("intent")["name"] == "ask_dossier_status"
    assert [(e["entity"], e["value"]) for e in m.get("entities")] == [("dossier_code", "000.00.15.H30-210524-0001")]


@pytest.mark.parametrize("text,digits", [("5678", "5678"), ("4 số cuối là 5678 ạ", "5678"),
                                         ("sdt duoi 1234", "1234"), ("cccd của tôi đuôi 0912 nhé", "0912")])
def test_only_four_digits_are_the_second_check(text, digits):
    m = _signals(text)
    assert m.get("intent")["name"] == "inform_last_digits"
    assert m.get("entities")[0]["value"] == digits


@pytest.mark.parametrize("text", ["khách sạn 3 sao năm 2024", "phí 2024 bao nhiêu", "12345", "/ask_fee{\"procedure\":\"karaoke\"}"])
def test_other_numbers_leave_the_intent_alone(text):
    assert _signals(text).get("intent")["name"] == "ask_fee"


def test_the_intent_refiner_replaces_a_misread_intent_and_keeps_the_rest():
    from bot.nlu.components import IntentRefiner

    refiner = IntentRefiner({"confidence": 0.95})
    misread = Message({"text": "lệ phí làm hộ chiếu là bao nhiêu", "intent": {"name": "ask_fee", "confidence": 0.99},
                       "intent_ranking": [{"name": "ask_fee", "confidence": 0.99},
                                          {"name": "out_of_scope", "confidence": 0.01}]})
    right = Message({"text": "phí thẩm định karaoke bao nhiêu", "intent": {"name": "ask_fee", "confidence": 0.99}})
    button = Message({"text": '/ask_time{"procedure":"karaoke"}', "intent": {"name": "ask_time", "confidence": 1.0}})
    refiner.process([misread, right, button])
    assert misread.get("intent") == {"name": "out_of_scope", "confidence": 0.95}
    assert [r["name"] for r in misread.get("intent_ranking")] == ["out_of_scope", "ask_fee"]
    assert right.get("intent")["name"] == "ask_fee" and button.get("intent")["name"] == "ask_time"
