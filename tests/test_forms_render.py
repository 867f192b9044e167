"""Every template rendered with sample data: the PDF text read back (pypdf) holds every value
with its diacritics, the font is embedded, and the DOCX holds the same text."""
from __future__ import annotations

import io
import re

import docx
import pypdf
import pytest
from bot.forms import fields as F
from bot.forms.api import render
from bot.forms.checklist import is_form_document
from bot.forms.samples import SAMPLE_DATE, sample_answerer, sample_forms, sample_state
from bot.forms.templates import check_templates, load_templates

FORMS = sample_forms()
IDS = [f.procedure_id for f in FORMS]


@pytest.fixture(scope="module")
def answerer():
    return sample_answerer()


@pytest.fixture(scope="module")
def rendered(answerer):
    return {f.procedure_id: render(sample_state(f), answerer, SAMPLE_DATE) for f in FORMS}


def pdf_text(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def squash(text: str) -> str:
    """Whitespace-insensitive comparison: lines wrap differently in the PDF."""
    return re.sub(r"\s+", "", text)


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        for cell in table._cells:
            parts += [p.text for p in cell.paragraphs]
    return "\n".join(parts)


def test_templates_are_valid_and_cover_catalog_procedures(catalog):
    assert check_templates(catalog=catalog) == []
    assert len(load_templates()) >= 8
    for form in FORMS:
        assert form.procedure_id in catalog


def test_forms_for_the_issue_exist():
    assert {"hdv-noi-dia", "hdv-quoc-te", "hdv-cap-doi", "lu-hanh-noi-dia", "hang-luu-tru", "karaoke",
            "vu-truong", "quang-cao-bang-ron", "bieu-dien-chap-thuan", "bieu-dien-thong-bao"} <= set(IDS)


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_pdf_holds_every_value_and_the_official_layout(form, rendered):
    _, pdf, _, _ = rendered[form.procedure_id]
    text = squash(pdf_text(pdf))
    values = sample_state(form)["values"]
    for spec in form.fields:
        if spec.printed:
            assert squash(F.display(spec, values[spec.key])) in text, spec.key
            assert squash(spec.label) in text, spec.label
    for fixed in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                  "Đắk Lắk, ngày 27 tháng 11 năm 2026", form.title, "Kính gửi:", "Ký", "ghi rõ họ tên"):
        assert squash(fixed) in text, fixed
    assert squash("Nguyễn Thị Hường") in text or squash("NGUYỄN THỊ HƯỜNG") in text
    assert squash("DANH MỤC GIẤY TỜ CẦN CHUẨN BỊ KÈM ĐƠN") in text


def test_diacritics_survive_in_the_pdf(rendered):
    text = pdf_text(rendered["hdv-quoc-te"][1])
    for word in ("NGUYỄN THỊ HƯỜNG", "Nguyễn Thị Hường", "Đắk Lắk", "Nữ", "Trường Đại học Văn hóa Hà Nội",
                 "Tiếng Anh", "Phụ lục", "quốc tế"):
        assert word in text, word


def test_notice_goes_to_the_commune_not_the_department(rendered):
    text = squash(pdf_text(rendered["bieu-dien-thong-bao"][1]))
    assert squash("Kính gửi: Ủy ban nhân dân phường Tân Lập, tỉnh Đắk Lắk") in text
    assert squash("Kính gửi: Sở Văn hóa") not in text


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_font_is_embedded_with_vietnamese_glyphs(form, rendered):
    reader = pypdf.PdfReader(io.BytesIO(rendered[form.procedure_id][1]))
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts[str(font["/BaseFont"])] = font
    assert fonts and all("LiberationSerif" in name for name in fonts)
    for name, font in fonts.items():
        descriptor = font["/FontDescriptor"] if "/FontDescriptor" in font else font["/DescendantFonts"][0].get_object()["/FontDescriptor"]
        assert "/FontFile2" in descriptor.get_object(), f"{name} is not embedded"


@pytest.mark.parametrize("form", FORMS, ids=IDS)
def test_docx_holds_the_same_values(form, rendered):
    _, pdf, data, _ = rendered[form.procedure_id]
    text = docx_text(data)
    values = sample_state(form)["values"]
    for spec in form.fields:
        if spec.printed:
            assert F.display(spec, values[spec.key]) in text, spec.key
    pdf_all = squash(pdf_text(pdf))
    for line in text.splitlines():  # and nothing the PDF lacks (emoji are dropped from the PDF)
        if line.strip() and not line.startswith(("✓", "⚠")):
            assert squash(line) in pdf_all, line


def test_blank_optional_field_is_printed_as_dots(answerer):
    form = next(f for f in FORMS if f.procedure_id == "hdv-noi-dia")
    state = sample_state(form)
    del state["values"]["email"]
    text = pdf_text(render(state, answerer, SAMPLE_DATE)[1])
    assert "Email: ……" in text


def test_checklist_leaves_out_the_form_and_keeps_other_documents(answerer):
    form = next(f for f in FORMS if f.procedure_id == "lu-hanh-noi-dia")
    docs = answerer.catalog.get("lu-hanh-noi-dia").documents.items
    assert [is_form_document(form, d) for d in docs] == [True, False, False, False, False]
    checklist = render(sample_state(form), answerer, SAMPLE_DATE)[3].as_text()
    assert "Giấy chứng nhận ký quỹ kinh doanh dịch vụ lữ hành nội địa" in checklist
    assert "3.000.000 đồng" in checklist and "cần Sở xác nhận lại" in checklist


def test_checklist_fee_follows_the_chosen_rating(answerer):
    form = next(f for f in FORMS if f.procedure_id == "hang-luu-tru")
    state = sample_state(form)
    assert "2.000.000 đồng" in render(state, answerer, SAMPLE_DATE)[3].as_text()
    state["values"]["rating"] = "1 sao"
    text = render(state, answerer, SAMPLE_DATE)[3].as_text()
    assert "1.500.000 đồng" in text and "2.000.000" not in text


def test_checklist_uses_current_fee_and_marks_uncertain_form_number(answerer):
    form = next(f for f in FORMS if f.procedure_id == "karaoke")
    text = render(sample_state(form), answerer, SAMPLE_DATE)[3].as_text()
    assert "1.000.000 đồng/phòng" in text and "4.000.000" not in text  # old schedule ended 04/01/2026
    assert "Mẫu số 01" in text and "chưa được kiểm chứng" in text


def test_uncertain_form_number_is_not_printed_on_the_form(rendered):
    first_page = pypdf.PdfReader(io.BytesIO(rendered["hdv-quoc-te"][1])).pages[0].extract_text()
    assert "Mẫu số 12" not in first_page


def test_every_form_has_a_committed_preview():
    from bot import paths

    for form in FORMS:
        assert (paths.ROOT / "docs" / "forms" / f"{form.procedure_id}-1.png").is_file(), form.procedure_id


def test_forms_check_command(capsys):
    from bot.cli import main

    assert main(["forms", "check"]) == 0
    assert "Forms OK" in capsys.readouterr().out
