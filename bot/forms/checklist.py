"""The citizen's own checklist to go with a filled form: the other documents of the dossier
(originals or copies, how many), number of sets, fee, where to submit.

Facts come from the procedure catalog only, through bot.answers.Answerer, so fees respect their
effective dates and every `uncertain` fact keeps its "(cần Sở xác nhận lại)" mark exactly as in
the chat answers. The same Checklist is printed as the PDF's second page and sent as chat text.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Mapping

from rapidfuzz import fuzz

from bot.answers import Answerer, date_vn
from bot.catalog import Document, Procedure
from bot.forms.templates import FormView, load_texts
from bot.text import fold

FORM_MATCH = 80  # token_set_ratio between a document's name and the form's name: "this is the form"


@dataclass(frozen=True)
class Checklist:
    title: str
    lines: tuple[str, ...]

    def as_text(self) -> str:
        return "\n".join((self.title, *self.lines))


def _c(key: str, **values: Any) -> str:
    node: Any = load_texts()["checklist"]
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node


FORM_PREFIXES = ("don de nghi", "van ban de nghi", "van ban thong bao", "don ")


def is_form_document(form: FormView, document: Document) -> bool:
    """True for the catalog's entry of the form itself (it is already filled in): a document
    named like an application or notice ("Đơn đề nghị…", "Văn bản thông báo…") that matches the
    form's name. Other documents share many words with the form ("Giấy chứng nhận ký quỹ kinh
    doanh dịch vụ lữ hành nội địa"), so the similarity alone is not enough."""
    name = fold(document.name)
    if not name.startswith(FORM_PREFIXES):
        return False
    return max(fuzz.token_set_ratio(name, fold(n)) for n in (form.name, form.title)) >= FORM_MATCH


def _document_line(answerer: Answerer, number: int, doc: Document, list_uncertain: bool) -> str:
    extras = [_c(f"kinds.{doc.kind}")] if doc.kind else []
    if doc.count:
        extras.append(_c("count", count=doc.count))
    text = doc.name + (f" ({'; '.join(extras)})" if extras else "")
    return _c("item", number=number, name=answerer.mark(text, doc.uncertain and not list_uncertain))


def _fee_line(answerer: Answerer, p: Procedure, form: FormView, values: Mapping[str, Any]) -> str:
    fees = p.fees
    if fees is None:
        return _c("fee_unknown")
    if fees.none:
        return _c("fee", fees=answerer.mark(answerer.phrase("fees.none"), fees.uncertain))
    current = fees.current(answerer.today or dt.date.today())
    choice = values.get(form.template.fee_condition_field or "")
    if choice:  # e.g. the star rating asked for picks "hạng 3 sao" among the conditional fees
        chosen = [f for f in current if f.condition and fold(str(choice)) in fold(f.condition)]
        current = chosen or current
    if not current:
        return _c("fee_unknown")
    text = "; ".join(f"{f.name}: {answerer.fee_value(f, mark=not fees.uncertain)}" for f in current)
    return _c("fee", fees=answerer.mark(text, fees.uncertain))


def build_checklist(form: FormView, values: Mapping[str, Any], answerer: Answerer) -> Checklist:
    """The checklist for the procedure `form` is filled for, personalised by the values."""
    p = answerer.catalog.get(form.procedure_id)
    if p is None:
        raise KeyError(f"procedure {form.procedure_id!r} is not in the catalog")
    lines = [_c("form_done", form=form.name)]
    docs = p.documents
    if docs is None:
        lines.append(_c("no_documents", hotline=answerer.department_value(answerer.department.hotline)))
    else:
        others = [d for d in docs.items if not is_form_document(form, d)]
        lines += [_document_line(answerer, i, d, docs.uncertain) for i, d in enumerate(others, 1)]
        if not docs.complete:
            lines.append(answerer.phrase("incomplete_list"))
        if docs.note:
            lines.append(docs.note)
        if docs.uncertain:
            lines.append(answerer.phrase("uncertain_facet"))
        if docs.sets:
            lines.append(_c("sets", sets=answerer.mark(docs.sets.text, docs.sets.uncertain)))
    lines.append(_fee_line(answerer, p, form, values))
    if p.fees and p.fees.note:
        lines.append(p.fees.note)
    if p.agency:
        lines.append(answerer.phrase("overview.agency", text=answerer.mark(p.agency.text, p.agency.uncertain)))
    if p.channels:
        lines.append(_c("where"))
        lines += answerer.submission_lines(p)
        if p.channels.note:
            lines.append(p.channels.note)
        if p.channels.uncertain:
            lines.append(answerer.phrase("uncertain_facet"))
    ref = form.variant.legal_ref
    if ref:
        lines.append(_c("form_ref_unknown" if form.variant.legal_ref_uncertain else "form_ref", ref=ref))
    lines.append(_c("verified", date=date_vn(p.verified)))
    return Checklist(_c("title", form=form.name, procedure=p.short_name), tuple(lines))
