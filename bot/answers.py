"""Turn catalog facts into short Vietnamese chat replies.

All wording comes from data/replies.yml; this module only decides which facts to show and in
what order. Uncertain facts are always marked, missing facts are never guessed, and every
factual answer ends with its legal basis and the date the entry was verified.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

import yaml

from bot import paths
from bot.catalog import Catalog, Fact, Fee, Procedure, load_catalog
from bot.department import Department, load_department
from bot.intents import payload
from bot.text import normalize

FACETS = ("overview", "documents", "fees", "processing_time", "submission", "forms", "conditions", "legal_basis")
MAX_BASIS_IN_FOOTER = 3
OVERVIEW_DOCUMENTS = 3  # documents named in an overview
OVERVIEW_NAME_CHARS = 90
RECENT_CHANGE_DAYS = 366  # a fee that ended within this many days is still mentioned as "mức cũ"


@dataclass(frozen=True)
class Button:
    title: str
    payload: str


@dataclass(frozen=True)
class Reply:
    text: str
    buttons: tuple[Button, ...] = ()

    def as_message(self) -> dict[str, Any]:
        """The keyword arguments of rasa_sdk's dispatcher.utter_message."""
        message: dict[str, Any] = {"text": self.text}
        if self.buttons:
            message["buttons"] = [{"title": b.title, "payload": b.payload} for b in self.buttons]
        return message


def _short(text: str, limit: int = OVERVIEW_NAME_CHARS) -> str:
    """`text` cut at a word boundary to about `limit` characters."""
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(",;:(") + "…"


def money(amount: int) -> str:
    """650000 -> '650.000' (Vietnamese digit grouping)."""
    return f"{amount:,}".replace(",", ".")


def date_vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def load_replies(path: Path | None = None) -> dict[str, Any]:
    return yaml.safe_load((path or paths.REPLIES).read_text(encoding="utf-8"))


@dataclass
class Answerer:
    catalog: Catalog
    department: Department
    replies: dict[str, Any]
    today: dt.date | None = None  # fixed date for tests; None = today
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def default(cls) -> "Answerer":
        return cls(load_catalog(), load_department(), load_replies())

    # ------------------------------------------------------------------ helpers

    def _today(self) -> dt.date:
        return self.today or dt.date.today()

    def _r(self, key: str, **values: Any) -> str:
        node: Any = self.replies
        for part in key.split("."):
            node = node[part]
        return node.format(**values) if values else node

    def _mark(self, text: str, uncertain: bool) -> str:
        return f"{text} {self._r('uncertain_item')}" if uncertain else text

    def _fact(self, fact: Fact) -> str:
        return self._mark(fact.text, fact.uncertain)

    def _dept(self, value: str) -> str:
        return value + (self._r("example_marker") if self.department.example else "")

    def _footer(self, procedure: Procedure, basis: Iterable[str] | None = None) -> list[str]:
        items = list(dict.fromkeys(basis or ())) or [b.text for b in procedure.legal_basis]
        lines = []
        if items:
            shown = "; ".join(items[:MAX_BASIS_IN_FOOTER])
            if len(items) > MAX_BASIS_IN_FOOTER:
                shown += self._r("footer_more_basis", count=len(items) - MAX_BASIS_IN_FOOTER)
            lines.append(self._r("footer_basis", basis=shown))
        lines.append(self._r("footer_verified", date=date_vn(procedure.verified)))
        if procedure.portal_url:
            lines.append(self._r("footer_portal_url", url=procedure.portal_url))
        elif procedure.confirmed_code:
            lines.append(self._r("footer_code", code=procedure.confirmed_code, portal=self.department.national_portal))
        return lines

    def _unknown(self, procedure: Procedure, facet: str) -> Reply:
        """No verified fact for this facet: say so, then give what is known about the procedure
        (the question may have been misread, and the overview often holds the answer)."""
        said = self._r("unknown_facet", facet=self._r(f"facet_names.{facet}"),
                       procedure=procedure.short_name, hotline=self._dept(self.department.hotline))
        overview = self._overview(procedure)
        return Reply(f"{said}\n\n{self._r('unknown_then_overview')}\n{overview.text}", overview.buttons)

    def _body(self, title: str, lines: list[str], uncertain: bool = False, note: str | None = None) -> list[str]:
        out = [title, *lines]
        if note:
            out.append(note)
        if uncertain:
            out.append(self._r("uncertain_facet"))
        return out

    # ------------------------------------------------------------------ facets

    def phrase(self, key: str, **values: Any) -> str:
        """A sentence of data/replies.yml by dotted key (for other modules composing replies)."""
        return self._r(key, **values)

    def mark(self, text: str, uncertain: bool) -> str:
        """`text`, followed by "(cần Sở xác nhận lại)" when uncertain."""
        return self._mark(text, uncertain)

    def department_value(self, value: str) -> str:
        """A department detail, marked "(thông tin mẫu)" while department.yml holds examples."""
        return self._dept(value)

    def fee_value(self, fee: Fee, mark: bool = True) -> str:
        if fee.amount is not None:
            value = (self._r("fees.per_unit", amount=money(fee.amount), unit=fee.unit) if fee.unit
                     else self._r("fees.amount", amount=money(fee.amount)))
            if fee.text:
                value += f"; {fee.text}"
        else:
            value = fee.text or ""
        if fee.condition:
            value += self._r("fees.condition", condition=fee.condition)
        return self._mark(value, fee.uncertain and mark)

    def short_fees(self, procedure: Procedure) -> str | None:
        """One line: current fees, or None when unknown."""
        fees = procedure.fees
        if fees is None:
            return None
        if fees.none:
            return self._mark("không thu", fees.uncertain)
        current = fees.current(self._today())
        if not current:
            return None
        return self._mark("; ".join(self.fee_value(f) for f in current), fees.uncertain and not any(f.uncertain for f in current))

    def _fees(self, p: Procedure) -> Reply:
        fees = p.fees
        if fees is None:
            return self._unknown(p, "fees")
        today = self._today()
        lines: list[str] = []
        basis: list[str] = []
        if fees.none:
            lines.append(self._r("fees.none"))  # the facet's warning below covers uncertainty
        current = fees.current(today)
        for fee in current:
            recent = fee.effective_from and (today - fee.effective_from).days <= RECENT_CHANGE_DAYS
            lines.append(self._r("fees.item", name=fee.name, value=self.fee_value(fee, mark=not fees.uncertain))
                         + (self._r("fees.basis", basis=fee.basis) if fee.basis else "")
                         + (self._r("fees.since", date=date_vn(fee.effective_from)) if recent else ""))
            basis += [fee.basis] if fee.basis else []
        for fee in (f for f in fees.items if f.effective_from and f.effective_from > today):
            lines.append(self._r("fees.upcoming", date=date_vn(fee.effective_from), name=fee.name, value=self.fee_value(fee)))
        recent = [f for f in fees.items if f.expired(today) and (today - f.effective_to).days <= RECENT_CHANGE_DAYS]
        if recent and current:
            lines.append(self._r("fees.previous", date=date_vn(max(f.effective_to for f in recent))))
            lines += [self._r("fees.item", name=f.name, value=self.fee_value(f)) for f in recent]
        if not fees.none and not current:
            lines.append(self._r("fees.no_current"))
        body = self._body(self._r("fees.title", procedure=p.short_name), lines, fees.uncertain, fees.note)
        return Reply("\n".join(body + self._footer(p, basis)))

    def _documents(self, p: Procedure) -> Reply:
        docs = p.documents
        if docs is None:
            return self._unknown(p, "documents")
        lines = []
        for i, d in enumerate(docs.items, 1):
            lines.append(f"{i}. {self._mark(self.document_text(d), d.uncertain and not docs.uncertain)}")
        if not docs.complete:
            lines.append(self._r("incomplete_list"))
        sets = self._r("documents.sets", text=self._fact(docs.sets)) if docs.sets else ""
        body = self._body(self._r("documents.title", procedure=p.short_name, sets=sets), lines, docs.uncertain, docs.note)
        return Reply("\n".join(body + self._footer(p)))

    def _processing_time(self, p: Procedure) -> Reply:
        t = p.processing_time
        if t is None:
            return self._unknown(p, "processing_time")
        body = self._body(self._r("processing_time.title", procedure=p.short_name, text=t.text.rstrip(".")), [], t.uncertain, t.note)
        return Reply("\n".join(body + self._footer(p)))

    def _submission(self, p: Procedure, focus: str | None) -> Reply:
        channels = p.channels
        if channels is None:
            return self._unknown(p, "submission")
        lead = []  # a yes/no first when the question was about one channel
        if focus in ("result_post", "result_online"):
            kind = focus.split("_")[1]
            d = p.result_delivery
            offered = bool(d and d.offers(kind))
            text = self._r(f"result_delivery.{'yes' if offered else 'no'}_{kind}", hotline=self._dept(self.department.hotline))
            lead.append(self._mark(text, offered and kind in d.uncertain_kinds))
        elif focus == "post":
            lead.append(self._r("submission.yes_post") if channels.of_kind("post") else self._r("submission.no_post"))
        elif focus == "online":
            online = channels.of_kind("online")
            lead.append(self._r("submission.yes_online", level=self.online_level(channels)) if online
                        else self._r("submission.no_online"))
        lines = self.submission_lines(p, focus if focus in ("post", "online", "in_person") else None)
        if p.result_delivery:
            lines.append(self.result_delivery_line(p))
        body = self._body(self._r("submission.title", procedure=p.short_name), lines, channels.uncertain, channels.note)
        return Reply("\n".join(lead + body + self._footer(p)))

    def result_delivery_line(self, p: Procedure) -> str:
        """"• Nhận kết quả: trực tiếp tại nơi nộp, qua bưu chính công ích (cần Sở xác nhận lại)"."""
        d = p.result_delivery
        kinds = ", ".join(self._mark(self._r(f"result_delivery.kinds.{k}"), k in d.uncertain_kinds) for k in d.kinds)
        return self._r("result_delivery.line", kinds=kinds)

    def submission_lines(self, p: Procedure, focus: str | None = None) -> list[str]:
        """One line per submission channel (the `focus` kind first), each followed by the
        department's address for it, then the liên thông note. Also used by form checklists."""
        channels = p.channels
        if channels is None:
            return []
        lines = []
        order = {k: i for i, k in enumerate([focus] if focus else [])}
        dept = self.department
        for c in sorted(channels.items, key=lambda c: order.get(c.kind, 1)):
            kind = self._r(f"submission.kinds.{c.kind}")
            if c.online_level:
                kind += self._r("submission.online_level", level=self._r(f"submission.online_levels.{c.online_level}"))
            lines.append(self._r("submission.item", kind=kind, text=self._mark(c.text, c.uncertain and not channels.uncertain)))
            if not channels.at_department:
                continue
            if c.kind == "in_person" and dept.centre_address:
                lines.append(self._r("submission.in_person_address", address=self._dept(f"{dept.centre_name}, {dept.centre_address}")))
            elif c.kind == "post" and dept.postal_address:
                lines.append(self._r("submission.postal_address", address=self._dept(dept.postal_address)))
            elif c.kind == "online" and dept.provincial_portal:
                lines.append(self._r("submission.online_portal", portal=self._dept(dept.provincial_portal)))
        if p.lien_thong:
            lines.append(self._r("submission.lien_thong", text=self._fact(p.lien_thong)))
        return lines

    def _forms(self, p: Procedure) -> Reply:
        forms = [(f.name, f.ref, f.uncertain) for f in p.forms.items] if p.forms else []
        if not forms and p.documents:
            forms = [(d.name, d.form, d.uncertain) for d in p.documents.items if d.form]
        if not forms:
            if p.forms is not None:
                return Reply("\n".join([self._r("forms.none_listed")] + self._footer(p)))
            return self._unknown(p, "forms")
        uncertain = bool(p.forms and p.forms.uncertain)
        lines = [self._r("forms.item", name=self._mark(name + (self._r("forms.ref", ref=ref) if ref else ""), unc and not uncertain))
                 for name, ref, unc in forms]
        body = self._body(self._r("forms.title", procedure=p.short_name), lines, uncertain, p.forms.note if p.forms else None)
        return Reply("\n".join(body + self._footer(p)))

    def _conditions(self, p: Procedure) -> Reply:
        if p.conditions is None or not p.conditions.items:
            return self._unknown(p, "conditions")
        lines = [f"• {self._mark(c.text, c.uncertain and not p.conditions.uncertain)}" for c in p.conditions.items]
        body = self._body(self._r("conditions.title", procedure=p.short_name), lines, p.conditions.uncertain, p.conditions.note)
        return Reply("\n".join(body + self._footer(p)))

    def _legal_basis(self, p: Procedure) -> Reply:
        if not p.legal_basis:
            return self._unknown(p, "legal_basis")
        lines = [f"• {self._fact(b)}" for b in p.legal_basis]
        lines.append(self._r("footer_verified", date=date_vn(p.verified)))
        return Reply("\n".join([self._r("legal_basis.title", procedure=p.short_name), *lines]))

    def _overview(self, p: Procedure) -> Reply:
        o = "overview"
        code = p.confirmed_code
        lines = [self._r(f"{o}.title", name=p.name) + (f" (mã {code})" if code else "")]
        if normalize(p.level) != "cấp tỉnh":  # the usual level of a Sở's procedure goes unsaid
            lines.append(self._r(f"{o}.level", text=p.level))
        if p.agency:
            lines.append(self._r(f"{o}.agency", text=self._fact(p.agency)))
        if p.documents:
            items = p.documents.items
            # The first few documents, each cut short: enough to see what the dossier is about.
            names = [self._mark(_short(d.name), d.uncertain or p.documents.uncertain)
                     for d in items[:OVERVIEW_DOCUMENTS]]
            more = "…" if len(items) > OVERVIEW_DOCUMENTS else ""
            lines.append(self._r(f"{o}.documents", count=len(items), first="; ".join(names), more=more)
                         if len(items) > 1 else self._r(f"{o}.documents_one", first=names[0]))
        fees = self.short_fees(p)
        if fees is not None:
            lines.append(self._r(f"{o}.fees", text=fees))
        if p.processing_time:
            lines.append(self._r(f"{o}.processing_time", text=self._fact(p.processing_time)))
        if p.channels:
            kinds = dict.fromkeys(self._r(f"submission.kinds.{c.kind}").lower() for c in p.channels.items)
            lines.append(self._r(f"{o}.channels", text=self._mark(", ".join(kinds), p.channels.uncertain)))
        if p.result:
            lines.append(self._r(f"{o}.result", text=self._fact(p.result)))
        details = bool(p.documents or p.fees or p.processing_time)
        if not details:
            lines.append(self._r(f"{o}.unknown_details", hotline=self._dept(self.department.hotline)))
        lines += [f"• {self._fact(n)}" for n in p.notes]
        if details:
            lines.append(self._r(f"{o}.ask_more"))
        buttons = tuple(Button(self._r(f"facet_buttons.{f}"), payload(f, p.id))
                        for f in self.replies["facet_buttons"]) if details else ()
        return Reply("\n".join(lines + self._footer(p)), buttons)

    def online_level(self, channels: Any) -> str:
        """" (toàn trình)" after an online channel, when the catalog says how far it goes."""
        level = channels.online_level if channels else None
        return self._r("submission.online_level", level=self._r(f"submission.online_levels.{level}")) if level else ""

    def document_text(self, d: Any, with_form: bool = True) -> str:
        """One document line: its name, then its kind (original, copy...), count and form."""
        extras = [self._r(f"documents.kinds.{d.kind}")] if d.kind else []
        if d.count:
            extras.append(self._r("documents.count", count=d.count))
        if d.form and with_form:
            extras.append(self._r("documents.form", form=d.form))
        return d.name + (f" ({'; '.join(extras)})" if extras else "")

    def _detail_text(self, facet: str, source: Any, text: str) -> str:
        """One fact as shown in a detail answer, rendered as the facet answers render it."""
        if facet == "documents":
            return self.document_text(source)
        if facet == "fees":
            return f"{source.name}: {self.fee_value(source, mark=False)}"
        if facet == "submission":
            return f"{self._r(f'submission.kinds.{source.kind}')} — {source.text}"
        return text

    # ------------------------------------------------------------------ public API

    def detail(self, procedure: Procedure, hits: list[Any]) -> Reply:
        """The fact(s) that answer a detail question (bot.facts), each marked when uncertain."""
        lines = [self._r("detail.title", procedure=procedure.short_name)]
        basis: list[str] = []
        for hit in hits:
            f = hit.fact
            label = self._r(f"detail.labels.{f.facet}")
            lines.append(self._r("detail.item", label=label,
                                 text=self._mark(self._detail_text(f.facet, f.source, f.text).rstrip("."), f.uncertain)))
            if f.facet == "fees" and f.source.basis:
                basis.append(f.source.basis)
        lines.append(self._r("detail.more"))
        buttons = tuple(Button(self._r(f"facet_buttons.{k}"), payload(k, procedure.id)) for k in self.replies["facet_buttons"])
        return Reply("\n".join(lines + self._footer(procedure, basis or None)), buttons)

    def supplement_advice(self, procedure: Procedure | None, check_payload: str | None = None) -> Reply:
        """Why dossiers are sent back for bổ sung: the procedure's points to check, or the
        general reasons when no procedure is known."""
        advice = "supplement_advice"
        check = (Button(self._r(f"{advice}.check_button"), check_payload),) if check_payload else ()
        if procedure is None:
            text = " ".join(self._r(f"{advice}.general").split()) + "\n" + self._r(f"{advice}.ask_procedure")
            return Reply(text, self.popular())
        if not procedure.common_mistakes:
            docs = self._documents(procedure) if procedure.documents else self._overview(procedure)
            return Reply(self._r(f"{advice}.none", procedure=procedure.short_name) + "\n" + docs.text, check)
        lines = [self._r(f"{advice}.title", procedure=procedure.short_name)]
        lines += [f"• {self._fact(m)}" for m in procedure.common_mistakes]
        return Reply("\n".join(lines + self._footer(procedure)), check)

    def other_agency(self, agency: Any, offered: Procedure | None = None) -> Reply:
        """A procedure of another agency (bot.agencies): who handles it and the national portal;
        `offered`, a procedure of ours the message also named, stays one tap away."""
        lines = [self._r("agency.text", name=agency.name, department=self.department.name,
                         agency=self._mark(agency.agency, agency.uncertain))]
        if agency.how:
            lines.append(self._r("agency.how", how=self._mark(agency.how.rstrip("."), agency.uncertain)))
        lines.append(self._r("agency.portal", national_portal=self.department.national_portal))
        buttons: tuple[Button, ...] = ()
        if offered is not None:
            lines.append(self._r("agency.also", procedure=offered.short_name))
            buttons = (Button(offered.short_name, payload("overview", offered.id)),)
        return Reply("\n".join(lines), buttons)

    def answer(self, procedure: Procedure, facet: str, focus: str | None = None) -> Reply:
        """The reply about one facet of one procedure. `focus` ("post"/"online"/"in_person")
        makes a submission answer start with a yes/no for that channel."""
        if facet == "submission":
            return self._submission(procedure, focus)
        if facet == "overview":
            return self._overview(procedure)
        return getattr(self, f"_{facet}")(procedure)

    def choose(self, procedures: list[Procedure], facet: str, variant_mismatch: bool = False) -> Reply:
        """Ask which procedure is meant; each button asks the same facet about one of them."""
        if variant_mismatch:
            text = self._r("disambiguation.none_of_variant")
        elif facet == "overview":
            text = self._r("disambiguation.ask")
        else:
            text = self._r("disambiguation.ask_variant", facet=self._r(f"facet_names.{facet}"))
        return Reply(text, tuple(Button(p.short_name, payload(facet, p.id)) for p in procedures))

    def alternatives(self, procedures: list[Procedure], facet: str) -> Reply:
        """After an answer that assumed the usual variant: the other variants, one tap away."""
        return Reply(self._r("disambiguation.alternatives"),
                     tuple(Button(p.short_name, payload(facet, p.id)) for p in procedures))

    def compare(self, procedures: list[Procedure], facet: str) -> Reply:
        """Fees or processing times of several candidates side by side, then the choice."""
        lines = [self._r("disambiguation.compare_title", facet=self._r(f"facet_names.{facet}").capitalize())]
        basis: list[str] = []
        for p in procedures:
            if facet == "fees":
                value = self.short_fees(p)
                basis += [f.basis for f in (p.fees.current(self._today()) if p.fees else []) if f.basis]
            else:
                value = self._fact(p.processing_time) if p.processing_time else None
            lines.append(self._r("disambiguation.compare_item", procedure=p.short_name,
                                 value=value or self._r("disambiguation.unknown_value")))
        if basis:
            lines.append(self._r("footer_basis", basis="; ".join(dict.fromkeys(basis))))
        lines.append(self._r("footer_verified", date=date_vn(max(p.verified for p in procedures))))
        lines.append(self._r("disambiguation.compare_more"))
        return Reply("\n".join(lines), tuple(Button(p.short_name, payload(facet, p.id)) for p in procedures))

    def suggest(self, procedure: Procedure, facet: str) -> Reply:
        """A weak match: ask whether this is the procedure meant."""
        return Reply(self._r("disambiguation.suggest", procedure=procedure.name),
                     (Button(self._r("disambiguation.suggest_yes"), payload(facet, procedure.id)),
                      Button(self._r("disambiguation.suggest_no"), "/deny")))

    def popular(self, facet: str = "overview") -> tuple[Button, ...]:
        return tuple(Button(p.short_name, payload(facet, p.id))
                     for pid in self.department.popular_procedures if (p := self.catalog.get(pid)))

    def need_procedure(self, facet: str) -> Reply:
        text = self._r("need_procedure", facet=self._r(f"facet_names.{facet}"), example=self._r("need_procedure_example"))
        if facet == "submission" and self.department.centre_address:
            # "Nộp hồ sơ ở đâu?" with no procedure: most are received at the one-stop centre.
            text = self._r("submission.general", centre=self.department.centre_name,
                           address=self._dept(self.department.centre_address)) + "\n" + text
        return Reply(text, self.popular(facet))

    def not_in_catalog(self, facet: str, discussed: Procedure | None = None) -> Reply:
        """The subject is not in the catalog; `discussed` (the procedure talked about before)
        is offered first, in case the question was about it after all."""
        buttons = self.popular(facet)
        if discussed is not None:
            buttons = (Button(discussed.short_name, payload(facet, discussed.id)),) + tuple(
                b for b in buttons if b.title != discussed.short_name)
        return Reply(self._r("not_in_catalog", department=self.department.name,
                             hotline=self._dept(self.department.hotline)), buttons)

    def choose_one(self) -> Reply:
        return Reply(self._r("affirm_choose"))

    def fallback(self) -> Reply:
        return Reply(self._r("fallback", department=self.department.name, example=self._r("need_procedure_example"),
                             hotline=self._dept(self.department.hotline)), self.popular())

    def out_of_scope(self, named: Procedure | None = None) -> Reply:
        text = self._r("out_of_scope", department=self.department.name, hotline=self._dept(self.department.hotline))
        if named is None:
            return Reply(text, self.popular())
        return Reply(text + "\n" + self._r("out_of_scope_named", procedure=named.short_name),
                     (Button(named.short_name, payload("overview", named.id)),))

    def bad_input(self) -> Reply:
        return Reply(self._r("bad_input", example=self._r("need_procedure_example")))

    def deny(self) -> Reply:
        return Reply(self._r("deny"), self.popular())

    def nothing_pending(self, discussed: Procedure | None = None) -> Reply:
        """A yes when nothing was asked: what to ask next about the procedure discussed, if any."""
        if discussed is None:
            return Reply(self._r("affirm_nothing_pending"))
        return Reply(self._r("affirm_discussed", procedure=discussed.short_name),
                     tuple(Button(self._r(f"facet_buttons.{f}"), payload(f, discussed.id)) for f in self.replies["facet_buttons"]))

    def department_info(self, focus: str | None = None) -> Reply:
        d = self.department
        parts = {
            "address": self._r("department.address", centre=d.centre_name, address=d.centre_address),
            "hours": self._r("department.hours", hours=d.working_hours),
            "hotline": self._r("department.hotline", hotline=d.hotline),
            "email": self._r("department.email", email=d.email),
            "portal": self._r("department.portal", portal=d.provincial_portal),
        }
        chosen = [parts[focus]] if focus in parts else list(parts.values())
        if focus in parts and focus != "hotline":
            chosen.append(parts["hotline"])
        marker = self._r("example_marker") if d.example else ""
        return Reply("\n".join([self._r("department.title", name=d.name, marker=marker), *chosen]))
