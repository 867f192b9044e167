"""Read dossiers from a JSON or CSV file, checking every row before anything is stored.

JSON: a list of objects in the contract's form (docs/dossiers.md). CSV: one row per dossier
with the columns in CSV_COLUMNS; `supplement_items` separated by " | ". Every bad row is
reported as "row N: field: reason"; if any row is bad, nothing is imported.
"""
from __future__ import annotations

import csv
import json
from pathlib import Path

from bot.catalog import Catalog
from bot.dossiers.model import Dossier, DossierError, from_dict

CSV_COLUMNS = ("code", "procedure_id", "procedure_name", "applicant_name", "applicant_phone",
               "applicant_id_number", "received_at", "due_at", "status", "current_step", "current_unit",
               "supplement_items", "return_method", "result_ready_at", "updated_at")
REQUIRED_CSV = {"code", "applicant_name", "received_at", "due_at", "status"}


class ImportProblems(ValueError):
    """The file cannot be imported; `problems` lists every bad row."""

    def __init__(self, problems: list[str]):
        super().__init__("\n".join(problems))
        self.problems = problems


def _csv_record(row: dict[str, str]) -> dict:
    items = [i.strip() for i in (row.get("supplement_items") or "").split("|") if i.strip()]
    return {
        "code": row.get("code"), "procedure_id": row.get("procedure_id"), "procedure_name": row.get("procedure_name"),
        "applicant": {"name": row.get("applicant_name"), "phone": row.get("applicant_phone"),
                      "id_number": row.get("applicant_id_number")},
        "received_at": row.get("received_at"), "due_at": row.get("due_at"), "status": row.get("status"),
        "current_step": {"name": row.get("current_step"), "unit": row.get("current_unit")},
        "supplement": {"items": items}, "return_method": row.get("return_method"),
        "result_ready_at": row.get("result_ready_at"), "updated_at": row.get("updated_at"),
    }


def read_records(path: Path) -> list[dict]:
    """The raw records of a .json or .csv file; raises ImportProblems for an unreadable file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise ImportProblems([f"{path}: cannot read ({exc.__class__.__name__})"]) from None
    if path.suffix.lower() == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ImportProblems([f"{path}: not valid JSON (line {exc.lineno}: {exc.msg})"]) from None
        if isinstance(data, dict) and isinstance(data.get("dossiers"), list):
            data = data["dossiers"]
        if not isinstance(data, list):
            raise ImportProblems([f"{path}: expected a list of dossiers"])
        return data
    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(text.splitlines())
        missing = REQUIRED_CSV - set(reader.fieldnames or ())
        if missing:
            raise ImportProblems([f"{path}: missing columns: {', '.join(sorted(missing))}"])
        return [_csv_record(row) for row in reader]
    raise ImportProblems([f"{path}: use a .json or .csv file"])


def parse_records(records: list, catalog: Catalog | None = None) -> list[Dossier]:
    """Dossiers from raw records; raises ImportProblems listing every bad row (rows count from 1)."""
    problems: list[str] = []
    dossiers: list[Dossier] = []
    seen: dict[str, int] = {}
    for n, record in enumerate(records, start=1):
        try:
            d = from_dict(record)
        except DossierError as exc:
            problems.append(f"row {n}: {exc}")
            continue
        if d.code in seen:
            problems.append(f"row {n}: code: same code as row {seen[d.code]}")
            continue
        seen[d.code] = n
        if catalog is not None and d.procedure_id and d.procedure_id not in catalog and not d.procedure_name:
            problems.append(f"row {n}: procedure_id: {d.procedure_id!r} is not in the catalog (give procedure_name)")
            continue
        dossiers.append(d)
    if problems:
        raise ImportProblems(problems)
    if not dossiers:
        raise ImportProblems(["no dossiers in the file"])
    return dossiers
