"""The scorecard as files for the monthly report: CSV (one block per section) and XLSX (one sheet
per section, numbers stored as numbers). Both come from scorecard.sections(), like the page.

Citizens' texts can start with "=", "+", "-" or "@"; a spreadsheet would run them as formulas,
so CSV cells get a leading apostrophe and XLSX cells are stored as plain strings.
"""
from __future__ import annotations

import csv
import io
import re

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, TYPE_STRING
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from bot.analytics.scorecard import Scorecard, sections

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def filename(card: Scorecard, ext: str) -> str:
    return f"bao-cao-tro-ly_{card.start.isoformat()}_{card.end.isoformat()}.{ext}"


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def to_csv(card: Scorecard) -> bytes:
    """UTF-8 with a byte-order mark, so that Excel shows the Vietnamese letters."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, (title, headers, rows) in enumerate(sections(card)):
        if n:
            writer.writerow([])
        writer.writerow([title])
        writer.writerow(headers)
        writer.writerows([[_csv_cell(v) for v in row] for row in rows])
    return out.getvalue().encode("utf-8-sig")


def _sheet_title(title: str, taken: set[str]) -> str:
    base = SHEET_FORBIDDEN.sub(" ", title).strip()[:31] or "Trang"
    name, n = base, 2
    while name.lower() in taken:
        suffix = f" ({n})"
        name, n = base[:31 - len(suffix)] + suffix, n + 1
    taken.add(name.lower())
    return name


def to_xlsx(card: Scorecard) -> bytes:
    workbook = Workbook()
    workbook.remove(workbook.active)
    taken: set[str] = set()
    bold = Font(bold=True)
    for title, headers, rows in sections(card):
        sheet = workbook.create_sheet(_sheet_title(title, taken))
        sheet.append(headers)
        for cell in sheet[1]:
            cell.font = bold
        for r, row in enumerate(rows, start=2):
            for c, value in enumerate(row, start=1):
                if isinstance(value, str):  # a control character would make openpyxl refuse the file
                    value = ILLEGAL_CHARACTERS_RE.sub(" ", value)
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str):
                    cell.data_type = TYPE_STRING  # never a formula
        sheet.freeze_panes = "A2"
        for c, header in enumerate(headers, start=1):
            longest = max([len(str(header))] + [len(str(row[c - 1])) for row in rows if c - 1 < len(row)])
            sheet.column_dimensions[get_column_letter(c)].width = min(60, max(10, longest + 2))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
