"""Detail questions matched against single facts of the catalog (bot/facts.py)."""
import pytest

from bot.answers import load_replies
from bot.facts import FactIndex, procedure_facts


@pytest.fixture(scope="module")
def facts(catalog):
    replies = load_replies()
    return FactIndex(catalog, replies["documents"]["kinds"], replies["detail"]["labels"])


@pytest.mark.parametrize("question, procedure, expected", [
    # the detail, in the citizen's words, with or without diacritics
    ("phòng hát phải rộng bao nhiêu", "karaoke", "20 m²"),
    ("phong hat phai rong bn", "karaoke", "20 m²"),
    ("ky quy bn tien ad", "lu-hanh-noi-dia", "20.000.000"),
    ("ảnh cỡ bao nhiêu", "hdv-noi-dia", "3cm x 4cm"),
    ("ielts 5.0 có được không", "hdv-quoc-te", "IELTS 5.5"),
    ("the cap lai dung dc bao lau", "hdv-cap-lai", "thời hạn còn lại"),
    ("vũ trường phải cách trường học bao xa", "vu-truong", "200 m"),
    ("tự đánh giá theo tiêu chuẩn nào", "hang-luu-tru", "TCVN 4391"),
    ("sở ko trả lời thì sao", "trien-lam-thong-bao", "được tổ chức"),
    ("treo băng rôn được bao lâu", "quang-cao-bang-ron", "15 ngày"),
    ("kết quả nhận được là giấy gì vậy", "hang-luu-tru", "Quyết định công nhận"),
    ("nâng cấp lên 4 sao thì Sở có công nhận không", "hang-luu-tru", "trung ương"),
    # a word of the procedure's name is part of the detail asked ("hộ kinh doanh")
    ("hộ kinh doanh có xin được không", "lu-hanh-noi-dia", "hộ kinh doanh không được"),
])
def test_a_detail_is_answered_by_the_fact_that_holds_it(facts, question, procedure, expected):
    found = facts.search(question, procedure)
    assert found.confident, found
    assert any(expected in h.fact.text for h in found.shown()), [h.fact.text for h in found.hits]


@pytest.mark.parametrize("question, procedure", [
    # facet questions: no detail asked, the facet's own answer is given
    ("phí bao nhiêu", "karaoke"), ("phi bn ad", "karaoke"), ("mất mấy ngày", "karaoke"),
    ("hồ sơ gồm những gì", "karaoke"), ("nộp online được không", "thu-vien-thong-bao"),
    # a yes, or a situation that shares a word or two with some fact: never a random fact
    ("đúng rồi", "hang-luu-tru"),
    ("e la sv nganh du lich sap ra truong muon lam the hdv noi dia thi can nhung j a", "hdv-noi-dia"),
    ("cty e moi thanh lap muon xin gp lu hanh noi dia thi can chuan bi j", "lu-hanh-noi-dia"),
    ("anh có biết thời tiết hôm nay không", "karaoke"),
])
def test_no_confident_fact_means_no_detail_answer(facts, question, procedure):
    assert not facts.search(question, procedure).confident


def test_words_naming_a_variant_are_not_details(facts):
    # "nội địa" names the card, it is no detail of the international card's documents.
    assert not facts.search("phí thẻ hdv nội địa", "hdv-quoc-te").confident


def test_a_synonym_never_lowers_confidence(facts):
    # "rộng" is not a catalog word; its synonym "diện tích" is: the fact explains the question.
    found = facts.search("phòng hát rộng bao nhiêu", "karaoke")
    assert found.best.coverage == 1.0


def test_every_kind_of_fact_is_indexed(catalog):
    facets = {f.facet for p in catalog for f in procedure_facts(p)}
    assert {"documents", "conditions", "fees", "processing_time", "submission", "result", "notes",
            "agency", "common_mistakes", "level"} <= facets


def test_uncertain_facts_stay_uncertain(facts):
    # The international card's language condition is doubtful in the research.
    found = facts.search("ielts bao nhiêu", "hdv-quoc-te")
    assert found.confident and "IELTS" in found.best.fact.text and found.best.fact.uncertain


def test_mentions(facts):
    assert facts.mentions("lu-hanh-noi-dia", ("hộ", "kinh", "doanh"))
    assert not facts.mentions("karaoke", ("hộ", "chiếu"))
