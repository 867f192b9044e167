"""Safe edits of one procedure file (data/procedures/ID.yml) from the staff console's form.

    values = form_values("karaoke")          # every form field, filled with the current facts
    values["fees"] = values["fees"].replace("1.000.000 đồng/phòng", "1.200.000 đồng/phòng")
    p = preview("karaoke", values)           # candidate text, unified diff, problems per field
    if p.ok and p.changed:
        save(p)                              # atomic; EditConflict if the file changed meanwhile

The form (`fields()`) is generic: text boxes, checkboxes and "lines" boxes holding one item per
line in a small syntax documented in docs/catalog.md ("Editing from the staff console"): parts
separated by " | ", a part "chưa chắc chắn" marking the item uncertain. A submitted value equal to
the current one leaves its part of the file untouched, so `preview(id, form_values(id))` changes
nothing. A changed value is written back through ruamel.yaml's round-trip mode, item by item, so
comments, key order and quoting of everything else stay and the diff shows only the edit.

A field the form cannot show faithfully for one entry (an unknown key, a text containing " | "...)
is *locked* (`locked_fields`): it is left untouched, and a changed value for it is refused.

Candidates are validated with the same checker as `python -m bot catalog check`
(bot.catalog.check_catalog, run on a copy of the catalog directory holding the candidate file);
each of its problems is reported on the form field it concerns, in Vietnamese.
"""
from __future__ import annotations

import datetime as dt
import difflib
import fcntl
import io
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field as dc_field
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError
from ruamel.yaml.representer import RoundTripRepresenter
from ruamel.yaml.scalarstring import DoubleQuotedScalarString, ScalarString

from bot import paths
from bot.catalog import ID_RE, Problem, check_catalog
from bot.text import fold, normalize

UNCERTAIN = "chưa chắc chắn"  # the part that marks an item uncertain
SEP = " | "  # separates the parts of one line
MAX_CHARS = 2000  # longest accepted value or line (the longest fact in the catalog has ~300)
ALIAS_MIN, ALIAS_MAX = 3, 200
CHECKED, UNCHECKED = "1", ""  # checkbox values returned by form_values


# ---------------------------------------------------------------------------- public types


@dataclass(frozen=True)
class FieldSpec:
    """One input of the edit form, rendered generically by the web page."""

    name: str  # form field name, e.g. "fees", "processing_time", "verified"
    label: str  # Vietnamese label shown to the officer
    kind: str  # "text" | "textarea" | "date" | "select" | "checkbox" | "lines"
    help: str = ""  # Vietnamese hint (the line format expected)
    options: tuple[tuple[str, str], ...] = ()  # (value, Vietnamese label) for selects


@dataclass(frozen=True)
class FieldProblem:
    field: str  # a FieldSpec name, or "" for a problem of the whole entry
    reason: str  # Vietnamese, starting with the field's label


@dataclass(frozen=True)
class Preview:
    procedure_id: str
    path: Path
    old_text: str
    new_text: str
    diff: str  # unified diff old -> new, for the preview page and the audit log
    problems: tuple[FieldProblem, ...]
    changed_fields: tuple[str, ...] = ()  # names of the fields whose values differ from the file

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def changed(self) -> bool:
        return self.new_text != self.old_text


class EditConflict(Exception):
    """The file changed on disk since the preview was made: nothing was written."""


class EditRefused(Exception):
    """The preview has problems (or the catalog check failed again at save): nothing was written."""

    def __init__(self, problems: tuple[FieldProblem, ...] | list[FieldProblem]):
        self.problems = tuple(problems)
        super().__init__("; ".join(p.reason for p in self.problems))


class UnreadableEntry(Exception):
    """The procedure file is not a readable YAML mapping: it must be repaired by hand."""


# ---------------------------------------------------------------------------- YAML round trip


class _Representer(RoundTripRepresenter):
    """Writes None as `null` like the catalog files (ruamel writes an empty value); a subclass,
    so that other users of ruamel.yaml in the process (Rasa) are not affected."""


_Representer.add_representer(type(None), lambda r, _: r.represent_scalar("tag:yaml.org,2002:null", "null"))


def _yaml() -> YAML:
    y = YAML(typ="rt")
    y.Representer = _Representer
    y.preserve_quotes = True
    y.width = 1_000_000  # never fold a long sentence onto several lines
    y.indent(mapping=2, sequence=4, offset=2)
    return y


# Where a new top-level key or facet key goes (after the last present key that precedes it).
_TOP_ORDER = (
    "id", "code", "code_uncertain", "code_note", "portal_url", "name", "short_name", "aliases",
    "group", "variant", "field", "level", "agency", "applies_to", "documents", "processing_time",
    "fees", "channels", "result", "result_delivery", "conditions", "forms", "lien_thong",
    "common_mistakes", "legal_basis", "related", "notes", "research_ref", "sources", "verified",
)
_FACET_ORDER = {
    "documents": ("uncertain", "note", "sets", "complete", "items"),
    "fees": ("none", "uncertain", "note", "items"),
    "channels": ("at_department", "uncertain", "note", "items"),
    "conditions": ("uncertain", "note", "items"),
    "forms": ("uncertain", "note", "items"),
    "processing_time": ("text", "days", "working_days", "uncertain", "note"),
}
_ENUM_KEYS = frozenset({"kind", "online_level"})  # written unquoted, like the files do


class _Unrepresentable(Exception):
    """The form cannot show this value faithfully (the field is locked)."""


def _styled(value: str, like: Any, quote: bool = True) -> str:
    """`value` with the quoting style of `like` (the scalar it replaces, or a sibling)."""
    if isinstance(like, ScalarString):
        return type(like)(value)
    if isinstance(like, str):
        return value
    return DoubleQuotedScalarString(value) if quote else value


def _put(mapping: CommentedMap, key: str, value: Any, order: tuple[str, ...]) -> None:
    """Set `key`; a new key goes after the last present key that precedes it in `order`."""
    if key in mapping:
        mapping[key] = value
        return
    rank = order.index(key) if key in order else len(order)
    pos = 0
    for i, k in enumerate(mapping):
        if k in order and order.index(k) < rank:
            pos = i + 1
    mapping.insert(pos, key, value)


def _same(old: Any, new: Any) -> bool:
    """Equal values of the same YAML type (True is not 1, "1" is not 1)."""
    if isinstance(old, str) or isinstance(new, str):
        return isinstance(old, str) and isinstance(new, str) and str(old) == str(new)
    return isinstance(old, bool) == isinstance(new, bool) and type(old) is type(new) and old == new


def _sync_map(mapping: CommentedMap, canon: dict[str, Any], order: tuple[str, ...]) -> None:
    """Make `mapping` hold exactly `canon`, touching only the keys whose value changed."""
    for key in [k for k in mapping if k not in canon]:
        del mapping[key]
    for key in order:
        if key not in canon:
            continue
        value, old = canon[key], mapping.get(key)
        if key in mapping and _same(old, value):
            continue
        if isinstance(value, str):
            value = _styled(value, old if isinstance(old, str) else None, quote=key not in _ENUM_KEYS)
        _put(mapping, key, value, order)


def _get(doc: CommentedMap, path: tuple[str, ...]) -> Any:
    node = doc.get(path[0])
    if len(path) == 1 or node is None:
        return node
    if path[0] == "processing_time" and isinstance(node, str):  # the short form: a plain text
        return node if path[1] == "text" else None
    if not isinstance(node, dict):
        raise _Unrepresentable(f"“{path[0]}” không phải dạng biểu mẫu hiểu được")
    return node.get(path[1])


def _set(doc: CommentedMap, path: tuple[str, ...], value: Any) -> None:
    if len(path) == 1:
        _put(doc, path[0], value, _TOP_ORDER)
        return
    facet = doc.get(path[0])
    if isinstance(facet, str):  # processing_time: "..." becomes a mapping to take more keys
        facet = CommentedMap([("text", facet)])
        doc[path[0]] = facet
    elif facet is None:
        facet = CommentedMap()
        _put(doc, path[0], facet, _TOP_ORDER)
    _put(facet, path[1], value, _FACET_ORDER.get(path[0], ()))


def _delete(doc: CommentedMap, path: tuple[str, ...]) -> None:
    if len(path) == 1:
        doc.pop(path[0], None)
        return
    facet = doc.get(path[0])
    if isinstance(facet, str) and path[1] == "text":
        del doc[path[0]]
    elif isinstance(facet, dict):
        facet.pop(path[1], None)


# ---------------------------------------------------------------------------- line syntax


class _LineError(Exception):
    """One line (or value) does not follow the form's syntax; the message is Vietnamese."""


# Every pattern here reads each run of spaces one way only (no "\s*x?\s*" around an absent x, no
# repeat that overlaps the next one), so a long line cannot make the matching slow.
_TRAILING_FLAG = re.compile(r"(?<!\s)\s*\(\s*(?:chưa chắc chắn|chua chac chan)\s*\)\s*$", re.IGNORECASE)
# "từ ngày 05/01/2026", "đến 31/12/2026" (matched without diacritics); with "ngày" anything follows.
_DATE_PART = re.compile(r"(?:ap dung\s+)?(tu|den)(?:\s+ngay\s*(?::\s*)?(\S.*)|\s*(?::\s*)?(\d\S*))")
# amount, maybe "đồng", maybe "/ unit" (words separated by spaces; the trailing spaces are not the unit's)
_MONEY = re.compile(r"(\d{1,3}(?:[.,  ]\d{3})+|\d+)(?:\s*(?:đồng|đ|vnđ|vnd))?"
                    r"(?:\s*/\s*([^\d/;:,()|\s]+(?:\s+[^\d/;:,()|\s]+)*))?\s*", re.IGNORECASE)
_UNIT = re.compile(r"[^\d/;:,()|]+")


@dataclass
class _Parts:
    """One line split on "|": the first part, labelled parts ("căn cứ: ..."), the uncertain flag
    and the remaining unlabelled parts."""

    first: str
    labelled: dict[str, str] = dc_field(default_factory=dict)
    uncertain: bool = False
    plain: list[str] = dc_field(default_factory=list)


def _is_flag(part: str) -> bool:
    return fold(part).strip("() ") == "chua chac chan"


def _split(line: str, labels: Mapping[str, str]) -> _Parts:
    """`labels` maps a label without diacritics ("can cu") to the key it fills ("basis")."""
    raw = [p.strip() for p in line.split("|")]
    raw = [p for p in raw if p]
    if not raw:
        raise _LineError("dòng trống")
    uncertain = False
    if _TRAILING_FLAG.search(raw[-1]) and not _is_flag(raw[-1]):
        raw[-1], uncertain = _TRAILING_FLAG.sub("", raw[-1]), True
    parts = _Parts(raw[0], uncertain=uncertain)
    if _is_flag(parts.first):
        raise _LineError(f"dòng phải bắt đầu bằng nội dung, không phải “{UNCERTAIN}”")
    for part in raw[1:]:
        if _is_flag(part):
            parts.uncertain = True
            continue
        head, colon, rest = part.partition(":")
        key = labels.get(fold(head).strip()) if colon else None
        if key is None:
            parts.plain.append(part)
        elif key in parts.labelled:
            raise _LineError(f"phần “{head.strip()}:” xuất hiện hai lần")
        elif not rest.strip():
            raise _LineError(f"phần “{head.strip()}:” để trống")
        else:
            parts.labelled[key] = rest.strip()
    return parts


def _join(parts: list[str], uncertain: bool) -> str:
    return SEP.join(parts + ([UNCERTAIN] if uncertain else []))


def _no_plain(parts: _Parts, hint: str) -> None:
    if parts.plain:
        raise _LineError(f"không hiểu phần “{parts.plain[0]}” ({hint})")


def parse_date(text: str) -> dt.date:
    """05/01/2026, 5-1-2026, 05.01.2026 or 2026-01-05; raises ValueError with a Vietnamese reason."""
    text = text.strip()
    if m := re.fullmatch(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})", text):
        day, month, year = map(int, m.groups())
    elif m := re.fullmatch(r"(\d{4})-(\d{1,2})-(\d{1,2})", text):
        year, month, day = map(int, m.groups())
    else:
        raise ValueError(f"“{text}” không phải là ngày (viết ngày/tháng/năm, ví dụ 05/01/2026)")
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise ValueError(f"“{text}” không phải là ngày có thật") from None


def _date_vn(day: dt.date) -> str:
    return day.strftime("%d/%m/%Y")


def _money(amount: int) -> str:
    return f"{amount:,}".replace(",", ".") + " đồng"


def _parse_money(text: str) -> tuple[int, str | None] | None:
    m = _MONEY.fullmatch(text.strip())
    if not m:
        return None
    return int(re.sub(r"\D", "", m.group(1))), (m.group(2).strip() if m.group(2) else None)


# One kind of list item: how the file holds it (a mapping with these keys, or a bare string
# standing for `text_key`), how it is written on one form line and read back.

_STR, _INT, _DATE, _TRUE = "str", "int", "date", "true"
_KEY_TYPES = {
    "name": _STR, "kind": _STR, "count": _INT, "form": _STR, "uncertain": _TRUE, "amount": _INT,
    "unit": _STR, "condition": _STR, "text": _STR, "effective_from": _DATE, "effective_to": _DATE,
    "basis": _STR, "online_level": _STR, "ref": _STR, "note": _STR,
}


def _has_type(value: Any, kind: str) -> bool:
    if kind == _STR:
        return isinstance(value, str) and "\n" not in value and value.strip() == value and bool(value)
    if kind == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == _DATE:
        return isinstance(value, dt.date) and not isinstance(value, dt.datetime)
    return value is True


@dataclass(frozen=True)
class _Item:
    keys: tuple[str, ...]  # the mapping's keys, in the order the files write them
    render: Callable[[dict], str]
    parse: Callable[[str], dict]  # raises _LineError
    text_key: str = ""  # a bare string item stands for {text_key: string}; "" = always a mapping
    bare: bool = False  # a new item without flags is written as a bare string
    quote: bool = True  # new strings are double-quoted
    plain_only: bool = False  # items are bare strings only (aliases, sources)

    def canon(self, node: Any) -> dict[str, Any]:
        """The item as a plain dict (None and `uncertain: false` left out)."""
        if isinstance(node, str):
            if not self.text_key or not _has_type(str(node), _STR):
                raise _Unrepresentable("có một mục viết ở dạng biểu mẫu không hiểu được")
            return {self.text_key: str(node)}
        if self.plain_only or not isinstance(node, dict):
            raise _Unrepresentable("có một mục viết ở dạng biểu mẫu không hiểu được")
        out: dict[str, Any] = {}
        for key, value in node.items():
            if key not in self.keys:
                raise _Unrepresentable(f"có trường “{key}” mà biểu mẫu không có")
            if value is None or (key == "uncertain" and value is False):
                continue
            if not _has_type(value, _KEY_TYPES[key]):
                raise _Unrepresentable(f"trường “{key}” có giá trị biểu mẫu không hiểu được")
            out[key] = str(value) if isinstance(value, str) else value
        return out

    def node(self, canon: dict[str, Any], old: Any, like: Any) -> Any:
        """The YAML node for `canon`: `old` updated in place when it is a mapping, a bare string
        when the item is only its text and the file writes such items bare, else a new mapping."""
        if isinstance(old, dict):
            _sync_map(old, canon, self.keys)
            return old
        only_text = bool(self.text_key) and set(canon) == {self.text_key}
        bare = isinstance(old, str) or (old is None and (isinstance(like, str) or (like is None and self.bare)))
        if only_text and (bare or self.plain_only):
            style = old if isinstance(old, str) else like if isinstance(like, str) else None
            return _styled(canon[self.text_key], style, self.quote)
        mapping = CommentedMap()
        for key in self.keys:
            if key in canon:
                value = canon[key]
                if isinstance(value, str):
                    style = old if key == self.text_key and isinstance(old, str) else None
                    value = _styled(value, style, quote=key not in _ENUM_KEYS)
                mapping[key] = value
        return mapping


# -- facts: conditions, legal basis, notes, number of sets ---------------------------------------

def _render_fact(c: dict) -> str:
    return _join([c["text"]] + ([f"ghi chú: {c['note']}"] if "note" in c else []), c.get("uncertain", False))


def _parse_fact(line: str) -> dict:
    parts = _split(line, {"ghi chu": "note"})
    _no_plain(parts, "chỉ được thêm “ghi chú: ...” và “chưa chắc chắn”")
    out: dict[str, Any] = {"text": parts.first}
    if parts.uncertain:
        out["uncertain"] = True
    return out | parts.labelled


_FACT = _Item(("text", "uncertain", "note"), _render_fact, _parse_fact, text_key="text", bare=True)


# -- plain strings: aliases, sources --------------------------------------------------------------

def _parse_plain(line: str) -> dict:
    return {"text": line}


def _parse_alias(line: str) -> dict:
    return {"text": " ".join(line.split())}


_ALIAS = _Item(("text",), lambda c: c["text"], _parse_alias, text_key="text", bare=True, quote=False, plain_only=True)
_SOURCE = _Item(("text",), lambda c: c["text"], _parse_plain, text_key="text", bare=True, plain_only=True)

# -- documents ------------------------------------------------------------------------------------

_DOCUMENT_KINDS = {
    "original": "bản chính", "copy": "bản sao", "certified_copy": "bản sao có chứng thực",
    "original_or_copy": "bản chính hoặc bản sao",
}
_DOCUMENT_KIND_WORDS = {fold(label): kind for kind, label in _DOCUMENT_KINDS.items()}


def _render_document(c: dict) -> str:
    parts = [c["name"]]
    if "kind" in c:
        parts.append(_DOCUMENT_KINDS.get(c["kind"], c["kind"]))
    if "count" in c:
        parts.append(f"số lượng: {c['count']}")
    if "form" in c:
        parts.append(f"mẫu: {c['form']}")
    return _join(parts, c.get("uncertain", False))


def _parse_document(line: str) -> dict:
    parts = _split(line, {"so luong": "count", "mau": "form"})
    out: dict[str, Any] = {"name": parts.first}
    for part in parts.plain:
        kind = _DOCUMENT_KIND_WORDS.get(fold(part))
        if kind is None or "kind" in out:
            raise _LineError(f"không hiểu phần “{part}” (loại bản viết: {', '.join(_DOCUMENT_KINDS.values())}; "
                             "mẫu viết “mẫu: ...”)")
        out["kind"] = kind
    if "count" in parts.labelled:
        count = parts.labelled.pop("count")
        if not count.isdigit() or int(count) < 1:
            raise _LineError(f"số lượng “{count}” phải là số nguyên từ 1 trở lên")
        out["count"] = int(count)
    out |= parts.labelled
    if parts.uncertain:
        out["uncertain"] = True
    return out


_DOCUMENT = _Item(("name", "kind", "count", "form", "uncertain"), _render_document, _parse_document, text_key="name")

# -- fees -----------------------------------------------------------------------------------------


def _render_fee(c: dict) -> str:
    parts = [c["name"]]
    unit = c.get("unit")
    if "amount" in c:
        simple_unit = unit is not None and _UNIT.fullmatch(unit) and unit.strip() == unit
        parts.append(_money(c["amount"]) + (f"/{unit}" if simple_unit else ""))
        if unit is not None and not simple_unit:
            parts.append(f"đơn vị: {unit}")
        if "text" in c:
            parts.append(f"mô tả: {c['text']}")
    else:
        if "text" in c:  # a text that reads like an amount is labelled, so it stays a text
            parts.append(f"mô tả: {c['text']}" if _parse_money(c["text"]) else c["text"])
        if unit is not None:
            parts.append(f"đơn vị: {unit}")
    if "effective_from" in c:
        parts.append(f"từ ngày {_date_vn(c['effective_from'])}")
    if "effective_to" in c:
        parts.append(f"đến ngày {_date_vn(c['effective_to'])}")
    if "condition" in c:
        parts.append(f"điều kiện: {c['condition']}")
    if "basis" in c:
        parts.append(f"căn cứ: {c['basis']}")
    return _join(parts, c.get("uncertain", False))


def _parse_fee(line: str) -> dict:
    parts = _split(line, {"dieu kien": "condition", "can cu": "basis", "don vi": "unit", "mo ta": "text"})
    if _parse_money(parts.first):
        raise _LineError("dòng phải bắt đầu bằng tên khoản phí, rồi “ | ” và mức phí")
    out: dict[str, Any] = {"name": parts.first}
    amount_parts = []
    for part in parts.plain:
        m = _DATE_PART.fullmatch(fold(part).strip())
        if m:
            date_text = m.group(2) or m.group(3)
            key = "effective_from" if m.group(1) == "tu" else "effective_to"
            if key in out:
                raise _LineError(f"phần “{part}” xuất hiện hai lần")
            try:
                out[key] = parse_date(date_text)
            except ValueError as exc:
                raise _LineError(f"ngày {'bắt đầu áp dụng' if m.group(1) == 'tu' else 'hết hiệu lực'} {exc}") from None
        else:
            amount_parts.append(part)
    if len(amount_parts) > 1:
        raise _LineError(f"không hiểu phần “{amount_parts[1]}” (sau tên chỉ có một mức phí; các phần khác "
                         "viết “từ ngày ...”, “đến ngày ...”, “điều kiện: ...”, “căn cứ: ...”)")
    money = _parse_money(amount_parts[0]) if amount_parts else None
    if money:
        out["amount"], unit = money
        if unit is not None:
            if "unit" in parts.labelled:
                raise _LineError("đơn vị ghi hai lần (sau dấu “/” và trong “đơn vị:”)")
            out["unit"] = unit
    elif amount_parts:  # a description instead of one amount ("01–03 phòng: 4.000.000 đồng; ...")
        if "text" in parts.labelled:
            raise _LineError(f"“{amount_parts[0]}” không phải một số tiền, nên không ghi thêm “mô tả:”")
        out["text"] = amount_parts[0]
    elif "text" not in parts.labelled:
        raise _LineError("thiếu mức phí (ví dụ: Phí thẩm định | 650.000 đồng/thẻ)")
    out |= parts.labelled
    if parts.uncertain:
        out["uncertain"] = True
    return out


_FEE = _Item(("name", "amount", "unit", "condition", "text", "effective_from", "effective_to", "basis", "uncertain"),
             _render_fee, _parse_fee)

# -- channels -------------------------------------------------------------------------------------

_CHANNEL_LABELS = {
    ("in_person", None): "Trực tiếp", ("post", None): "Bưu chính công ích", ("online", None): "Trực tuyến",
    ("online", "toan-trinh"): "Trực tuyến toàn trình", ("online", "mot-phan"): "Trực tuyến một phần",
}
_CHANNEL_WORDS = {fold(label): key for key, label in _CHANNEL_LABELS.items()} | {
    "nop truc tiep": ("in_person", None), "buu chinh": ("post", None), "buu dien": ("post", None),
    "qua buu dien": ("post", None), "online": ("online", None), "truc tuyen toan trinh": ("online", "toan-trinh"),
}


def _render_channel(c: dict) -> str:
    label = _CHANNEL_LABELS.get((c.get("kind"), c.get("online_level")), f"{c.get('kind')}/{c.get('online_level')}")
    return _join([label, c["text"]], c.get("uncertain", False))


def _parse_channel(line: str) -> dict:
    parts = _split(line, {})
    key = _CHANNEL_WORDS.get(fold(parts.first))
    if key is None:
        raise _LineError(f"không rõ cách nộp “{parts.first}”: đầu dòng viết "
                         + ", ".join(_CHANNEL_LABELS.values()))
    if not parts.plain:
        raise _LineError("thiếu mô tả (ví dụ: Bưu chính công ích | Gửi qua dịch vụ bưu chính công ích)")
    if len(parts.plain) > 1:
        raise _LineError(f"không hiểu phần “{parts.plain[1]}” (mỗi dòng chỉ một mô tả)")
    out: dict[str, Any] = {"kind": key[0], "text": parts.plain[0]}
    if key[1]:
        out["online_level"] = key[1]
    if parts.uncertain:
        out["uncertain"] = True
    return out


_CHANNEL = _Item(("kind", "text", "online_level", "uncertain"), _render_channel, _parse_channel)

# -- forms ----------------------------------------------------------------------------------------


def _render_form(c: dict) -> str:
    return _join([c["name"]] + ([f"mẫu: {c['ref']}"] if "ref" in c else []), c.get("uncertain", False))


def _parse_form(line: str) -> dict:
    parts = _split(line, {"mau": "ref"})
    _no_plain(parts, "số hiệu mẫu viết “mẫu: ...”")
    out: dict[str, Any] = {"name": parts.first} | parts.labelled
    if parts.uncertain:
        out["uncertain"] = True
    return out


_FORM = _Item(("name", "ref", "uncertain"), _render_form, _parse_form)


# ---------------------------------------------------------------------------- input hygiene

_HTML = re.compile(r"<\s*(?:/\s*)?[A-Za-z!?]|&(?:#\d+|#x[0-9A-Fa-f]+|[A-Za-z]+);")


def _clean(value: Any) -> str:
    """NFC, unified line ends."""
    text = "" if value is None else str(value)
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _hygiene(text: str) -> str | None:
    """Why `text` (one line) cannot be stored, or None."""
    for char in text:
        if unicodedata.category(char) in ("Cc", "Cf", "Cs", "Co") or char in "\u2028\u2029":
            return f"có ký tự điều khiển hoặc ký tự ẩn (U+{ord(char):04X}); hãy gõ lại đoạn này"
    if _HTML.search(text):
        return "không được chứa mã HTML (thẻ <...> hoặc &...;)"
    if len(text) > MAX_CHARS:
        return f"dài {len(text)} ký tự; tối đa {MAX_CHARS}"
    return None


# ---------------------------------------------------------------------------- form fields


@dataclass
class _Parsed:
    value: Any
    problems: list[str]  # Vietnamese, without the field label ("dòng 2: ...")
    lines: tuple[int, ...] = ()  # form line number of each list item


class _Field:
    """One form field: where it lives in the file, how it is shown and read back."""

    spec: FieldSpec
    path: tuple[str, ...]
    required = False

    def current(self, doc: CommentedMap) -> Any:
        raise NotImplementedError

    def render(self, value: Any) -> str:
        raise NotImplementedError

    def parse(self, text: str) -> _Parsed:
        raise NotImplementedError

    def write(self, doc: CommentedMap, value: Any) -> None:
        raise NotImplementedError

    def empty(self, value: Any) -> bool:
        return value in (None, "", [], False)

    def checks(self, parsed: _Parsed) -> list[str]:
        """Extra rules on a changed value (besides `required`)."""
        return []


class _Text(_Field):
    """A single text: `kind` "text" (one line) or "textarea" (lines are joined with a space)."""

    def __init__(self, spec: FieldSpec, path: tuple[str, ...], required: bool = False):
        self.spec, self.path, self.required = spec, path, required

    def current(self, doc: CommentedMap) -> str:
        value = _get(doc, self.path)
        if value is None:
            return ""
        if not _has_type(value, _STR):
            raise _Unrepresentable("giá trị không phải một dòng chữ")
        return str(value)

    def render(self, value: str) -> str:
        return value

    def parse(self, text: str) -> _Parsed:
        joined = " ".join(line.strip() for line in text.split("\n") if line.strip())
        problem = _hygiene(joined)
        return _Parsed(joined, [problem] if problem else [])

    def write(self, doc: CommentedMap, value: str) -> None:
        if not value:
            _delete(doc, self.path)
        else:
            old = _get(doc, self.path)
            _set(doc, self.path, _styled(value, old if isinstance(old, str) else None))


class _Date(_Field):
    def __init__(self, spec: FieldSpec, path: tuple[str, ...], required: bool = False):
        self.spec, self.path, self.required = spec, path, required

    def current(self, doc: CommentedMap) -> dt.date | None:
        value = _get(doc, self.path)
        if value is not None and not _has_type(value, _DATE):
            raise _Unrepresentable("giá trị không phải một ngày")
        return value

    def render(self, value: dt.date | None) -> str:
        return value.isoformat() if value else ""  # the format of <input type="date">

    def parse(self, text: str) -> _Parsed:
        text = text.strip()
        if not text:
            return _Parsed(None, [])
        try:
            return _Parsed(parse_date(text), [])
        except ValueError as exc:
            return _Parsed(None, [str(exc)])

    def write(self, doc: CommentedMap, value: dt.date | None) -> None:
        _set(doc, self.path, value) if value else _delete(doc, self.path)


class _Check(_Field):
    """A flag; `inverted` for `documents.complete` (checked = the list is *not* complete)."""

    def __init__(self, spec: FieldSpec, path: tuple[str, ...], inverted: bool = False):
        self.spec, self.path, self.inverted = spec, path, inverted

    def current(self, doc: CommentedMap) -> bool:
        value = _get(doc, self.path)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise _Unrepresentable("giá trị không phải đúng/sai")
        return value is (not self.inverted)

    def render(self, value: bool) -> str:
        return CHECKED if value else UNCHECKED

    def parse(self, text: str) -> _Parsed:
        word = fold(text.strip())
        if word in ("", "0", "off", "false", "no", "khong"):
            return _Parsed(False, [])
        if word in ("1", "on", "true", "yes", "co", "x"):
            return _Parsed(True, [])
        return _Parsed(False, [f"giá trị “{text.strip()}” không phải có/không"])

    def write(self, doc: CommentedMap, value: bool) -> None:
        if value:
            _set(doc, self.path, not self.inverted)
        else:
            _delete(doc, self.path)


class _Days(_Field):
    """processing_time.days: the main figure of the time text."""

    def __init__(self, spec: FieldSpec, path: tuple[str, ...]):
        self.spec, self.path = spec, path

    def current(self, doc: CommentedMap) -> int | None:
        value = _get(doc, self.path)
        if value is not None and not _has_type(value, _INT):
            raise _Unrepresentable("giá trị không phải số nguyên")
        return value

    def render(self, value: int | None) -> str:
        return "" if value is None else str(value)

    def parse(self, text: str) -> _Parsed:
        text = text.strip()
        if not text:
            return _Parsed(None, [])
        if not text.isdigit() or int(text) < 1:
            return _Parsed(None, [f"“{text}” phải là một số nguyên, ví dụ 15"])
        return _Parsed(int(text), [])

    def write(self, doc: CommentedMap, value: int | None) -> None:
        _set(doc, self.path, value) if value is not None else _delete(doc, self.path)


class _OneFact(_Field):
    """A single fact on one line, with the fact syntax (documents.sets: "01 bộ | chưa chắc chắn")."""

    def __init__(self, spec: FieldSpec, path: tuple[str, ...]):
        self.spec, self.path = spec, path

    def current(self, doc: CommentedMap) -> dict | None:
        value = _get(doc, self.path)
        return None if value is None else _FACT.canon(value)

    def render(self, value: dict | None) -> str:
        return _FACT.render(value) if value else ""

    def parse(self, text: str) -> _Parsed:
        text = " ".join(text.split("\n")).strip()
        if not text:
            return _Parsed(None, [])
        if problem := _hygiene(text):
            return _Parsed(None, [problem])
        try:
            return _Parsed(_FACT.parse(text), [])
        except _LineError as exc:
            return _Parsed(None, [str(exc)])

    def write(self, doc: CommentedMap, value: dict | None) -> None:
        if value is None:
            _delete(doc, self.path)
        else:
            _set(doc, self.path, _FACT.node(value, _get(doc, self.path), None))


class _Lines(_Field):
    """A list, one item per line."""

    def __init__(self, spec: FieldSpec, path: tuple[str, ...], item: _Item, required: bool = False,
                 keep_empty: bool = False, check: Callable[[list[dict], tuple[int, ...]], list[str]] | None = None):
        self.spec, self.path, self.item, self.required = spec, path, item, required
        self.keep_empty, self._check = keep_empty, check

    def current(self, doc: CommentedMap) -> list[dict]:
        value = _get(doc, self.path)
        if value is None:
            return []
        if not isinstance(value, list):
            raise _Unrepresentable("không phải một danh sách")
        return [self.item.canon(node) for node in value]

    def render(self, value: list[dict]) -> str:
        return "\n".join(self.item.render(c) for c in value)

    def parse(self, text: str) -> _Parsed:
        items, problems, lines = [], [], []
        for number, line in enumerate(text.split("\n"), 1):
            line = line.strip()
            if not line:
                continue
            problem = _hygiene(line)
            if problem is None:
                try:
                    items.append(self.item.parse(line))
                    lines.append(number)
                    continue
                except _LineError as exc:
                    problem = str(exc)
            problems.append(f"dòng {number}: {problem}")
        return _Parsed(items, problems, tuple(lines))

    def checks(self, parsed: _Parsed) -> list[str]:
        return self._check(parsed.value, parsed.lines) if self._check else []

    def write(self, doc: CommentedMap, value: list[dict]) -> None:
        seq = _get(doc, self.path)
        if not value and not self.keep_empty:
            _delete(doc, self.path)
            return
        if not isinstance(seq, list):
            seq = CommentedSeq()
            _set(doc, self.path, seq)
        old_nodes = list(seq)
        old = [self.item.canon(n) for n in old_nodes]
        like = old_nodes[0] if old_nodes else None
        # Align old and new items so that unchanged items keep their node (and formatting) and a
        # changed line updates its item in place: the diff then shows only what changed.
        matcher = difflib.SequenceMatcher(None, [self.item.render(c) for c in old],
                                          [self.item.render(c) for c in value], autojunk=False)
        result: list[Any] = []
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            if tag == "equal":
                result.extend(old_nodes[i1:i2])
                continue
            olds = old_nodes[i1:i2]
            for k, canon in enumerate(value[j1:j2]):
                result.append(self.item.node(canon, olds[k] if k < len(olds) else None, like))
        for i in reversed(range(len(seq))):
            del seq[i]
        seq.extend(result)


def _check_aliases(items: list[dict], lines: tuple[int, ...]) -> list[str]:
    problems, seen = [], {}
    for item, number in zip(items, lines):
        alias = item["text"]
        if not ALIAS_MIN <= len(alias) <= ALIAS_MAX:
            problems.append(f"dòng {number}: “{alias}” dài {len(alias)} ký tự; cách gọi phải dài "
                            f"từ {ALIAS_MIN} đến {ALIAS_MAX} ký tự")
        key = normalize(alias)
        if key in seen:
            problems.append(f"dòng {number}: “{alias}” đã có trong danh sách (dòng {seen[key]})")
        seen.setdefault(key, number)
    return problems


def _check_unique_lines(items: list[dict], lines: tuple[int, ...]) -> list[str]:
    seen: dict[str, int] = {}
    problems = []
    for item, number in zip(items, lines):
        key = normalize(item["text"])
        if key in seen:
            problems.append(f"dòng {number}: trùng với dòng {seen[key]}")
        seen.setdefault(key, number)
    return problems


_FACT_HELP = "Mỗi dòng một mục. Thêm “ | chưa chắc chắn” ở cuối dòng nếu cần Sở xác nhận lại; “ | ghi chú: ...” để kèm ghi chú."
_CHECKBOX_NOTE = "cần Sở xác nhận lại"


def _facet_fields(facet: str, label: str) -> list[_Field]:
    return [
        _Check(FieldSpec(f"{facet}_uncertain", f"{label}: cả phần này {_CHECKBOX_NOTE}", "checkbox"), (facet, "uncertain")),
        _Text(FieldSpec(f"{facet}_note", f"{label}: ghi chú", "textarea", "Một câu ngắn hiện kèm câu trả lời."), (facet, "note")),
    ]


_FIELDS: tuple[_Field, ...] = (
    _Text(FieldSpec("name", "Tên thủ tục", "text", "Tên chính thức, viết có dấu."), ("name",), required=True),
    _Text(FieldSpec("short_name", "Tên ngắn", "text", "Tối đa 40 ký tự; hiện trên nút bấm."), ("short_name",),
          required=True),
    _Lines(FieldSpec("aliases", "Cách người dân gọi thủ tục", "lines",
                     f"Mỗi dòng một cách gọi, viết có dấu, dài {ALIAS_MIN}–{ALIAS_MAX} ký tự "
                     "(ví dụ: thẻ hdv nội địa). Không trùng với thủ tục khác."),
           ("aliases",), _ALIAS, required=True, check=_check_aliases),
    _Lines(FieldSpec("documents", "Thành phần hồ sơ", "lines",
                     "Mỗi dòng một giấy tờ: Tên giấy tờ | bản chính / bản sao / bản sao có chứng thực / bản chính "
                     "hoặc bản sao | số lượng: 2 | mẫu: Mẫu số 01 ... | chưa chắc chắn. Chỉ tên là bắt buộc."),
           ("documents", "items"), _DOCUMENT),
    _OneFact(FieldSpec("documents_sets", "Số bộ hồ sơ", "text",
                       "Ví dụ: 01 bộ. Thêm “ | chưa chắc chắn” nếu cần Sở xác nhận lại."), ("documents", "sets")),
    _Check(FieldSpec("documents_incomplete", "Danh sách giấy tờ chưa đầy đủ", "checkbox"), ("documents", "complete"),
           inverted=True),
    *_facet_fields("documents", "Thành phần hồ sơ"),
    _Text(FieldSpec("processing_time", "Thời hạn giải quyết", "textarea",
                    "Viết như văn bản ghi, ví dụ: 15 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ."),
          ("processing_time", "text")),
    _Days(FieldSpec("processing_time_days", "Thời hạn: số ngày chính", "text",
                    "Con số chính của thời hạn, phải có trong câu trên; để trống nếu không có."),
          ("processing_time", "days")),
    _Check(FieldSpec("processing_time_working_days", "Thời hạn tính theo ngày làm việc", "checkbox"),
           ("processing_time", "working_days")),
    _Check(FieldSpec("processing_time_uncertain", f"Thời hạn {_CHECKBOX_NOTE}", "checkbox"),
           ("processing_time", "uncertain")),
    _Text(FieldSpec("processing_time_note", "Thời hạn: ghi chú", "textarea", "Một câu ngắn hiện kèm câu trả lời."),
          ("processing_time", "note")),
    _Check(FieldSpec("fees_none", "Không thu phí, lệ phí", "checkbox", "Khi đánh dấu, để trống ô phí, lệ phí bên dưới."),
           ("fees", "none")),
    _Lines(FieldSpec("fees", "Phí, lệ phí", "lines",
                     "Mỗi dòng một khoản: Tên khoản | Mức | từ ngày 05/01/2026 | đến ngày 31/12/2026 | "
                     "điều kiện: ... | căn cứ: Thông tư ... | chưa chắc chắn. Mức viết số tiền như "
                     "“650.000 đồng/thẻ”, hoặc một câu nếu không phải một số tiền. Chỉ tên và mức là bắt buộc; "
                     "khoản đã hết hiệu lực (có “đến ngày”) được giữ lại và nói là mức cũ."),
           ("fees", "items"), _FEE),
    *_facet_fields("fees", "Phí, lệ phí"),
    _Lines(FieldSpec("channels", "Cách nộp hồ sơ", "lines",
                     "Mỗi dòng một cách: Trực tiếp / Bưu chính công ích / Trực tuyến toàn trình / Trực tuyến một "
                     "phần / Trực tuyến (chưa rõ mức độ) | mô tả | chưa chắc chắn. Ví dụ: Bưu chính công ích | "
                     "Gửi qua dịch vụ bưu chính công ích."),
           ("channels", "items"), _CHANNEL),
    *_facet_fields("channels", "Cách nộp hồ sơ"),
    _Lines(FieldSpec("conditions", "Điều kiện", "lines", _FACT_HELP), ("conditions", "items"), _FACT),
    *_facet_fields("conditions", "Điều kiện"),
    _Lines(FieldSpec("forms", "Mẫu đơn, tờ khai", "lines",
                     "Mỗi dòng một mẫu: Tên mẫu | mẫu: Mẫu số 01 Phụ lục ... Thông tư ... | chưa chắc chắn."),
           ("forms", "items"), _FORM),
    *_facet_fields("forms", "Mẫu đơn, tờ khai"),
    _Lines(FieldSpec("legal_basis", "Căn cứ pháp lý", "lines", _FACT_HELP), ("legal_basis",), _FACT,
           keep_empty=True, check=_check_unique_lines),
    _Lines(FieldSpec("notes", "Lưu ý", "lines", _FACT_HELP), ("notes",), _FACT),
    _Lines(FieldSpec("sources", "Nguồn thông tin", "lines",
                     "Mỗi dòng một nguồn: địa chỉ trang (https://...) hoặc tên văn bản đã đối chiếu."),
           ("sources",), _SOURCE, required=True, check=_check_unique_lines),
    _Date(FieldSpec("verified", "Ngày kiểm tra thông tin", "date",
                    "Ngày đối chiếu gần nhất với nguồn (ví dụ 27/11/2026). Cập nhật khi đã kiểm tra lại."),
          ("verified",), required=True),
)
_BY_NAME = {f.spec.name: f for f in _FIELDS}


def fields() -> list[FieldSpec]:
    """The edit form, in display order (the same for every procedure)."""
    return [f.spec for f in _FIELDS]


# ---------------------------------------------------------------------------- reading an entry


@dataclass
class _Entry:
    procedure_id: str
    path: Path
    text: str
    doc: CommentedMap
    yaml: YAML


@dataclass(frozen=True)
class _State:
    """A field's current value in one entry."""

    value: Any
    text: str  # as shown in the form
    locked: str | None  # why the form cannot change it, or None


def _directory(directory: Path | None) -> Path:
    return Path(directory) if directory is not None else paths.PROCEDURES


def _read(path: Path) -> str:
    return path.read_bytes().decode("utf-8")


def _load(procedure_id: str, directory: Path | None) -> _Entry:
    if not isinstance(procedure_id, str) or not ID_RE.match(procedure_id):
        raise KeyError(procedure_id)
    path = _directory(directory) / f"{procedure_id}.yml"
    try:
        text = _read(path)
    except FileNotFoundError:
        raise KeyError(procedure_id) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UnreadableEntry(f"{path.name}: {exc}") from exc
    y = _yaml()
    try:
        doc = y.load(text)
    except YAMLError as exc:
        raise UnreadableEntry(f"{path.name}: {exc}".splitlines()[0]) from exc
    if not isinstance(doc, CommentedMap):
        raise UnreadableEntry(f"{path.name}: không phải một mục thủ tục")
    return _Entry(procedure_id, path, text, doc, y)


def _raw(doc: CommentedMap, path: tuple[str, ...]) -> str:
    """Best-effort display of a locked value."""
    try:
        value = _get(doc, path)
    except _Unrepresentable:
        value = doc.get(path[0])
    if value is None:
        return ""
    if isinstance(value, list):
        return "\n".join(str(v) for v in value)
    return str(value)


def _state(f: _Field, doc: CommentedMap) -> _State:
    try:
        value = f.current(doc)
    except _Unrepresentable as exc:
        return _State(None, _raw(doc, f.path), str(exc))
    text = f.render(value)
    back = f.parse(text)
    if back.problems or back.value != value:
        why = "; ".join(back.problems) or "biểu mẫu không thể hiện được đầy đủ giá trị hiện có"
        return _State(value, text, why)
    return _State(value, text, None)


def form_values(procedure_id: str, directory: Path | None = None) -> dict[str, str]:
    """The current values as form strings, for every field of `fields()`; KeyError for an unknown id."""
    entry = _load(procedure_id, directory)
    return {f.spec.name: _state(f, entry.doc).text for f in _FIELDS}


def locked_fields(procedure_id: str, directory: Path | None = None) -> dict[str, str]:
    """Fields the form cannot change for this entry (field name -> Vietnamese reason): show them
    read-only; they are left untouched, and a changed value is refused."""
    entry = _load(procedure_id, directory)
    return {f.spec.name: s.locked for f in _FIELDS if (s := _state(f, entry.doc)).locked}


def submitted(form: Mapping[str, str]) -> dict[str, str]:
    """Values of a posted HTML form: a browser leaves unchecked checkboxes out, so every checkbox
    of the form that is absent is unchecked. (Other absent fields are left unchanged by preview.)"""
    values = {k: v for k, v in form.items() if k in _BY_NAME}
    for f in _FIELDS:
        if f.spec.kind == "checkbox":
            values.setdefault(f.spec.name, UNCHECKED)
    return values


# ---------------------------------------------------------------------------- preview


def _edit(entry: _Entry, values: Mapping[str, str], force: bool = False
          ) -> tuple[list[FieldProblem], list[str], dict[str, tuple[int, ...]]]:
    """Apply the changed `values` to entry.doc. Returns the form problems, the changed fields and
    the form line numbers of the items of each changed list. `force` rewrites every field even when
    unchanged (the tests use it to prove that writing a value back is the identity)."""
    doc = entry.doc
    problems: list[FieldProblem] = []
    changed: list[str] = []
    lines: dict[str, tuple[int, ...]] = {}
    facets_were_text = {k for k in _FACET_ORDER if isinstance(doc.get(k), str)}
    touched: set[str] = set()
    for f in _FIELDS:
        name = f.spec.name
        if values.get(name) is None:
            continue
        state = _state(f, doc)
        text = _clean(values[name])
        if not force and text.strip() == state.text.strip():
            continue
        parsed = f.parse(text)
        label = f.spec.label
        if not parsed.problems and parsed.value == state.value and not force:
            continue  # the same facts written differently (spaces, "650000" for "650.000 đồng")
        if state.locked:
            if parsed.value != state.value or parsed.problems:
                problems.append(FieldProblem(name, f"{label}: không sửa được qua biểu mẫu ({state.locked}); "
                                                   "hãy nhờ người quản trị sửa trực tiếp tệp dữ liệu"))
            continue
        reasons = list(parsed.problems)
        if not reasons and f.required and f.empty(parsed.value):
            reasons.append("không được để trống")
        if not reasons:
            reasons = f.checks(parsed)
        if reasons:
            problems.extend(FieldProblem(name, f"{label}{',' if r.startswith('dòng ') else ':'} {r}") for r in reasons)
            continue
        if parsed.value != state.value or force:
            f.write(doc, parsed.value)
            touched.add(f.path[0])
            if parsed.value != state.value:
                changed.append(name)
            lines[name] = parsed.lines
    for facet in touched:
        node = doc.get(facet)
        if isinstance(node, dict) and not node:
            del doc[facet]  # every part of the facet was cleared: "no verified information"
        elif facet in facets_were_text and isinstance(node, dict) and list(node) == ["text"]:
            doc[facet] = node["text"]  # back to the short form `processing_time: "..."`
    return problems, changed, lines


def _dump(entry: _Entry) -> str:
    out = io.StringIO()
    entry.yaml.dump(entry.doc, out)
    return out.getvalue()


def _diff(path: Path, old: str, new: str) -> str:
    return "".join(difflib.unified_diff(old.splitlines(keepends=True), new.splitlines(keepends=True),
                                        fromfile=f"a/{path.name}", tofile=f"b/{path.name}"))


def _make_preview(entry: _Entry, values: Mapping[str, str], extra: tuple[FieldProblem, ...] = ()) -> Preview:
    old_text = entry.text
    problems, changed, lines = _edit(entry, values)
    problems = list(extra) + problems
    new_text = _dump(entry) if changed else old_text
    if new_text != old_text:
        problems += _catalog_problems(entry.procedure_id, entry.path, new_text, entry.doc, lines)
    return Preview(entry.procedure_id, entry.path, old_text, new_text, _diff(entry.path, old_text, new_text),
                   tuple(problems), tuple(changed))


def preview(procedure_id: str, values: Mapping[str, str], directory: Path | None = None) -> Preview:
    """What saving `values` would write, with the diff and every problem. A field absent from
    `values` (or None), or equal to its current value, is left untouched. KeyError for an unknown id;
    UnreadableEntry when the file itself cannot be read."""
    return _make_preview(_load(procedure_id, directory), values)


def add_alias(procedure_id: str, alias: str, directory: Path | None = None) -> Preview:
    """A preview that adds one alias (e.g. a phrasing citizens used that found nothing); the caller
    then save()s it."""
    entry = _load(procedure_id, directory)
    current = _state(_BY_NAME["aliases"], entry.doc)
    alias = _clean(alias).strip()
    label = _BY_NAME["aliases"].spec.label
    if not alias:
        return _make_preview(entry, {}, (FieldProblem("aliases", f"{label}: cách gọi mới không được để trống"),))
    if "\n" in alias:
        return _make_preview(entry, {}, (FieldProblem("aliases", f"{label}: cách gọi mới chỉ được có một dòng"),))
    if current.locked is None and any(normalize(alias) == normalize(c["text"]) for c in current.value):
        return _make_preview(entry, {}, (FieldProblem("aliases", f"{label}: “{alias}” đã có trong danh sách"),))
    return _make_preview(entry, {"aliases": f"{current.text}\n{alias}" if current.text else alias})


# ---------------------------------------------------------------------------- the catalog checker


def _check_candidate(directory: Path, path: Path, text: str) -> tuple[list[Problem], set[str]]:
    """Run the catalog checker on a copy of the directory where `path` holds `text`. Returns its
    problems and the names of the procedure files checked."""
    with tempfile.TemporaryDirectory(prefix="catalog-edit-") as tmp:
        copy = Path(tmp)
        names = {f.name for f in directory.glob("*.yml")} | {path.name}
        for name in names - {path.name}:
            shutil.copyfile(directory / name, copy / name)
        (copy / path.name).write_bytes(text.encode("utf-8"))
        return check_catalog(copy), names


_REASONS: tuple[tuple[str, str], ...] = (
    (r"^is required", "bắt buộc phải có"),
    (r"^must be non-empty text", "không được để trống"),
    (r"^contains a research remark \('([^']*)'\)", "có chữ “{0}” là ghi chú nội bộ khi nghiên cứu: hãy viết "
                                                  "cho người dân đọc, hoặc đánh dấu “chưa chắc chắn”"),
    (r"^is (\d+) characters; at most 40", "dài {0} ký tự; nút bấm chỉ chứa được tối đa 40 ký tự"),
    (r"^must list at least one document", "cần ít nhất một giấy tờ (để trống mọi ô của phần này nếu chưa biết)"),
    (r"^must list at least one channel", "cần ít nhất một cách nộp (để trống mọi ô của phần này nếu chưa biết)"),
    (r"^lists no fee", "chưa có khoản phí nào: đánh dấu “Không thu phí, lệ phí” nếu miễn phí, hoặc đánh dấu "
                       "cả phần cần Sở xác nhận lại"),
    (r"^is true but fee items are listed", "đã đánh dấu không thu phí nhưng vẫn còn khoản phí"),
    (r"^is before effective_from", "ngày hết hiệu lực trước ngày bắt đầu áp dụng"),
    (r"^needs `amount` or `text`", "thiếu mức phí"),
    (r"^(\d+) does not appear in `text`", "số {0} không có trong câu thời hạn giải quyết (không được tự đặt ra "
                                          "con số)"),
    (r"^is in the future", "là ngày trong tương lai"),
    (r"^must be a non-empty list of phrases", "cần ít nhất một cách gọi"),
    (r"^must list at least one source", "cần ít nhất một nguồn"),
    (r"^must be a date", "phải là một ngày"),
)
_PART_NAMES = {
    "amount": "mức phí", "unit": "đơn vị", "condition": "điều kiện", "text": "nội dung", "basis": "căn cứ",
    "effective_from": "ngày bắt đầu áp dụng", "effective_to": "ngày hết hiệu lực", "name": "tên", "form": "mẫu",
    "ref": "mẫu", "note": "ghi chú", "kind": "loại", "online_level": "mức độ trực tuyến", "count": "số lượng",
}
_ALIAS_CLASH = re.compile(r"^'(.*)' is also used by (\S+)\.yml$")


def _vietnamese(reason: str) -> str:
    for pattern, text in _REASONS:
        if m := re.search(pattern, reason):
            return text.format(*m.groups())
    return f"{reason} (theo bộ kiểm tra danh mục)"


def _field_of(path: str) -> tuple[_Field | None, int | None, str | None]:
    """The form field a checker path concerns, the item index, and the item's part."""
    names: list[str] = []
    index, part = None, None
    for token in re.findall(r"[A-Za-z_]+|\[\d+\]", path):
        if token.startswith("["):
            if index is None:
                index = int(token[1:-1])
        elif index is None:
            names.append(token)
        elif part is None:
            part = token
    by_path = {f.path: f for f in _FIELDS}
    for f in _FIELDS:  # a facet as a whole: its list, or the time's text
        if f.path[-1] in ("items", "text"):
            by_path.setdefault(f.path[:1], f)
    for n in range(len(names), 0, -1):
        if f := by_path.get(tuple(names[:n])):
            if n < len(names) and part is None:
                part = names[n]
            return f, index, part
    return None, index, part


def _problem_for(p: Problem, procedure_id: str, doc: CommentedMap, lines: dict[str, tuple[int, ...]]) -> FieldProblem:
    if clash := _ALIAS_CLASH.match(p.reason):
        alias, other = clash.group(1), clash.group(2)
        if other == procedure_id:
            other = Path(p.file).stem
        name = doc.get("name")
        f = _BY_NAME["name"] if isinstance(name, str) and normalize(name) == normalize(alias) else _BY_NAME["aliases"]
        where = ""
        if f.spec.name == "aliases" and isinstance(doc.get("aliases"), list):
            keys = [normalize(a) if isinstance(a, str) else None for a in doc["aliases"]]
            if normalize(alias) in keys:
                i = keys.index(normalize(alias))
                numbers = lines.get("aliases")
                where = f", dòng {numbers[i] if numbers and i < len(numbers) else i + 1}"
        return FieldProblem(f.spec.name, f"{f.spec.label}{where}: “{alias}” đã là tên hoặc cách gọi của "
                                         f"thủ tục khác ({other})")
    f, index, part = _field_of(p.field)
    reason = _vietnamese(p.reason)
    if f is None:
        return FieldProblem("", f"{p.field}: {reason}")
    where = ""
    if index is not None and isinstance(f, _Lines):
        numbers = lines.get(f.spec.name)
        where = f", dòng {numbers[index] if numbers and index < len(numbers) else index + 1}"
    if part and isinstance(f, _Lines) and part in _PART_NAMES:
        where += f" ({_PART_NAMES[part]})"
    return FieldProblem(f.spec.name, f"{f.spec.label}{where}: {reason}")


def _catalog_problems(procedure_id: str, path: Path, text: str, doc: CommentedMap,
                      lines: dict[str, tuple[int, ...]]) -> list[FieldProblem]:
    """The checker's problems that concern this entry once `text` replaces it (other files' own
    problems are not this edit's business), mapped to form fields."""
    problems, names = _check_candidate(path.parent, path, text)
    ours = []
    for p in problems:
        concerns_us = p.file == path.name or f"{procedure_id}.yml" in p.reason or p.file not in names
        if concerns_us:
            fp = _problem_for(p, procedure_id, doc, lines)
            if fp not in ours:
                ours.append(fp)
    return ours


# ---------------------------------------------------------------------------- saving


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Serialise saves of one file between processes. The lock is on the file being replaced: a
    save waiting for it then re-reads the path, sees the new content and reports a conflict."""
    try:
        handle = open(path, "rb")
    except FileNotFoundError:
        raise EditConflict(f"{path.name} không còn trên đĩa") from None
    with handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _write_atomically(path: Path, text: str) -> None:
    """Write a temp file next to `path` (not *.yml, so the catalog never sees it), fsync, keep the
    mode, then os.replace: readers see the old file or the new one, never half of it."""
    mode = stat.S_IMODE(os.stat(path).st_mode)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(text.encode("utf-8"))
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    with suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


def save(preview: Preview, directory: Path | None = None) -> None:
    """Write a previewed edit. EditRefused if it has problems (or the catalog check fails now, e.g.
    another procedure took the same alias meanwhile); EditConflict if the file is no longer the
    text the preview was made from. Nothing is written in either case."""
    if not preview.ok:
        raise EditRefused(preview.problems)
    path = preview.path
    if directory is not None and Path(directory).resolve() != path.parent.resolve():
        raise ValueError(f"{path} is not in {directory}")
    with _file_lock(path):
        if _read(path) != preview.old_text:
            raise EditConflict(f"{path.name} đã được sửa sau khi xem trước; hãy mở lại và sửa lại")
        if not preview.changed:
            return
        doc = _yaml().load(preview.new_text)
        problems = _catalog_problems(preview.procedure_id, path, preview.new_text, doc, {})
        if problems:
            raise EditRefused(problems)
        _write_atomically(path, preview.new_text)
