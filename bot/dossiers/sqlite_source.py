"""The embedded dossier store: one SQLite file, written and read with sqlite-utils.

Schema (created on first use; documented in docs/dossiers.md):

    dossiers        code TEXT PRIMARY KEY, procedure_id, procedure_name, applicant_name,
                    applicant_phone, applicant_id_number, received_at, due_at (ISO dates),
                    status, current_step, current_unit, supplement_items (JSON list),
                    supplement_requested_at, return_method, result_ready_at, updated_at
    dossier_steps   dossier_code -> dossiers.code, seq, step, unit, started_at, finished_at, note
                    (indexed on dossier_code)
"""
from __future__ import annotations

import datetime as dt
import json
import logging
import sqlite3
from contextlib import contextmanager
from pathlib import Path
from typing import Iterable, Iterator

import sqlite_utils

from bot.dossiers.model import Dossier, Step, iso
from bot.dossiers.source import SourceUnavailable
from bot.storage import database

log = logging.getLogger(__name__)
DOSSIERS = "dossiers"
STEPS = "dossier_steps"


def repair_hint(path: Path) -> str:
    """How to fix an unreadable store (said at start-up and in the action server's log)."""
    return (f"restore {path} from a backup, or move it away and import the dossiers again "
            f"(python -m bot dossiers import FILE)")


def store_problem(path: Path | str) -> str | None:
    """Why the SQLite file at `path` cannot serve lookups (not a database, damaged pages, no
    permission), or None when it can. Read-only: never creates or changes the file."""
    try:
        conn = sqlite3.connect(f"{Path(path).resolve().as_uri()}?mode=ro", uri=True, timeout=5)
        try:
            verdict = conn.execute("pragma quick_check").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return str(exc) or exc.__class__.__name__
    return None if verdict and verdict[0] == "ok" else f"integrity check: {verdict[0] if verdict else '?'}"


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


class SqliteSource:
    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._ready = False
        self._reported = False  # an unreadable file is logged once per process, not per lookup

    @contextmanager
    def _db(self) -> Iterator[sqlite_utils.Database]:
        # A short-lived connection per call: the action server answers from several threads, and
        # no lock is held between lookups. The schema is checked on the first call only.
        with database(self.path) as db:
            if not self._ready:
                ensure_schema(db)
                self._ready = True
            yield db

    def get(self, code: str) -> Dossier | None:
        try:
            with self._db() as db:
                rows = list(db.query(f"select * from {DOSSIERS} where code = ?", [code]))
                if not rows:
                    return None
                steps = list(db.query(f"select * from {STEPS} where dossier_code = ? order by seq", [code]))
        except sqlite3.Error as exc:
            if not self._reported:
                self._reported = True
                log.error("dossier store %s cannot be read (%s); lookups answer that the system is "
                          "unavailable. To fix: %s.", self.path, exc, repair_hint(self.path))
            raise SourceUnavailable(f"dossier store {self.path}: {exc.__class__.__name__}") from None
        return _from_row(rows[0], steps)

    def count(self) -> int:
        with self._db() as db:
            return db[DOSSIERS].count

    def add_all(self, dossiers: Iterable[Dossier], replace: bool = False) -> int:
        """Insert dossiers in one transaction: all of them or none. Existing codes are an
        error unless `replace`."""
        dossiers = list(dossiers)
        with self._db() as db:
            with db.conn:  # one transaction: all dossiers or none
                if not replace:
                    codes = [d.code for d in dossiers]
                    for chunk in range(0, len(codes), 500):
                        part = codes[chunk:chunk + 500]
                        marks = ",".join("?" * len(part))
                        taken = [r["code"] for r in db.query(f"select code from {DOSSIERS} where code in ({marks})", part)]
                        if taken:
                            raise ValueError(f"already in the store: {', '.join(taken[:5])}")
                db[DOSSIERS].insert_all((_to_row(d) for d in dossiers), replace=True)
                if replace:
                    for d in dossiers:
                        db.execute(f"delete from {STEPS} where dossier_code = ?", [d.code])
                db[STEPS].insert_all(
                    {"dossier_code": d.code, "seq": i, "step": s.name, "unit": s.unit,
                     "started_at": iso(s.started_at), "finished_at": iso(s.finished_at), "note": s.note}
                    for d in dossiers for i, s in enumerate(d.history))
        return len(dossiers)

    def all(self, status: str | None = None, limit: int | None = None) -> Iterator[Dossier]:
        where, params = ("where status = ?", [status]) if status else ("", [])
        sql = f"select * from {DOSSIERS} {where} order by received_at desc, code"
        if limit:
            sql += f" limit {int(limit)}"
        with self._db() as db:
            rows = list(db.query(sql, params))
        for row in rows:
            yield _from_row(row, [])


def ensure_schema(db: sqlite_utils.Database) -> None:
    if not db[DOSSIERS].exists():
        db[DOSSIERS].create({
            "code": str, "procedure_id": str, "procedure_name": str, "applicant_name": str,
            "applicant_phone": str, "applicant_id_number": str, "received_at": str, "due_at": str,
            "status": str, "current_step": str, "current_unit": str, "supplement_items": str,
            "supplement_requested_at": str, "return_method": str, "result_ready_at": str, "updated_at": str,
        }, pk="code", not_null={"procedure_id", "applicant_name", "received_at", "due_at", "status"})
        db[DOSSIERS].create_index(["status"], if_not_exists=True)
    if not db[STEPS].exists():
        db[STEPS].create({"dossier_code": str, "seq": int, "step": str, "unit": str, "started_at": str,
                          "finished_at": str, "note": str},
                         pk=("dossier_code", "seq"), foreign_keys=[("dossier_code", DOSSIERS, "code")])
        db[STEPS].create_index(["dossier_code"], if_not_exists=True)


def _to_row(d: Dossier) -> dict:
    return {
        "code": d.code, "procedure_id": d.procedure_id, "procedure_name": d.procedure_name,
        "applicant_name": d.applicant_name, "applicant_phone": d.applicant_phone,
        "applicant_id_number": d.applicant_id_number, "received_at": iso(d.received_at),
        "due_at": iso(d.due_at), "status": d.status, "current_step": d.current_step,
        "current_unit": d.current_unit, "supplement_items": json.dumps(list(d.supplement_items), ensure_ascii=False),
        "supplement_requested_at": iso(d.supplement_requested_at), "return_method": d.return_method,
        "result_ready_at": iso(d.result_ready_at), "updated_at": d.updated_at,
    }


def _from_row(row: dict, steps: list[dict]) -> Dossier:
    return Dossier(
        code=row["code"], procedure_id=row["procedure_id"] or "", procedure_name=row["procedure_name"] or "",
        applicant_name=row["applicant_name"], applicant_phone=row["applicant_phone"] or "",
        applicant_id_number=row["applicant_id_number"] or "", received_at=_date(row["received_at"]),
        due_at=_date(row["due_at"]), status=row["status"], current_step=row["current_step"] or "",
        current_unit=row["current_unit"] or "",
        history=tuple(Step(s["step"], s["unit"] or "", _date(s["started_at"]), _date(s["finished_at"]), s["note"] or "")
                      for s in steps),
        supplement_items=tuple(json.loads(row["supplement_items"] or "[]")),
        supplement_requested_at=_date(row["supplement_requested_at"]),
        return_method=row["return_method"] or "tai_trung_tam", result_ready_at=_date(row["result_ready_at"]),
        updated_at=row["updated_at"] or "",
    )
