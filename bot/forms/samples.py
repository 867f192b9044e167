"""Sample filled forms: every template filled with its fields' `example` values, rendered to
PNG previews under docs/forms/ (`python -m bot forms render-samples`) so a reviewer can see them.

The date and the department are fixed so that the previews only change when a template, the
texts or the renderer change.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path
from typing import Any

from bot import paths
from bot.answers import Answerer, load_replies
from bot.catalog import load_catalog
from bot.department import Department, load_department
from bot.forms.fields import check_field
from bot.forms.templates import FormView, load_templates

SAMPLE_DATE = dt.date(2026, 11, 27)
SAMPLE_DEPARTMENT_NAME = "Sở Văn hóa, Thể thao và Du lịch tỉnh Đắk Lắk"
DPI = 100


def sample_department() -> Department:
    return dataclasses.replace(load_department(), name=SAMPLE_DEPARTMENT_NAME)


def sample_answerer() -> Answerer:
    return Answerer(load_catalog(), sample_department(), load_replies(), today=SAMPLE_DATE)


def sample_values(form: FormView) -> dict[str, Any]:
    """Every field filled with its example, validated and normalised like a citizen's answer."""
    values: dict[str, Any] = dict(form.variant.fixed)
    for spec in form.fields:
        if spec.key in values:
            continue
        after = form.field(spec.after).label if spec.after else None
        check = check_field(spec, spec.example, values, SAMPLE_DATE, after)
        if not check.ok:
            raise ValueError(f"{form.id}: example of {spec.key!r} is not valid: {check.error}")
        values[spec.key] = check.value
    return values


def sample_forms() -> list[FormView]:
    return [t.for_procedure(pid) for t in load_templates().values() for pid in t.variants]


def sample_state(form: FormView) -> dict[str, Any]:
    """A completed session state for the sample values (what `api.deliver` expects)."""
    return {"v": 1, "form": form.id, "procedure": form.procedure_id, "phase": "complete", "asking": None,
            "values": sample_values(form), "skipped": [], "failures": {}, "prefilled": [],
            "proof_tried": [], "recognised": False, "consent": False}


def render_samples(out_dir: Path | None = None) -> list[Path]:
    """Write docs/forms/<procedure>-<page>.png for every form; returns the files written."""
    import pypdfium2 as pdfium  # dev dependency, only needed here

    from bot.forms.api import render

    out_dir = out_dir or paths.ROOT / "docs" / "forms"
    out_dir.mkdir(parents=True, exist_ok=True)
    answerer = sample_answerer()
    written = []
    for form in sample_forms():
        _, pdf, _, _ = render(sample_state(form), answerer, SAMPLE_DATE)
        document = pdfium.PdfDocument(io.BytesIO(pdf))
        for i in range(len(document)):
            image = document[i].render(scale=DPI / 72).to_pil().convert("L")
            path = out_dir / f"{form.procedure_id}-{i + 1}.png"
            image.save(path, optimize=True)
            written.append(path)
        document.close()
    return written
