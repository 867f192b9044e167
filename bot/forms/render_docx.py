"""FilledDocument -> DOCX bytes (python-docx): the same content as the PDF, editable in Word or
LibreOffice. The font is referenced by name (Times New Roman, as Nghị định 30/2020/NĐ-CP asks);
LibreOffice substitutes the metric-compatible Liberation Serif, so the layout does not shift."""
from __future__ import annotations

import io

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bot.forms.document import FilledDocument

FONT = "Times New Roman"
SIZE = Pt(13)


def _paragraph(doc, text: str = "", bold: bool = False, italic: bool = False, align=None, size=None,
               indent: bool = False, space_after: int = 2):
    p = doc.add_paragraph()
    if text:
        run = p.add_run(text)
        run.bold, run.italic = bold, italic
        if size:
            run.font.size = size
    if align is not None:
        p.alignment = align
    p.paragraph_format.space_after = Pt(space_after)
    if indent:
        p.paragraph_format.first_line_indent = Mm(10)
    return p


def render_docx(filled: FilledDocument) -> bytes:
    """The .docx file's bytes."""
    doc = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin = section.bottom_margin = Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    normal = doc.styles["Normal"]
    normal.font.name, normal.font.size = FONT, SIZE
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    core = doc.core_properties
    core.title = filled.metadata.get("title", "")
    core.subject = filled.metadata.get("subject", "")
    core.author = filled.metadata.get("author", "")

    center, right, justify = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT, WD_ALIGN_PARAGRAPH.JUSTIFY
    _paragraph(doc, filled.national_title, bold=True, align=center, size=Pt(12), space_after=0)
    motto = _paragraph(doc, filled.motto, bold=True, align=center)
    motto.runs[0].underline = True
    _paragraph(doc, filled.place_date, italic=True, align=right, space_after=12)
    if filled.photo_box:
        table = doc.add_table(rows=1, cols=2)
        table.alignment = WD_TABLE_ALIGNMENT.LEFT
        box, title = table.rows[0].cells
        box.width, title.width = Mm(32), Mm(133)
        box.paragraphs[0].add_run(filled.photo_box).font.size = Pt(10)
        box.paragraphs[0].alignment = center
        _borders(box)
        title.paragraphs[0].add_run(filled.title).bold = True
        title.paragraphs[0].alignment = center
    else:
        _paragraph(doc, filled.title, bold=True, align=center, size=Pt(14))
    _paragraph(doc, filled.recipient_line, align=center, space_after=8)
    for item in filled.items:
        if item.heading:
            _paragraph(doc, item.heading, bold=True)
            continue
        p = _paragraph(doc)
        for i, e in enumerate(item.entries):
            prefix = f"{item.number}. " if i == 0 else "; "
            p.add_run(f"{prefix}{e.label}: ")
            p.add_run(e.value or filled.blank)
    _paragraph(doc, filled.request, align=justify, indent=True)
    _paragraph(doc, filled.declaration, align=justify, indent=True, space_after=12)
    table = doc.add_table(rows=1, cols=2)
    left, sign = table.rows[0].cells
    left.width, sign.width = Mm(70), Mm(95)
    sign.paragraphs[0].add_run(filled.signature_title).bold = True
    sign.paragraphs[0].alignment = center
    hint = sign.add_paragraph()
    hint.add_run(filled.signature_hint).italic = True
    hint.alignment = center
    for _ in range(4):
        sign.add_paragraph()
    name = sign.add_paragraph()
    name.add_run(filled.signer).bold = True
    name.alignment = center
    if filled.checklist:
        doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        _paragraph(doc, filled.checklist_heading, bold=True, align=center, size=Pt(14))
        _paragraph(doc, filled.checklist_subtitle, italic=True, align=center, size=Pt(11), space_after=6)
        _paragraph(doc, filled.checklist.title, bold=True)
        for line in filled.checklist.lines:
            _paragraph(doc, line, size=Pt(11))
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _borders(cell) -> None:
    """A thin frame around one table cell (the photo box)."""
    from docx.oxml import OxmlElement

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for edge in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "single")
        el.set(qn("w:sz"), "6")
        el.set(qn("w:color"), "000000")
        borders.append(el)
    tc_pr.append(borders)
