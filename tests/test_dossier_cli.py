"""`python -m bot dossiers ...`: import (good and bad files, all or nothing), list, demo."""
from __future__ import annotations

import csv
import json
from pathlib import Path

from bot import cli
from bot.dossiers.model import STATUSES
from bot.dossiers.sqlite_source import SqliteSource

FIXTURE = Path(__file__).parent / "data" / "dossiers.json"


def run(*args, db):
    return cli.main(["dossiers", *args, "--db", str(db)])


def test_import_json_then_list_without_personal_data(tmp_path, capsys):
    db = tmp_path / "d.db"
    assert run("import", str(FIXTURE), db=db) == 0
    assert SqliteSource(db).count() == 5
    capsys.readouterr()
    assert run("list", db=db) == 0
    out = capsys.readouterr().out
    assert "000.00.15.H30-261102-0001" in out and "Nguyễn V. A." in out
    assert "0912345678" not in out and "030095001234" not in out and "Nguyễn Văn An" not in out


def test_import_csv(tmp_path):
    path = tmp_path / "d.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "procedure_id", "applicant_name", "applicant_phone", "received_at", "due_at", "status",
                    "supplement_items"])
        w.writerow(["000.00.15.H30-261120-0001", "karaoke", "Đỗ Thị Lan", "0911222333", "20/11/2026", "10/12/2026",
                    "Yêu cầu bổ sung", "Bản vẽ mặt bằng | Giấy phép PCCC"])
    assert run("import", str(path), db=tmp_path / "d.db") == 0
    d = SqliteSource(tmp_path / "d.db").get("000.00.15.H30-261120-0001")
    assert d.status == "yeu_cau_bo_sung" and d.supplement_items == ("Bản vẽ mặt bằng", "Giấy phép PCCC")


def test_bad_rows_are_all_reported_and_nothing_is_imported(tmp_path, capsys):
    rows = json.loads(FIXTURE.read_text(encoding="utf-8"))
    rows[1]["status"] = "đang ngủ"
    rows[3]["code"] = "ABC-1"
    rows.append(dict(rows[0]))  # duplicate code
    rows.append({**rows[0], "code": "000.00.15.H30-261102-0077", "procedure_id": "khong-co-thu-tuc"})
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    assert run("import", str(path), db=tmp_path / "d.db") == 1
    err = capsys.readouterr().err
    assert "row 2: status" in err and "row 4: code" in err and "row 6: code: same code as row 1" in err
    assert "row 7: procedure_id" in err and "Nothing imported" in err
    assert SqliteSource(tmp_path / "d.db").count() == 0


def test_unreadable_and_wrong_files(tmp_path, capsys):
    bad_json = tmp_path / "x.json"
    bad_json.write_text("{oops", encoding="utf-8")
    assert run("import", str(bad_json), db=tmp_path / "d.db") == 1
    assert "not valid JSON" in capsys.readouterr().err
    txt = tmp_path / "x.txt"
    txt.write_text("hello", encoding="utf-8")
    assert run("import", str(txt), db=tmp_path / "d.db") == 1
    bad_csv = tmp_path / "x.csv"
    bad_csv.write_text("code,status\n1,2\n", encoding="utf-8")
    assert run("import", str(bad_csv), db=tmp_path / "d.db") == 1
    assert "missing columns" in capsys.readouterr().err


def test_existing_codes_need_replace(tmp_path, capsys):
    db = tmp_path / "d.db"
    assert run("import", str(FIXTURE), db=db) == 0
    assert run("import", str(FIXTURE), db=db) == 1
    assert "already in the store" in capsys.readouterr().err
    assert cli.main(["dossiers", "import", str(FIXTURE), "--replace", "--db", str(db)]) == 0


def test_demo_covers_every_status_with_catalog_procedures(tmp_path, capsys, catalog):
    db = tmp_path / "d.db"
    assert run("demo", db=db) == 0
    dossiers = list(SqliteSource(db).all(limit=1000))
    assert 40 <= len(dossiers) <= 60
    assert {d.status for d in dossiers} == set(STATUSES)
    assert all(d.procedure_id in catalog for d in dossiers)
    assert all(d.supplement_items for d in dossiers if d.status == "yeu_cau_bo_sung")
    assert run("demo", db=db) == 1  # not twice by accident
