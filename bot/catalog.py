"""The procedure catalog: data/procedures/*.yml read into typed, validated objects.

    catalog = load_catalog()              # raises CatalogError listing every problem
    problems = check_catalog()            # the same checks, returned instead of raised
    catalog.get("karaoke").fees

The schema is documented in docs/catalog.md. Parsing and validation are one pass: each field is
read by a small function that records a Problem (file, line, field, reason) instead of stopping,
so an officer sees every mistake at once.
"""
from __future__ import annotations

import datetime as dt
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import yaml

from bot import paths
from bot.lexicon import Lexicon, load_lexicon

DOCUMENT_KINDS = {"original", "copy", "certified_copy", "original_or_copy"}
CHANNEL_KINDS = ("in_person", "post", "online")
ONLINE_LEVELS = {"toan-trinh", "mot-phan"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,24}$")
CODE_RE = re.compile(r"^[12]\.\d{6}$")
# Research remarks that must never reach a citizen.
_RESEARCH_MARKERS = re.compile(r"\b(uncertain|note_knowledge|unverified|text cut|TODO|FIXME)\b", re.I)


# ---------------------------------------------------------------------------- model


@dataclass(frozen=True)
class Fact:
    text: str
    uncertain: bool = False
    note: str | None = None


@dataclass(frozen=True)
class ProcessingTime(Fact):
    """The processing time as the source writes it, plus its main figure when it has one, so
    that procedures can be compared ("thủ tục nào nhanh nhất")."""

    days: int | None = None
    working_days: bool = False


@dataclass(frozen=True)
class Document:
    name: str
    kind: str | None = None
    count: int | None = None
    form: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Documents:
    items: tuple[Document, ...]
    sets: Fact | None = None
    complete: bool = True
    uncertain: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Fee:
    name: str
    amount: int | None = None
    unit: str | None = None
    condition: str | None = None
    text: str | None = None
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None
    basis: str | None = None
    uncertain: bool = False

    def in_force(self, on: dt.date) -> bool:
        return (self.effective_from is None or self.effective_from <= on) and (
            self.effective_to is None or on <= self.effective_to
        )

    def expired(self, on: dt.date) -> bool:
        return self.effective_to is not None and self.effective_to < on


@dataclass(frozen=True)
class Fees:
    items: tuple[Fee, ...] = ()
    none: bool = False
    uncertain: bool = False
    note: str | None = None

    def current(self, on: dt.date) -> list[Fee]:
        return [f for f in self.items if f.in_force(on)]


@dataclass(frozen=True)
class Channel:
    kind: str
    text: str
    online_level: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Channels:
    items: tuple[Channel, ...]
    uncertain: bool = False
    note: str | None = None
    at_department: bool = True  # False: dossiers go to another body (e.g. UBND cấp xã)

    def of_kind(self, kind: str) -> list[Channel]:
        return [c for c in self.items if c.kind == kind]

    @property
    def online_level(self) -> str | None:
        """How far online submission goes (toan-trinh / mot-phan), when the catalog says."""
        return next((c.online_level for c in self.of_kind("online") if c.online_level), None)


@dataclass(frozen=True)
class ResultDelivery:
    """How the result can reach the citizen: `kinds` among in_person, post, online."""

    kinds: tuple[str, ...]
    uncertain_kinds: tuple[str, ...] = ()  # kinds the research does not confirm
    note: str | None = None

    def offers(self, kind: str) -> bool:
        return kind in self.kinds


@dataclass(frozen=True)
class FactList:
    items: tuple[Fact, ...]
    uncertain: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Form:
    name: str
    ref: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Forms:
    items: tuple[Form, ...]
    uncertain: bool = False
    note: str | None = None


@dataclass(frozen=True)
class Procedure:
    id: str
    code: str | None
    name: str
    short_name: str
    aliases: tuple[str, ...]
    field: str
    level: str
    legal_basis: tuple[Fact, ...]
    sources: tuple[str, ...]
    verified: dt.date
    code_uncertain: bool = False
    code_note: str | None = None
    portal_url: str | None = None
    group: str | None = None
    variant: dict[str, tuple[str, ...]] = field(default_factory=dict)
    agency: Fact | None = None
    applies_to: Fact | None = None
    documents: Documents | None = None
    processing_time: ProcessingTime | None = None
    fees: Fees | None = None
    channels: Channels | None = None
    result: Fact | None = None
    result_delivery: ResultDelivery | None = None
    conditions: FactList | None = None
    forms: Forms | None = None
    lien_thong: Fact | None = None
    related: tuple[Fact, ...] = ()
    notes: tuple[Fact, ...] = ()
    common_mistakes: tuple[Fact, ...] = ()  # what to check so the dossier is not sent back for bổ sung
    research_ref: str | None = None

    @property
    def confirmed_code(self) -> str | None:
        """The national code, only when it was seen on an official page."""
        return None if self.code_uncertain else self.code


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.field}: {self.reason}"


class CatalogError(Exception):
    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(map(str, problems)))


class Catalog:
    """All procedures, by id, plus the lexicon needed to interpret variants."""

    def __init__(self, procedures: list[Procedure], lexicon: Lexicon):
        self.lexicon = lexicon
        self._by_id = {p.id: p for p in procedures}
        self._groups: dict[str, list[Procedure]] = {}
        for p in procedures:
            if p.group:
                self._groups.setdefault(p.group, []).append(p)

    def __iter__(self) -> Iterator[Procedure]:
        return iter(self._by_id.values())

    def __len__(self) -> int:
        return len(self._by_id)

    def __contains__(self, procedure_id: object) -> bool:
        return procedure_id in self._by_id

    def get(self, procedure_id: str) -> Procedure | None:
        return self._by_id.get(procedure_id)

    def group(self, name: str) -> list[Procedure]:
        return list(self._groups.get(name, ()))


# ---------------------------------------------------------------------------- parsing


class _Reader:
    """Reads one file's mapping, recording problems with line numbers."""

    def __init__(self, file: str, node: yaml.Node | None, problems: list[Problem]):
        self.file, self.node, self.problems = file, node, problems

    def problem(self, path: str, reason: str) -> None:
        self.problems.append(Problem(self.file, self._line(path), path, reason))

    def _line(self, path: str) -> int | None:
        node = self.node
        for part in re.findall(r"[^.\[\]]+", path):
            if isinstance(node, yaml.MappingNode):
                node = next((v for k, v in node.value if k.value == part), None)
            elif isinstance(node, yaml.SequenceNode) and part.isdigit() and int(part) < len(node.value):
                node = node.value[int(part)]
            else:
                break
            if node is None:
                return None
        return node.start_mark.line + 1 if node is not None else None

    # typed getters ------------------------------------------------------------------

    def text(self, data: dict, key: str, path: str, required: bool = False) -> str | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.problem(path, "must be non-empty text")
            return None
        if _RESEARCH_MARKERS.search(value):
            self.problem(path, f"contains a research remark ({_RESEARCH_MARKERS.search(value).group(0)!r}); "
                               "write it for citizens in Vietnamese, or mark the fact `uncertain: true`")
        return value.strip()

    def flag(self, data: dict, key: str, path: str) -> bool:
        value = data.get(key, False)
        if not isinstance(value, bool):
            self.problem(path, "must be true or false")
            return False
        return value

    def date(self, data: dict, key: str, path: str, required: bool = False) -> dt.date | None:
        value = data.get(key)
        if value is None:
            if required:
                self.problem(path, "is required (a date like 2026-11-27)")
            return None
        if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
            self.problem(path, "must be a date like 2026-01-05")
            return None
        return value

    def mapping(self, value: Any, path: str, allowed: set[str]) -> dict | None:
        if not isinstance(value, dict):
            self.problem(path, "must be a mapping")
            return None
        for key in value:
            if key not in allowed:
                self.problem(f"{path}.{key}" if path else str(key), f"unknown field (allowed: {', '.join(sorted(allowed))})")
        return value

    def items(self, data: dict, path: str) -> list:
        value = data.get("items", [])
        if not isinstance(value, list):
            self.problem(f"{path}.items", "must be a list")
            return []
        return value

    def fact(self, value: Any, path: str) -> Fact | None:
        """A plain string, or {text, uncertain, note}."""
        if isinstance(value, str):
            return Fact(self.text({"t": value}, "t", path, required=True) or "")
        data = self.mapping(value, path, {"text", "uncertain", "note"})
        if data is None:
            return None
        text = self.text(data, "text", f"{path}.text", required=True)
        if text is None:
            return None
        return Fact(text, self.flag(data, "uncertain", f"{path}.uncertain"), self.text(data, "note", f"{path}.note"))

    def facts(self, value: Any, path: str) -> tuple[Fact, ...]:
        if value is None:
            return ()
        if not isinstance(value, list):
            self.problem(path, "must be a list")
            return ()
        return tuple(f for i, v in enumerate(value) if (f := self.fact(v, f"{path}[{i}]")))


_TOP_FIELDS = {
    "id", "code", "code_uncertain", "code_note", "portal_url", "name", "short_name", "aliases",
    "group", "variant", "field", "level", "agency", "applies_to", "documents", "processing_time",
    "fees", "channels", "result", "result_delivery", "conditions", "forms", "legal_basis", "lien_thong", "related",
    "notes", "common_mistakes", "research_ref", "sources", "verified",
}
_FACET = {"items", "uncertain", "note"}


def _parse_documents(r: _Reader, value: Any) -> Documents | None:
    data = r.mapping(value, "documents", _FACET | {"sets", "complete"})
    if data is None:
        return None
    docs = []
    for i, item in enumerate(r.items(data, "documents")):
        path = f"documents.items[{i}]"
        if isinstance(item, str):
            item = {"name": item}
        d = r.mapping(item, path, {"name", "kind", "count", "form", "uncertain"})
        if d is None:
            continue
        kind = d.get("kind")
        if kind is not None and kind not in DOCUMENT_KINDS:
            r.problem(f"{path}.kind", f"must be one of {', '.join(sorted(DOCUMENT_KINDS))}")
            kind = None
        count = d.get("count")
        if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
            r.problem(f"{path}.count", "must be a whole number of at least 1")
            count = None
        name = r.text(d, "name", f"{path}.name", required=True)
        if name:
            docs.append(Document(name, kind, count, r.text(d, "form", f"{path}.form"), r.flag(d, "uncertain", f"{path}.uncertain")))
    if not docs:
        r.problem("documents.items", "must list at least one document (leave `documents` out when none is known)")
    sets = r.fact(data["sets"], "documents.sets") if "sets" in data else None
    complete = data.get("complete", True)
    if not isinstance(complete, bool):
        r.problem("documents.complete", "must be true or false")
        complete = True
    return Documents(tuple(docs), sets, complete, r.flag(data, "uncertain", "documents.uncertain"),
                     r.text(data, "note", "documents.note"))


def _parse_fees(r: _Reader, value: Any) -> Fees | None:
    data = r.mapping(value, "fees", _FACET | {"none"})
    if data is None:
        return None
    none = r.flag(data, "none", "fees.none")
    fees = []
    for i, item in enumerate(r.items(data, "fees")):
        path = f"fees.items[{i}]"
        d = r.mapping(item, path, {"name", "amount", "unit", "condition", "text", "effective_from",
                                   "effective_to", "basis", "uncertain"})
        if d is None:
            continue
        amount = d.get("amount")
        if amount is not None and (not isinstance(amount, int) or isinstance(amount, bool) or amount < 0):
            r.problem(f"{path}.amount", "must be a whole number of đồng, without dots (650000)")
            amount = None
        text = r.text(d, "text", f"{path}.text")
        if amount is None and text is None:
            r.problem(path, "needs `amount` or `text`")
        start = r.date(d, "effective_from", f"{path}.effective_from")
        end = r.date(d, "effective_to", f"{path}.effective_to")
        if start and end and start > end:
            r.problem(f"{path}.effective_to", "is before effective_from")
        name = r.text(d, "name", f"{path}.name", required=True)
        if name:
            fees.append(Fee(name, amount, r.text(d, "unit", f"{path}.unit"), r.text(d, "condition", f"{path}.condition"),
                            text, start, end, r.text(d, "basis", f"{path}.basis"), r.flag(d, "uncertain", f"{path}.uncertain")))
    if none and fees:
        r.problem("fees.none", "is true but fee items are listed")
    if not none and not fees and not data.get("uncertain"):
        r.problem("fees", "lists no fee: set `none: true` for a free procedure, or mark `uncertain: true`")
    return Fees(tuple(fees), none, r.flag(data, "uncertain", "fees.uncertain"), r.text(data, "note", "fees.note"))


def _parse_channels(r: _Reader, value: Any) -> Channels | None:
    data = r.mapping(value, "channels", _FACET | {"at_department"})
    if data is None:
        return None
    channels = []
    for i, item in enumerate(r.items(data, "channels")):
        path = f"channels.items[{i}]"
        d = r.mapping(item, path, {"kind", "text", "online_level", "uncertain"})
        if d is None:
            continue
        kind, level = d.get("kind"), d.get("online_level")
        if kind not in CHANNEL_KINDS:
            r.problem(f"{path}.kind", f"must be one of {', '.join(CHANNEL_KINDS)}")
            continue
        if level is not None and (kind != "online" or level not in ONLINE_LEVELS):
            r.problem(f"{path}.online_level", f"only for online channels, one of {', '.join(sorted(ONLINE_LEVELS))}")
            level = None
        text = r.text(d, "text", f"{path}.text", required=True)
        if text:
            channels.append(Channel(kind, text, level, r.flag(d, "uncertain", f"{path}.uncertain")))
    if not channels:
        r.problem("channels.items", "must list at least one channel (leave `channels` out when none is known)")
    return Channels(tuple(channels), r.flag(data, "uncertain", "channels.uncertain"), r.text(data, "note", "channels.note"),
                    data.get("at_department", True) is not False)


def _parse_processing_time(r: _Reader, value: Any) -> ProcessingTime | None:
    if isinstance(value, str):
        fact = r.fact(value, "processing_time")
        return ProcessingTime(fact.text) if fact else None
    data = r.mapping(value, "processing_time", {"text", "uncertain", "note", "days", "working_days"})
    if data is None:
        return None
    fact = r.fact({k: v for k, v in data.items() if k in ("text", "uncertain", "note")}, "processing_time")
    days = data.get("days")
    if days is not None and (not isinstance(days, int) or isinstance(days, bool) or days < 1):
        r.problem("processing_time.days", "must be a whole number of days (the main figure of `text`)")
        days = None
    if days is not None and fact and days not in {int(n) for n in re.findall(r"\d+", fact.text)}:
        r.problem("processing_time.days", f"{days} does not appear in `text` (never invent a number)")
    working = r.flag(data, "working_days", "processing_time.working_days")
    if fact is None:
        return None
    return ProcessingTime(fact.text, fact.uncertain, fact.note, days, working)


def _parse_result_delivery(r: _Reader, value: Any) -> ResultDelivery | None:
    data = r.mapping(value, "result_delivery", {"items", "note"})
    if data is None:
        return None
    kinds, doubtful = [], []
    for i, item in enumerate(r.items(data, "result_delivery")):
        path = f"result_delivery.items[{i}]"
        if isinstance(item, str):
            item = {"kind": item}
        d = r.mapping(item, path, {"kind", "uncertain"})
        if d is None:
            continue
        if d.get("kind") not in CHANNEL_KINDS:
            r.problem(f"{path}.kind", f"must be one of {', '.join(CHANNEL_KINDS)}")
            continue
        kinds.append(d["kind"])
        if r.flag(d, "uncertain", f"{path}.uncertain"):
            doubtful.append(d["kind"])
    if not kinds:
        r.problem("result_delivery.items", "must list at least one way (leave `result_delivery` out when none is known)")
    return ResultDelivery(tuple(kinds), tuple(doubtful), r.text(data, "note", "result_delivery.note"))


def _parse_forms(r: _Reader, value: Any) -> Forms | None:
    data = r.mapping(value, "forms", _FACET)
    if data is None:
        return None
    forms = []
    for i, item in enumerate(r.items(data, "forms")):
        path = f"forms.items[{i}]"
        d = r.mapping(item, path, {"name", "ref", "uncertain"})
        if d is None:
            continue
        name = r.text(d, "name", f"{path}.name", required=True)
        if name:
            forms.append(Form(name, r.text(d, "ref", f"{path}.ref"), r.flag(d, "uncertain", f"{path}.uncertain")))
    return Forms(tuple(forms), r.flag(data, "uncertain", "forms.uncertain"), r.text(data, "note", "forms.note"))


def _parse_fact_list(r: _Reader, value: Any, name: str) -> FactList | None:
    data = r.mapping(value, name, _FACET)
    if data is None:
        return None
    return FactList(r.facts(data.get("items"), f"{name}.items"), r.flag(data, "uncertain", f"{name}.uncertain"),
                    r.text(data, "note", f"{name}.note"))


def _parse_variant(r: _Reader, value: Any, lexicon: Lexicon) -> dict[str, tuple[str, ...]]:
    data = r.mapping(value, "variant", set(lexicon.variants))
    if not data:
        return {}
    variant = {}
    for dim, values in data.items():
        if dim not in lexicon.variants:
            continue
        values = [values] if isinstance(values, str) else values
        if not isinstance(values, list) or not values:
            r.problem(f"variant.{dim}", "must be a value or a list of values")
            continue
        for v in values:
            if v not in lexicon.variants[dim]:
                r.problem(f"variant.{dim}", f"unknown value {v!r} (see data/lexicon.yml: {', '.join(lexicon.variants[dim])})")
        variant[dim] = tuple(values)
    return variant


def _parse_procedure(file: Path, lexicon: Lexicon, problems: list[Problem]) -> Procedure | None:
    name = file.name
    try:
        text = file.read_text(encoding="utf-8")
        node = yaml.compose(text)
        raw = yaml.safe_load(text)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.append(Problem(name, mark.line + 1 if mark else None, "(file)", f"not readable YAML: {exc}".splitlines()[0]))
        return None
    r = _Reader(name, node, problems)
    data = r.mapping(raw, "", _TOP_FIELDS)
    if data is None:
        return None
    before = len(problems)

    pid = r.text(data, "id", "id", required=True)
    if pid and not ID_RE.match(pid):
        r.problem("id", "must be 2-25 characters (it travels in button payloads): lowercase letters, digits and '-'")
    if pid and pid != file.stem:
        r.problem("id", f"must equal the file name ({file.stem!r})")
    code = data.get("code", "missing")
    if code == "missing":
        r.problem("code", "is required (write `code: null` when unknown)")
        code = None
    elif code is not None and (not isinstance(code, str) or not CODE_RE.match(code)):
        r.problem("code", 'must be a quoted national code like "1.004623", or null')
        code = None
    short_name = r.text(data, "short_name", "short_name", required=True)
    if short_name and len(short_name) > 40:
        r.problem("short_name", f"is {len(short_name)} characters; at most 40 fit on a button")
    aliases = data.get("aliases")
    if not isinstance(aliases, list) or not aliases or not all(isinstance(a, str) and a.strip() for a in aliases):
        r.problem("aliases", "must be a non-empty list of phrases")
        aliases = []
    group = r.text(data, "group", "group")
    variant = _parse_variant(r, data.get("variant"), lexicon) if "variant" in data else {}
    if group and not variant:
        r.problem("variant", "is required for a procedure in a group")
    legal = data.get("legal_basis")
    if not isinstance(legal, list):
        r.problem("legal_basis", "is required: a list of legal documents (may be empty [] only when unknown)")
    sources = data.get("sources")
    if not isinstance(sources, list) or not sources or not all(isinstance(s, str) for s in sources):
        r.problem("sources", "must list at least one source")
        sources = []

    def optional(key: str, parse: Callable[[Any], Any]) -> Any:
        return parse(data[key]) if data.get(key) is not None else None

    procedure = Procedure(
        id=pid or file.stem,
        code=code,
        name=r.text(data, "name", "name", required=True) or "",
        short_name=short_name or "",
        aliases=tuple(a.strip() for a in aliases),
        field=r.text(data, "field", "field", required=True) or "",
        level=r.text(data, "level", "level", required=True) or "",
        legal_basis=r.facts(legal, "legal_basis"),
        sources=tuple(sources),
        verified=r.date(data, "verified", "verified", required=True) or dt.date.min,
        code_uncertain=r.flag(data, "code_uncertain", "code_uncertain"),
        code_note=r.text(data, "code_note", "code_note"),
        portal_url=r.text(data, "portal_url", "portal_url"),
        group=group,
        variant=variant,
        agency=optional("agency", lambda v: r.fact(v, "agency")),
        applies_to=optional("applies_to", lambda v: r.fact(v, "applies_to")),
        documents=optional("documents", lambda v: _parse_documents(r, v)),
        processing_time=optional("processing_time", lambda v: _parse_processing_time(r, v)),
        fees=optional("fees", lambda v: _parse_fees(r, v)),
        channels=optional("channels", lambda v: _parse_channels(r, v)),
        result=optional("result", lambda v: r.fact(v, "result")),
        result_delivery=optional("result_delivery", lambda v: _parse_result_delivery(r, v)),
        conditions=optional("conditions", lambda v: _parse_fact_list(r, v, "conditions")),
        forms=optional("forms", lambda v: _parse_forms(r, v)),
        lien_thong=optional("lien_thong", lambda v: r.fact(v, "lien_thong")),
        related=r.facts(data.get("related"), "related"),
        notes=r.facts(data.get("notes"), "notes"),
        common_mistakes=r.facts(data.get("common_mistakes"), "common_mistakes"),
        research_ref=r.text(data, "research_ref", "research_ref"),
    )
    if procedure.verified > dt.date.today():
        r.problem("verified", "is in the future")
    return procedure if len(problems) == before else None


def _check_catalog_wide(procedures: list[Procedure], lexicon: Lexicon, problems: list[Problem]) -> None:
    from bot.text import normalize

    seen_alias: dict[str, str] = {}
    groups: dict[str, list[Procedure]] = {}
    for p in procedures:
        for alias in (p.name, *p.aliases):
            key = normalize(alias)
            other = seen_alias.setdefault(key, p.id)
            if other != p.id:
                problems.append(Problem(f"{p.id}.yml", None, "aliases", f"{alias!r} is also used by {other}.yml"))
        if p.group:
            groups.setdefault(p.group, []).append(p)
    for name, members in groups.items():
        if len(members) < 2:
            problems.append(Problem(f"{members[0].id}.yml", None, "group", f"{name!r} has no other member"))
        seen: dict[tuple, str] = {}
        for p in members:
            key = tuple(sorted(p.variant.items()))
            if key in seen:
                problems.append(Problem(f"{p.id}.yml", None, "variant",
                                        f"same variant as {seen[key]}.yml in group {name!r}; they cannot be told apart"))
            seen[key] = p.id


def _load(directory: Path, lexicon: Lexicon | None) -> tuple[list[Procedure], Lexicon | None, list[Problem]]:
    try:
        lexicon = lexicon or load_lexicon()
    except (OSError, ValueError, TypeError, KeyError, AttributeError, yaml.YAMLError) as exc:
        # A typo in lexicon.yml is reported like a catalog problem: the previous version keeps serving.
        return [], None, [Problem(str(paths.LEXICON), None, "(file)", f"cannot be read: {exc}")]
    problems: list[Problem] = []
    files = sorted(directory.glob("*.yml"))
    if not files:
        problems.append(Problem(str(directory), None, "(directory)", "contains no procedure files"))
    procedures = [p for f in files if (p := _parse_procedure(f, lexicon, problems))]
    _check_catalog_wide(procedures, lexicon, problems)
    return procedures, lexicon, problems


def check_catalog(directory: Path | None = None, lexicon: Lexicon | None = None) -> list[Problem]:
    """Every problem in the catalog; an empty list means it is valid."""
    return _load(directory or paths.PROCEDURES, lexicon)[2]


def load_catalog(directory: Path | None = None, lexicon: Lexicon | None = None) -> Catalog:
    """Load and validate the catalog. Raises CatalogError listing all problems."""
    procedures, lexicon, problems = _load(directory or paths.PROCEDURES, lexicon)
    if problems:
        raise CatalogError(problems)
    return Catalog(procedures, lexicon)


class CatalogStore:
    """The current catalog, reloaded when a procedure file or one of the files answers are built
    from (`paths.ANSWER_FILES`) changes (checked at most every `interval` s): a new Catalog
    object is what makes bot.service rebuild the dialogue.

    A reload that fails validation keeps serving the previous catalog: an officer's typo never
    takes the assistant down. This is a cache of files, not conversation state, so it is safe
    in every replica of the action server.
    """

    def __init__(self, directory: Path | None = None, interval: float = 2.0,
                 on_error: Callable[[CatalogError], None] | None = None):
        self.directory = directory or paths.PROCEDURES
        self.interval = interval
        self.on_error = on_error
        self._lock = threading.Lock()
        self._catalog: Catalog | None = None
        self._signature: tuple | None = None
        self._checked = 0.0

    def _current_signature(self) -> tuple:
        files = sorted(self.directory.glob("*.yml"))
        return tuple((f.name, f.stat().st_mtime_ns, f.stat().st_size) for f in files) + tuple(
            f.stat().st_mtime_ns if f.exists() else None for f in paths.ANSWER_FILES)

    def get(self) -> Catalog:
        now = time.monotonic()
        if self._catalog is not None and now - self._checked < self.interval:
            return self._catalog
        with self._lock:
            self._checked = now
            signature = self._current_signature()
            if self._catalog is None or signature != self._signature:
                try:
                    self._catalog = load_catalog(self.directory)
                except CatalogError as exc:
                    if self._catalog is None:
                        raise
                    if self.on_error:
                        self.on_error(exc)
                self._signature = signature
            return self._catalog
