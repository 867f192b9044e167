"""FilledDocument -> PDF bytes, laid out like a Vietnamese administrative form (A4, Times-like
serif 13 pt, margins per Nghị định 30/2020/NĐ-CP: top/bottom 20 mm, left 30 mm, right 15 mm).

reportlab draws the text with Liberation Serif (metric-compatible with Times New Roman, every
Vietnamese letter present), shipped in bot/forms/fonts/ and embedded as a subset in each PDF,
so the file prints the same everywhere and nothing is needed from the operating system.
"""
from __future__ import annotations

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import (Flowable, HRFlowable, KeepTogether, PageBreak, Paragraph, SimpleDocTemplate, Spacer,
                                Table, TableStyle)

from bot.forms.document import FilledDocument

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONTS = {"Regular": "LiberationSerif-Regular.ttf", "Bold": "LiberationSerif-Bold.ttf",
         "Italic": "LiberationSerif-Italic.ttf"}
FAMILY = "LiberationSerif"
SIZE = 13


@functools.lru_cache(maxsize=1)
def register_fonts() -> frozenset[int]:
    """Register the bundled fonts with reportlab once per process; returns the code points the
    regular face can draw."""
    for style, file in FONTS.items():
        pdfmetrics.registerFont(TTFont(f"{FAMILY}-{style}", str(FONT_DIR / file)))
    pdfmetrics.registerFontFamily(FAMILY, normal=f"{FAMILY}-Regular", bold=f"{FAMILY}-Bold",
                                  italic=f"{FAMILY}-Italic", boldItalic=f"{FAMILY}-Bold")
    face = pdfmetrics.getFont(f"{FAMILY}-Regular").face
    return frozenset(face.charToGlyph)


def printable(text: str) -> str:
    """`text` without characters the font cannot draw (chat emoji such as ⚠️ or ✓), XML-escaped
    for reportlab's paragraph markup."""
    glyphs = register_fonts()
    kept = "".join(c for c in text if ord(c) in glyphs or c in "\n\t")
    return escape(" ".join(kept.split()))


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=f"{FAMILY}-Regular", fontSize=SIZE, leading=SIZE * 1.3,
                          alignment=TA_LEFT)
    return {
        "national": ParagraphStyle("national", base, fontName=f"{FAMILY}-Bold", fontSize=12, alignment=TA_CENTER,
                                   leading=15),
        "motto": ParagraphStyle("motto", base, fontName=f"{FAMILY}-Bold", alignment=TA_CENTER, leading=16),
        "date": ParagraphStyle("date", base, fontName=f"{FAMILY}-Italic", alignment=2),  # right
        "title": ParagraphStyle("title", base, fontName=f"{FAMILY}-Bold", fontSize=14, alignment=TA_CENTER,
                                leading=18),
        "recipient": ParagraphStyle("recipient", base, alignment=TA_CENTER, spaceBefore=4, spaceAfter=8),
        "heading": ParagraphStyle("heading", base, fontName=f"{FAMILY}-Bold", spaceBefore=4),
        "line": ParagraphStyle("line", base, spaceAfter=2),
        "body": ParagraphStyle("body", base, alignment=TA_JUSTIFY, firstLineIndent=10 * mm, spaceBefore=4),
        "sign_title": ParagraphStyle("sign_title", base, fontName=f"{FAMILY}-Bold", alignment=TA_CENTER),
        "sign_hint": ParagraphStyle("sign_hint", base, fontName=f"{FAMILY}-Italic", alignment=TA_CENTER),
        "sign_name": ParagraphStyle("sign_name", base, fontName=f"{FAMILY}-Bold", alignment=TA_CENTER),
        "small": ParagraphStyle("small", base, fontSize=11, leading=14.5, spaceAfter=2),
        "small_indent": ParagraphStyle("small_indent", base, fontSize=11, leading=14.5, spaceAfter=2,
                                       leftIndent=6 * mm),
        "small_center": ParagraphStyle("small_center", base, fontName=f"{FAMILY}-Italic", fontSize=11,
                                       alignment=TA_CENTER, spaceAfter=6),
        "box": ParagraphStyle("box", base, fontSize=10, alignment=TA_CENTER, leading=12),
    }


class _PhotoBox(Flowable):
    """The empty 3 x 4 cm frame where the applicant glues a photo."""

    def __init__(self, label: str, style: ParagraphStyle):
        super().__init__()
        self.width, self.height = 30 * mm, 40 * mm
        self.label = Paragraph(printable(label), style)

    def draw(self) -> None:
        self.canv.setStrokeColor(colors.black)
        self.canv.setLineWidth(0.6)
        self.canv.rect(0, 0, self.width, self.height)
        w, h = self.label.wrap(self.width - 4 * mm, self.height)
        self.label.drawOn(self.canv, 2 * mm, (self.height - h) / 2)


def _line(doc: FilledDocument, entries: tuple, number: int | None) -> str:
    parts = []
    for e in entries:
        value = printable(e.value) if e.value else printable(doc.blank)
        parts.append(f"{printable(e.label)}: {value}")
    prefix = f"{number}. " if number is not None else ""
    return prefix + "; ".join(parts)


def _story(doc: FilledDocument) -> list[Flowable]:
    s = _styles()
    story: list[Flowable] = [
        Paragraph(printable(doc.national_title), s["national"]),
        Paragraph(printable(doc.motto), s["motto"]),
        HRFlowable(width=pdfmetrics.stringWidth(doc.motto, f"{FAMILY}-Bold", SIZE), thickness=0.6,
                   color=colors.black, spaceBefore=1, spaceAfter=6),
        Paragraph(printable(doc.place_date), s["date"]),
        Spacer(1, 4 * mm),
    ]
    title = Paragraph(printable(doc.title), s["title"])
    if doc.photo_box:
        table = Table([[_PhotoBox(doc.photo_box, s["box"]), title]], colWidths=[36 * mm, None])
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"), ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                   ("FONTNAME", (0, 0), (-1, -1), f"{FAMILY}-Regular")]))
        story.append(table)
    else:
        story.append(title)
    story.append(Paragraph(printable(doc.recipient_line), s["recipient"]))
    for item in doc.items:
        if item.heading:
            story.append(Paragraph(printable(item.heading), s["heading"]))
        else:
            story.append(Paragraph(_line(doc, item.entries, item.number), s["line"]))
    story += [Paragraph(printable(doc.request), s["body"]), Paragraph(printable(doc.declaration), s["body"]),
              Spacer(1, 2 * mm)]
    signature = [Paragraph(printable(doc.signature_title), s["sign_title"]),
                 Paragraph(printable(doc.signature_hint), s["sign_hint"]), Spacer(1, 18 * mm),
                 Paragraph(printable(doc.signer), s["sign_name"])]
    table = Table([["", signature]], colWidths=[None, 110 * mm])
    # FONTNAME: a Table draws even an empty cell in Helvetica, which is never embedded.
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), f"{FAMILY}-Regular")]))
    story.append(KeepTogether(table))
    if doc.checklist:
        story += [PageBreak(), Paragraph(printable(doc.checklist_heading), s["title"]),
                  Paragraph(printable(doc.checklist_subtitle), s["small_center"]),
                  Paragraph(f"<b>{printable(doc.checklist.title)}</b>", s["line"])]
        story += [Paragraph(printable(line), s["small_indent" if line.startswith(" ") else "small"])
                  for line in doc.checklist.lines if printable(line)]
    return story


def render_pdf(doc: FilledDocument) -> bytes:
    """The PDF file's bytes."""
    register_fonts()
    out = io.BytesIO()
    pdf = SimpleDocTemplate(out, pagesize=A4, leftMargin=30 * mm, rightMargin=15 * mm, topMargin=20 * mm,
                            bottomMargin=20 * mm, title=doc.metadata.get("title", ""),
                            subject=doc.metadata.get("subject", ""), author=doc.metadata.get("author", ""),
                            creator="vhttdl-assistant",
                            # otherwise every page references a non-embedded Helvetica
                            initialFontName=f"{FAMILY}-Regular", initialFontSize=SIZE)
    pdf.build(_story(doc))
    return out.getvalue()


def render_list_pdf(title: str, subtitle: str, lines: list[str], note: str = "") -> bytes:
    """A one-page printable list (the pre-submission checklist, bot/precheck.py) in the same
    embedded font as the forms."""
    register_fonts()
    s = _styles()
    story: list[Flowable] = [Paragraph(printable(title), s["title"]), Paragraph(printable(subtitle), s["small_center"]),
                             Spacer(1, 3 * mm)]
    story += [Paragraph(printable(line), s["line"]) for line in lines if printable(line)]
    if note:
        story += [Spacer(1, 4 * mm), Paragraph(printable(note), s["small"])]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, leftMargin=30 * mm, rightMargin=15 * mm, topMargin=20 * mm,
                      bottomMargin=20 * mm, title=title, creator="vhttdl-assistant",
                      initialFontName=f"{FAMILY}-Regular", initialFontSize=SIZE).build(story)
    return out.getvalue()
