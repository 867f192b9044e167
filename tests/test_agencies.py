"""Procedures of other agencies (data/agencies.yml, bot/agencies.py)."""
import pytest

from bot.agencies import AgencyError, load_agencies


@pytest.fixture(scope="module")
def agencies(catalog):
    return load_agencies(catalog.lexicon)


@pytest.mark.parametrize("text, agency", [
    ("làm hộ chiếu ở đâu vậy", "ho-chieu"), ("lam ho chieu o dau", "ho-chieu"),
    ("đăng ký kết hôn cần gì", "ho-tich"), ("con lam giay khai sinh cho chau noi thi sao", "ho-tich"),
    ("Xin hỏi làm sổ đỏ cho mảnh đất ông bà để lại thì nộp ở đâu?", "dat-dai"),
    ("con bang lai xe may bi mat thi xin cap lai o dau", "bang-lai-xe"),
    ("so bhxh cua e bi mat, xin cap lai o dau", "bao-hiem-xa-hoi"),
    ("xin phieu ly lich tu phap so 1 o dau vay ad", "ly-lich-tu-phap"),
    ("đăng ký mã số thuế cá nhân ở đâu", "thue"),
    ("visa của bạn tôi sắp hết hạn", "thi-thuc"),
])
def test_other_agencies_procedures_are_recognised(agencies, text, agency):
    found = agencies.match(text)
    assert found is not None and found.agency.id == agency


@pytest.mark.parametrize("text", ["mở quán karaoke cần gì", "thẻ hướng dẫn viên", "hồ sơ thẻ hdv",
                                  "phí thẩm định xếp hạng khách sạn"])
def test_our_procedures_are_not_mistaken_for_theirs(agencies, text):
    assert agencies.match(text) is None


def test_a_word_typed_with_diacritics_must_be_the_same_word(agencies):
    # "hộ chiếu" is a passport; "hồ chiều" is not.
    assert agencies.match("hồ chiều") is None


def test_every_entry_names_its_agency_and_doubtful_ones_are_marked(agencies):
    for a in agencies.agencies:
        assert a.agency and a.keywords, a.id
    # Duties moved in 2025 (driving licences to the police, business registration to Sở Tài chính).
    assert {a.id for a in agencies.agencies if a.uncertain} >= {"bang-lai-xe", "dang-ky-doanh-nghiep", "ho-kinh-doanh"}


def test_a_bad_table_is_refused_with_the_entry(tmp_path, catalog):
    bad = tmp_path / "agencies.yml"
    bad.write_text("agencies:\n  - id: x\n    name: X\n  - id: x\n    name: Y\n    agency: Z\n    keywords: [y]\n"
                   "    colour: red\n", encoding="utf-8")
    with pytest.raises(AgencyError) as err:
        load_agencies(catalog.lexicon, bad)
    assert "agencies[0]: agency, keywords required" in str(err.value)
    assert "unknown field(s) colour" in str(err.value)
