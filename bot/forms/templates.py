"""Form templates: data/forms/<id>.yml read into typed, validated objects.

    templates = load_templates()                 # raises TemplateError listing every problem
    problems = check_templates(catalog)          # the same checks plus catalog cross-checks
    form = templates["hdv-cap-the"].for_procedure("hdv-quoc-te")

A template is one official form; `procedures` maps each catalog procedure that uses it to its
own title, legal reference and fixed values (one form for the domestic and the international
tour-guide card, say). `FormView` is a template seen through one procedure: it is what the
session and the renderers use. The schema is documented in docs/forms.md.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import paths
from bot.text import clean_input, fold

FIELD_TYPES = {"text", "name", "address", "date", "cccd", "phone", "email", "business_reg_no", "integer", "choice"}
ID_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,40}$")
_PLACEHOLDER_RE = re.compile(r"\{(\w+)\}")
FORMS_DIR = paths.DATA / "forms"
TEXTS_FILE = "texts.yml"

_FIELD_KEYS = {"key", "label", "type", "required", "ask", "example", "profile", "options", "uppercase", "join",
               "section", "print", "only_for", "past", "future", "after", "min", "max", "money", "note"}
_TEMPLATE_KEYS = {"id", "name", "title", "note", "procedures", "recipient", "request", "declaration", "signature",
                  "photo_box", "ask_first", "fields", "fee_condition_field"}
_VARIANT_KEYS = {"title", "legal_ref", "legal_ref_uncertain", "fixed"}


@dataclass(frozen=True)
class FieldSpec:
    """One blank of the form."""

    key: str
    label: str
    type: str
    ask: str
    example: str
    required: bool = True
    profile: str | None = None  # key in the citizen's profile, shared across forms
    options: tuple[str, ...] = ()
    uppercase: bool = False  # printed in capitals ("Họ và tên (chữ in hoa)")
    join: bool = False  # printed on the same numbered line as the previous field
    section: str | None = None  # a heading printed before this field
    printed: bool = True  # False: used only in the title, "Kính gửi" or request sentence
    only_for: tuple[str, ...] = ()  # procedure ids; empty = all
    past: bool = False
    future: bool = False
    after: str | None = None  # key of a date field this date may not precede
    min: int | None = None
    max: int | None = None
    money: bool = False  # an amount in đồng, printed with digit grouping
    note: str | None = None


@dataclass(frozen=True)
class Variant:
    """How one procedure uses the form."""

    procedure_id: str
    title: str
    legal_ref: str | None
    legal_ref_uncertain: bool
    fixed: dict[str, str]


@dataclass(frozen=True)
class Signature:
    title: str | None = None
    hint: str | None = None
    name_field: str | None = None


@dataclass(frozen=True)
class FormTemplate:
    id: str
    name: str
    title: str
    recipient: str
    request: str
    fields: tuple[FieldSpec, ...]
    variants: dict[str, Variant]
    signature: Signature = Signature()
    declaration: str | None = None
    photo_box: bool = False
    ask_first: tuple[str, ...] = ()
    fee_condition_field: str | None = None
    note: str | None = None

    def for_procedure(self, procedure_id: str | None = None) -> "FormView":
        """The form as used by one procedure (the first listed one when None)."""
        if procedure_id is None:
            procedure_id = next(iter(self.variants))
        if procedure_id not in self.variants:
            raise KeyError(f"form {self.id!r} is not used by procedure {procedure_id!r}")
        return FormView(self, self.variants[procedure_id])


@dataclass(frozen=True)
class FormView:
    template: FormTemplate
    variant: Variant
    fields: tuple[FieldSpec, ...] = field(init=False)

    def __post_init__(self) -> None:
        pid = self.variant.procedure_id
        object.__setattr__(self, "fields", tuple(f for f in self.template.fields if not f.only_for or pid in f.only_for))

    @property
    def id(self) -> str:
        return self.template.id

    @property
    def procedure_id(self) -> str:
        return self.variant.procedure_id

    @property
    def name(self) -> str:
        """The form's name in a sentence; a procedure's own title ("… QUỐC TẾ") when it has one."""
        title = self.variant.title
        if title == self.template.title:
            return self.template.name
        return title[:1] + title[1:].lower()

    @property
    def title(self) -> str:
        return self.variant.title

    def field(self, key: str) -> FieldSpec:
        return next(f for f in self.fields if f.key == key)

    def ask_order(self) -> list[FieldSpec]:
        """Fields in the order they are asked: `ask_first` (identity, so that a returning
        citizen is recognised early), then the printed order."""
        first = [self.field(k) for k in self.template.ask_first if any(f.key == k for f in self.fields)]
        return first + [f for f in self.fields if f not in first]


class TemplateError(Exception):
    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


# ---------------------------------------------------------------------------- parsing


def _field(raw: Any, where: str, problems: list[str]) -> FieldSpec | None:
    if not isinstance(raw, dict):
        problems.append(f"{where}: a field must be a mapping")
        return None
    before = len(problems)
    for k in set(raw) - _FIELD_KEYS:
        problems.append(f"{where}: unknown key {k!r}")
    for k in ("key", "label", "type", "ask", "example"):
        if not isinstance(raw.get(k), (str, int)) or not str(raw.get(k)).strip():
            problems.append(f"{where}: `{k}` is required")
    if len(problems) > before:
        return None
    if raw["type"] not in FIELD_TYPES:
        problems.append(f"{where}: type {raw['type']!r} is not one of {sorted(FIELD_TYPES)}")
        return None
    options = tuple(str(o) for o in raw.get("options") or ())
    if (raw["type"] == "choice") != bool(options):
        problems.append(f"{where}: `options` go with type choice, and only with it")
    spec = FieldSpec(
        key=str(raw["key"]), label=str(raw["label"]), type=raw["type"], ask=str(raw["ask"]).strip(),
        example=str(raw["example"]), required=bool(raw.get("required", True)), profile=raw.get("profile"),
        options=options, uppercase=bool(raw.get("uppercase")), join=bool(raw.get("join")),
        section=raw.get("section"), printed=bool(raw.get("print", True)),
        only_for=tuple(raw.get("only_for") or ()), past=bool(raw.get("past")), future=bool(raw.get("future")),
        after=raw.get("after"), min=raw.get("min"), max=raw.get("max"), money=bool(raw.get("money")),
        note=raw.get("note"),
    )
    return spec


def _parse(file: Path, problems: list[str]) -> FormTemplate | None:
    where = file.name
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        problems.append(f"{where}: not valid YAML: {exc}")
        return None
    if not isinstance(raw, dict):
        problems.append(f"{where}: the file must be a mapping")
        return None
    before = len(problems)
    for k in set(raw) - _TEMPLATE_KEYS:
        problems.append(f"{where}: unknown key {k!r}")
    for k in ("id", "name", "title", "recipient", "request", "fields", "procedures"):
        if not raw.get(k):
            problems.append(f"{where}: `{k}` is required")
    if len(problems) > before:
        return None
    if raw["id"] != file.stem or not ID_RE.match(raw["id"]):
        problems.append(f"{where}: id {raw['id']!r} must be a short slug equal to the file name")
    fields = [f for i, r in enumerate(raw["fields"]) if (f := _field(r, f"{where}: fields[{i}]", problems))]
    keys = [f.key for f in fields]
    if len(set(keys)) != len(keys):
        problems.append(f"{where}: duplicate field keys")
    if fields and fields[0].join:
        problems.append(f"{where}: the first field cannot be `join`ed to a previous one")
    for f in fields:
        if f.after and f.after not in keys:
            problems.append(f"{where}: field {f.key}: `after` names unknown field {f.after!r}")
        if f.type == "choice" and f.example not in f.options:
            problems.append(f"{where}: field {f.key}: example must be one of the options")
    variants: dict[str, Variant] = {}
    for pid, v in (raw["procedures"] or {}).items():
        v = v or {}
        for k in set(v) - _VARIANT_KEYS:
            problems.append(f"{where}: procedures.{pid}: unknown key {k!r}")
        fixed = {str(k): str(val) for k, val in (v.get("fixed") or {}).items()}
        for k, val in fixed.items():
            spec = next((f for f in fields if f.key == k), None)
            if spec is None:
                problems.append(f"{where}: procedures.{pid}.fixed: unknown field {k!r}")
            elif spec.options and val not in spec.options:
                problems.append(f"{where}: procedures.{pid}.fixed.{k}: {val!r} is not an option")
        variants[pid] = Variant(pid, v.get("title") or raw["title"], v.get("legal_ref"),
                                bool(v.get("legal_ref_uncertain")), fixed)
    placeholders = set(_PLACEHOLDER_RE.findall(raw["recipient"])) | set(_PLACEHOLDER_RE.findall(raw["request"]))
    for name in placeholders - set(keys) - {"department", "recipient"}:
        problems.append(f"{where}: placeholder {{{name}}} names no field")
    signature = Signature(**(raw.get("signature") or {}))
    if signature.name_field and signature.name_field not in keys:
        problems.append(f"{where}: signature.name_field names unknown field {signature.name_field!r}")
    for k in raw.get("ask_first") or ():
        if k not in keys:
            problems.append(f"{where}: ask_first names unknown field {k!r}")
    fee_field = raw.get("fee_condition_field")
    if fee_field and fee_field not in keys:
        problems.append(f"{where}: fee_condition_field names unknown field {fee_field!r}")
    if len(problems) > before:
        return None
    return FormTemplate(
        id=raw["id"], name=raw["name"], title=raw["title"], recipient=raw["recipient"], request=raw["request"],
        fields=tuple(fields), variants=variants, signature=signature, declaration=raw.get("declaration"),
        photo_box=bool(raw.get("photo_box")), ask_first=tuple(raw.get("ask_first") or ()),
        fee_condition_field=fee_field, note=raw.get("note"),
    )


@functools.lru_cache(maxsize=8)  # templates are static data, read once per process
def _load(directory: Path) -> tuple[dict[str, FormTemplate], list[str]]:
    problems: list[str] = []
    templates = {}
    for file in sorted(directory.glob("*.yml")):
        if file.name == TEXTS_FILE:
            continue
        if (t := _parse(file, problems)) is not None:
            templates[t.id] = t
    users: dict[str, str] = {}
    for t in templates.values():
        for pid in t.variants:
            if pid in users:
                problems.append(f"{t.id}.yml: procedure {pid} already uses form {users[pid]}")
            users[pid] = t.id
    return templates, problems


def check_templates(directory: Path | None = None, catalog: Any = None) -> list[str]:
    """Every problem in the templates; with a catalog, also procedure ids that do not exist."""
    templates, problems = _load(directory or FORMS_DIR)
    if catalog is not None:
        for t in templates.values():
            problems += [f"{t.id}.yml: procedures: {pid!r} is not in the catalog" for pid in t.variants if pid not in catalog]
    return problems


@functools.lru_cache(maxsize=4)
def load_templates(directory: Path | None = None) -> dict[str, FormTemplate]:
    """All templates by id (cached: templates are static data, not conversation state)."""
    templates, problems = _load(directory or FORMS_DIR)
    if problems:
        raise TemplateError(problems)
    return templates


def form_for_procedure(procedure_id: str, directory: Path | None = None) -> FormView | None:
    """The form a procedure uses, or None when no template covers it."""
    for t in load_templates(directory).values():
        if procedure_id in t.variants:
            return t.for_procedure(procedure_id)
    return None


@functools.lru_cache(maxsize=4)
def load_texts(path: Path | None = None) -> dict[str, Any]:
    """data/forms/texts.yml: every sentence the form filler says or prints."""
    return yaml.safe_load((path or FORMS_DIR / TEXTS_FILE).read_text(encoding="utf-8"))


CCCD_IN_TEXT = re.compile(r"(?<![\d+])(?:\d[ .]?){11}\d(?!\d)")  # 12 digits, maybe grouped


def _says_any(text_: str, words: list[str]) -> bool:
    folded = f" {fold(clean_input(text_))} "
    return any(f" {fold(w)} " in folded for w in words)


# How the form actions and the intent check (bot.dialogue) tell a real request from a question
# the model misread as one; `intake` is texts.yml's `intake` section.
def asks_for_a_form(text_: str, intake: dict[str, Any]) -> bool:
    """"điền đơn", "làm đơn giúp", "tờ khai": `intake.request_words`, without diacritics."""
    return _says_any(text_, intake["request_words"])


def asks_to_forget(text_: str, intake: dict[str, Any]) -> bool:
    """"xoá thông tin của tôi" (`intake.forget_words`), or a CCCD with it."""
    return bool(CCCD_IN_TEXT.search(text_)) or _says_any(text_, intake["forget_words"])


def text(key: str, texts: dict[str, Any] | None = None, **values: Any) -> str:
    """One sentence of texts.yml by dotted key, with {fields} filled in."""
    node: Any = texts or load_texts()
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node
