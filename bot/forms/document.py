"""The filled form as a layout-neutral document: what is printed, in order.

Both renderers (PDF and DOCX) draw this same object, so the two files always hold the same text.
Numbering follows the official layout: each field is a numbered line, except `join`ed fields
which continue the previous line ("3. Ngày sinh: 15/03/1990; Giới tính: Nữ").
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any, Mapping

from bot.department import Department
from bot.forms import fields as F
from bot.forms.checklist import Checklist
from bot.forms.templates import FormView, load_texts
from bot.text import fold

_PLACE_RE = re.compile(r"\b(?:tỉnh|thành phố)\s+(.+)$", re.IGNORECASE)


@dataclass(frozen=True)
class Entry:
    label: str
    value: str  # "" when left blank for the citizen to write by hand


@dataclass(frozen=True)
class Item:
    """A section heading (`heading` set) or one numbered line of entries."""

    number: int | None = None
    entries: tuple[Entry, ...] = ()
    heading: str | None = None


@dataclass(frozen=True)
class FilledDocument:
    national_title: str
    motto: str
    place_date: str
    title: str
    recipient_line: str
    items: tuple[Item, ...]
    request: str
    declaration: str
    signature_title: str
    signature_hint: str
    signer: str
    photo_box: str | None
    blank: str
    filename_stem: str
    checklist: Checklist | None = None
    checklist_heading: str = ""
    checklist_subtitle: str = ""
    metadata: dict[str, str] = field(default_factory=dict)

    def texts(self) -> list[str]:
        """Every printed string, in order (tests compare the PDF and DOCX against this)."""
        out = [self.national_title, self.motto, self.place_date, self.title, self.recipient_line]
        for item in self.items:
            out += [item.heading] if item.heading else [f"{e.label}: {e.value}" for e in item.entries]
        return out + [self.request, self.declaration, self.signature_title, self.signature_hint, self.signer]


def place_of(department: Department) -> str | None:
    """The province named in the department's name ("… tỉnh Đắk Lắk" -> "Đắk Lắk")."""
    m = _PLACE_RE.search(department.name)
    return m.group(1).strip() if m else None


def slug(text: str, limit: int = 60) -> str:
    """ASCII file-name part: "ĐƠN ĐỀ NGHỊ CẤP THẺ" -> "don-de-nghi-cap-the"."""
    s = re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")
    return s[:limit].rstrip("-") or "don"


def build_document(form: FormView, values: Mapping[str, Any], department: Department, on: dt.date,
                   checklist: Checklist | None = None) -> FilledDocument:
    """Lay out `form` filled with `values` (normalised, as stored by the session)."""
    t = load_texts()["document"]
    shown = {f.key: F.display(f, values.get(f.key)) for f in form.fields}
    recipient = form.template.recipient.format(department=department.name, **shown)
    items: list[Item] = []
    number = 0
    for spec in form.fields:
        if not spec.printed:
            continue
        if spec.section:
            items.append(Item(heading=spec.section))
        entry = Entry(spec.label, shown[spec.key])
        if spec.join and items and items[-1].number is not None:
            items[-1] = Item(items[-1].number, items[-1].entries + (entry,))
        else:
            number += 1
            items.append(Item(number, (entry,)))
    signer_key = form.template.signature.name_field
    return FilledDocument(
        national_title=t["national_title"], motto=t["motto"],
        place_date=t["place_date"].format(place=place_of(department) or t["place_unknown"],
                                          day=f"{on.day:02d}", month=f"{on.month:02d}", year=on.year),
        title=form.title,
        recipient_line=t["recipient"].format(recipient=recipient),
        items=tuple(items),
        request=form.template.request.format(recipient=recipient, department=department.name, **shown),
        declaration=" ".join((form.template.declaration or t["declaration"]).split()),
        signature_title=form.template.signature.title or t["signature_title"],
        signature_hint=form.template.signature.hint or t["signature_hint"],
        signer=str(values.get(signer_key) or "") if signer_key else "",
        photo_box=t["photo_box"] if form.template.photo_box else None,
        blank=t["blank_value"],
        filename_stem=slug(form.title),
        checklist=checklist,
        checklist_heading=t["checklist_heading"],
        checklist_subtitle=t["checklist_subtitle"],
        metadata={"title": form.title, "subject": form.variant.legal_ref or form.name, "author": department.name},
    )
