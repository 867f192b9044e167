"""A dossier (hồ sơ) as the one-stop system reports it, and its JSON form.

The same JSON object is used by the import files (bot/dossiers/importer.py), the HTTP adapter's
contract (docs/dossiers.md) and the SQLite store, so there is one definition of each field.
"""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

# Thông tư 01/2018/TT-VPCP Điều 19: agency identifier (4 dot-separated parts), receipt date
# YYMMDD, 4-digit daily sequence: 000.00.15.H30-210524-0001. Citizens copy it with spaces,
# lowercase or other dashes; the agency part may also contain letters (H30, G12...).
# Phone keyboards in Japanese/Chinese mode type fullwidth forms ("０００．００．１５．Ｈ３０－２１０５２４"):
# they are read as the ASCII ones (NFKC), other scripts' digits are not.
_DIGIT = "[0-9０-９]"
_ALNUM = "[a-z0-9ａ-ｚ０-９]"
_DOT = r"\s*[.．]\s*"
_SEP = r"\s*(?:[-–—_/－]\s*)?"  # spaces, at most one dash: each character read one way only
CODE_RE = re.compile(
    rf"(?<![\w.．])({_ALNUM}{{3}}){_DOT}({_ALNUM}{{2}}){_DOT}({_ALNUM}{{2}}){_DOT}([a-zａ-ｚ]{_DIGIT}{{2}})"
    + _SEP + rf"({_DIGIT}{{6}})" + _SEP + rf"({_DIGIT}{{4}})(?!{_DIGIT})",
    re.IGNORECASE,
)

STATUSES = ("moi_tiep_nhan", "dang_xu_ly", "yeu_cau_bo_sung", "tam_dung", "co_ket_qua",
            "da_tra_ket_qua", "tu_choi", "da_rut", "qua_han")
FINISHED = frozenset({"da_tra_ket_qua", "tu_choi", "da_rut"})
RETURN_METHODS = ("tai_trung_tam", "buu_chinh", "truc_tuyen")


class DossierError(ValueError):
    """A dossier record that does not follow the contract (field and reason in the message)."""


def find_code(text: str) -> str | None:
    """The first dossier code in a message, in canonical form (uppercase, no spaces), or None."""
    m = CODE_RE.search(text or "")
    if not m:
        return None
    agency = ".".join(m.group(i) for i in range(1, 5)).upper()
    return unicodedata.normalize("NFKC", f"{agency}-{m.group(5)}-{m.group(6)}")


def normalize_code(value: str) -> str | None:
    """The canonical form of a value that is exactly one dossier code, else None."""
    text = (value or "").strip()
    return find_code(text) if CODE_RE.fullmatch(text) else None


def code_span(text: str) -> tuple[int, int] | None:
    m = CODE_RE.search(text or "")
    return m.span() if m else None


def mask_name(name: str) -> str:
    """'Nguyễn Văn An' -> 'Nguyễn V. A.': the family name and initials only."""
    parts = name.split()
    if not parts:
        return ""
    if len(parts) == 1:
        return parts[0][0].upper() + "."
    return " ".join([parts[0]] + [p[0].upper() + "." for p in parts[1:]])


def digits_only(value: str | None) -> str:
    return re.sub(r"\D", "", value or "")


@dataclass(frozen=True)
class Step:
    name: str
    unit: str = ""
    started_at: dt.date | None = None
    finished_at: dt.date | None = None
    note: str = ""


@dataclass(frozen=True)
class Dossier:
    code: str
    procedure_id: str
    applicant_name: str
    applicant_phone: str  # digits only
    applicant_id_number: str  # CCCD, 12 digits
    received_at: dt.date
    due_at: dt.date
    status: str
    current_step: str = ""
    current_unit: str = ""
    procedure_name: str = ""  # when the one-stop system names a procedure our catalog lacks
    history: tuple[Step, ...] = ()
    supplement_items: tuple[str, ...] = ()
    supplement_requested_at: dt.date | None = None
    return_method: str = "tai_trung_tam"
    result_ready_at: dt.date | None = None
    updated_at: str = ""
    extra: dict[str, Any] = field(default_factory=dict, compare=False)

    def matches_factor(self, last_four: str) -> bool:
        """The second check: the last 4 digits of the phone number or the CCCD on the dossier."""
        last_four = unicodedata.normalize("NFKC", last_four or "")
        if not re.fullmatch(r"[0-9]{4}", last_four):
            return False
        return any(len(v) >= 4 and v[-4:] == last_four for v in (self.applicant_phone, self.applicant_id_number))

    def __repr__(self) -> str:  # never print personal data by accident (logs, tracebacks)
        return f"Dossier(code={self.code!r}, procedure_id={self.procedure_id!r}, status={self.status!r})"

    __str__ = __repr__


# ---------------------------------------------------------------------------- JSON contract

STATUS_ALIASES = {
    "mới tiếp nhận": "moi_tiep_nhan", "mới": "moi_tiep_nhan", "đã tiếp nhận": "moi_tiep_nhan",
    "đang xử lý": "dang_xu_ly", "đang giải quyết": "dang_xu_ly", "đã chuyển xử lý": "dang_xu_ly",
    "yêu cầu bổ sung": "yeu_cau_bo_sung", "chờ bổ sung": "yeu_cau_bo_sung",
    "chờ công dân bổ sung": "yeu_cau_bo_sung",
    "tạm dừng": "tam_dung", "dừng xử lý": "tam_dung",
    "có kết quả": "co_ket_qua", "đã có kết quả": "co_ket_qua", "chờ trả": "co_ket_qua",
    "chờ trả kết quả": "co_ket_qua",
    "đã trả kết quả": "da_tra_ket_qua", "đã trả": "da_tra_ket_qua", "hoàn thành": "da_tra_ket_qua",
    "từ chối": "tu_choi", "từ chối giải quyết": "tu_choi", "từ chối tiếp nhận": "tu_choi",
    "đã rút": "da_rut", "rút hồ sơ": "da_rut", "quá hạn": "qua_han",
}


def parse_status(value: object) -> str:
    text = str(value or "").strip()
    if text in STATUSES:
        return text
    key = STATUS_ALIASES.get(text.lower())
    if key is None:
        raise DossierError(f"status: unknown status {text!r} (one of {', '.join(STATUSES)})")
    return key


_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(value: object, name: str, required: bool = True) -> dt.date | None:
    if value in (None, ""):
        if required:
            raise DossierError(f"{name}: missing date")
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text[:10], fmt).date()
        except ValueError:
            continue
    raise DossierError(f"{name}: not a date: {text!r} (use YYYY-MM-DD or DD/MM/YYYY)")


def _text(data: dict, name: str, required: bool = False) -> str:
    value = data.get(name)
    if value is None or str(value).strip() == "":
        if required:
            raise DossierError(f"{name}: missing")
        return ""
    if not isinstance(value, (str, int)):
        raise DossierError(f"{name}: must be text")
    return str(value).strip()


def from_dict(data: Any) -> Dossier:
    """Build a Dossier from the contract's JSON object; raises DossierError (field: reason)."""
    if not isinstance(data, dict):
        raise DossierError("record: must be a JSON object")
    code = normalize_code(_text(data, "code", required=True))
    if code is None:
        raise DossierError(f"code: not a dossier code: {data.get('code')!r} (e.g. 000.00.15.H30-210524-0001)")
    applicant = data.get("applicant") or {}
    if not isinstance(applicant, dict):
        raise DossierError("applicant: must be an object with name, phone, id_number")
    name = _text(applicant, "name")
    if not name:
        raise DossierError("applicant.name: missing")
    phone = digits_only(_text(applicant, "phone"))
    if phone.startswith("84") and len(phone) == 11:
        phone = "0" + phone[2:]
    if phone and not 9 <= len(phone) <= 11:
        raise DossierError("applicant.phone: must have 9-11 digits")
    id_number = digits_only(_text(applicant, "id_number"))
    if id_number and len(id_number) != 12:
        raise DossierError("applicant.id_number: a CCCD has 12 digits")
    if not phone and not id_number:
        raise DossierError("applicant: needs a phone or an id_number (the second check uses them)")
    procedure_id = _text(data, "procedure_id")
    procedure_name = _text(data, "procedure_name")
    if not procedure_id and not procedure_name:
        raise DossierError("procedure_id: missing (or give procedure_name)")
    current = data.get("current_step") or {}
    if isinstance(current, str):
        current = {"name": current}
    if not isinstance(current, dict):
        raise DossierError("current_step: must be an object with name and unit")
    history = []
    for i, step in enumerate(data.get("history") or []):
        if not isinstance(step, dict) or not _text(step, "step"):
            raise DossierError(f"history[{i}]: needs at least a step name")
        history.append(Step(_text(step, "step"), _text(step, "unit"),
                            parse_date(step.get("started_at"), f"history[{i}].started_at", False),
                            parse_date(step.get("finished_at"), f"history[{i}].finished_at", False),
                            _text(step, "note")))
    supplement = data.get("supplement") or {}
    if not isinstance(supplement, dict):
        raise DossierError("supplement: must be an object with items")
    items = supplement.get("items") or []
    if not isinstance(items, list) or not all(isinstance(i, str) and i.strip() for i in items):
        raise DossierError("supplement.items: must be a list of texts")
    status = parse_status(data.get("status"))
    if status == "yeu_cau_bo_sung" and not items:
        raise DossierError("supplement.items: a dossier waiting for supplements must list the items")
    return_method = _text(data, "return_method") or "tai_trung_tam"
    if return_method not in RETURN_METHODS:
        raise DossierError(f"return_method: one of {', '.join(RETURN_METHODS)}")
    received = parse_date(data.get("received_at"), "received_at")
    due = parse_date(data.get("due_at"), "due_at")
    if due < received:
        raise DossierError("due_at: before received_at")
    return Dossier(
        code=code, procedure_id=procedure_id, procedure_name=procedure_name,
        applicant_name=name, applicant_phone=phone, applicant_id_number=id_number,
        received_at=received, due_at=due, status=status,
        current_step=_text(current, "name"), current_unit=_text(current, "unit"),
        history=tuple(history), supplement_items=tuple(i.strip() for i in items),
        supplement_requested_at=parse_date(supplement.get("requested_at"), "supplement.requested_at", False),
        return_method=return_method,
        result_ready_at=parse_date(data.get("result_ready_at"), "result_ready_at", False),
        updated_at=_text(data, "updated_at"),
    )


def iso(day: dt.date | None) -> str | None:
    """A date as YYYY-MM-DD (the contract's and the store's form), None stays None."""
    return day.isoformat() if day else None


def to_dict(d: Dossier) -> dict[str, Any]:
    """The contract's JSON object for a Dossier (inverse of from_dict)."""
    return {
        "code": d.code, "procedure_id": d.procedure_id, "procedure_name": d.procedure_name or None,
        "applicant": {"name": d.applicant_name, "phone": d.applicant_phone or None,
                      "id_number": d.applicant_id_number or None},
        "received_at": iso(d.received_at), "due_at": iso(d.due_at), "status": d.status,
        "current_step": {"name": d.current_step, "unit": d.current_unit},
        "history": [{"step": s.name, "unit": s.unit, "started_at": iso(s.started_at),
                     "finished_at": iso(s.finished_at), "note": s.note or None} for s in d.history],
        "supplement": {"items": list(d.supplement_items), "requested_at": iso(d.supplement_requested_at)},
        "return_method": d.return_method, "result_ready_at": iso(d.result_ready_at),
        "updated_at": d.updated_at or None,
    }
