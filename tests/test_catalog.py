"""The catalog: the real data is valid and faithful to the research; the validator reports
file, line, field and reason for each kind of mistake an officer can make."""
from __future__ import annotations

import re
import textwrap
import time
from pathlib import Path

import pytest
import yaml

from bot import paths
from bot.answers import money
from bot.catalog import CatalogError, CatalogStore, check_catalog, load_catalog

RESEARCH = {e["name"]: e for e in yaml.safe_load(paths.RESEARCH.read_text(encoding="utf-8"))}


def test_all_researched_procedures_are_in_the_catalog(catalog):
    assert len(catalog) == 42
    refs = [p.research_ref for p in catalog]
    assert sorted(refs) == sorted(RESEARCH), "every research entry maps to exactly one catalog file"


def _research_text(procedure) -> str:
    return yaml.safe_dump(RESEARCH[procedure.research_ref], allow_unicode=True)


def _numbers(text: str) -> set[str]:
    return set(re.findall(r"\d+(?:[.,]\d+)*", text))


@pytest.mark.parametrize("pid", sorted(p.stem for p in paths.PROCEDURES.glob("*.yml")))
def test_every_amount_comes_from_the_research(catalog, pid):
    procedure = catalog.get(pid)
    research = _research_text(procedure)
    for fee in procedure.fees.items if procedure.fees else ():
        if fee.amount is not None:
            assert money(fee.amount) in research, f"{pid}: {fee.amount} is not in the research entry"
        for text in filter(None, (fee.text, fee.condition)):
            for n in _numbers(text):
                assert n in research, f"{pid}: number {n} in {text!r} is not in the research entry"


@pytest.mark.parametrize("pid", sorted(p.stem for p in paths.PROCEDURES.glob("*.yml")))
def test_doubtful_research_facts_stay_doubtful(catalog, pid):
    p = catalog.get(pid)
    r = RESEARCH[p.research_ref]
    if r.get("details_uncertain"):
        assert p.documents is None and p.fees is None and p.processing_time is None
    if r.get("fee_uncertain") and p.fees:
        assert p.fees.uncertain or all(f.uncertain for f in p.fees.items), f"{pid}: fees stated as certain"
    if r.get("time_uncertain") and p.processing_time:
        assert p.processing_time.uncertain, f"{pid}: processing time stated as certain"
    if r.get("documents_uncertain") and p.documents:
        assert p.documents.uncertain or not p.documents.complete or all(d.uncertain for d in p.documents.items)
    if r.get("channels_uncertain") and p.channels:
        assert p.channels.uncertain or all(c.uncertain for c in p.channels.items)
    if r.get("copies_uncertain") and p.documents and p.documents.sets:
        assert p.documents.sets.uncertain or p.documents.uncertain
    if r.get("code_uncertain") and p.code:
        assert p.code_uncertain and p.confirmed_code is None
    if not r.get("time_limit"):
        assert p.processing_time is None or p.processing_time.uncertain, f"{pid}: a time the research lacks"


def test_group_members_can_be_told_apart(catalog):
    for p in catalog:
        if p.group:
            others = [o for o in catalog.group(p.group) if o is not p]
            assert others and all(o.variant != p.variant for o in others)


# ----------------------------------------------------------------------------- validator

GOOD = textwrap.dedent("""\
    id: sample
    code: "1.000001"
    name: "Thủ tục mẫu"
    short_name: "Thủ tục mẫu"
    aliases: [thủ tục mẫu]
    field: "Du lịch"
    level: "Cấp tỉnh"
    fees:
      items:
        - name: "Phí"
          amount: 100000
          unit: "hồ sơ"
    legal_basis: ["Luật Du lịch"]
    sources: ["https://example.gov.vn"]
    verified: 2026-11-01
""")


def _write(tmp_path: Path, name: str, text: str) -> Path:
    d = tmp_path / "procedures"
    d.mkdir(exist_ok=True)
    (d / name).write_text(text, encoding="utf-8")
    return d


def test_a_valid_entry_passes(tmp_path):
    assert check_catalog(_write(tmp_path, "sample.yml", GOOD)) == []


@pytest.mark.parametrize("change, field, reason", [
    (("amount: 100000", 'amount: "100.000"'), "fees.items[0].amount", "whole number"),
    (("unit: \"hồ sơ\"", "unit: \"hồ sơ\"\n      colour: red"), "fees.items[0].colour", "unknown field"),
    (("id: sample", "id: other"), "id", "file name"),
    (('code: "1.000001"', "code: 1.000001"), "code", "quoted"),
    (("verified: 2026-11-01", "verified: 01/11/2026"), "verified", "date"),
    (('name: "Thủ tục mẫu"', 'name: "Thủ tục mẫu (uncertain)"'), "name", "research remark"),
    (("aliases: [thủ tục mẫu]", "aliases: []"), "aliases", "non-empty"),
    (('short_name: "Thủ tục mẫu"', 'short_name: "' + "x" * 41 + '"'), "short_name", "at most 40"),
    (("level: \"Cấp tỉnh\"", "level: \"Cấp tỉnh\"\ngroup: mau\nvariant: {action: bay-len}"), "variant.action", "unknown value"),
])
def test_each_mistake_is_reported_with_field_line_and_reason(tmp_path, change, field, reason):
    old, new = change
    assert old in GOOD
    problems = check_catalog(_write(tmp_path, "sample.yml", GOOD.replace(old, new)))
    assert any(p.field == field and reason in p.reason for p in problems), problems
    hit = next(p for p in problems if p.field == field)
    assert hit.file == "sample.yml"
    assert hit.line is not None and str(hit).startswith(f"sample.yml:{hit.line}: {field}: ")


def test_broken_yaml_reports_the_line(tmp_path):
    problems = check_catalog(_write(tmp_path, "sample.yml", GOOD.replace("level: \"Cấp tỉnh\"", "level: [unclosed")))
    assert problems and problems[0].field == "(file)" and problems[0].line is not None


def test_fee_needs_an_amount_or_a_text(tmp_path):
    problems = check_catalog(_write(tmp_path, "sample.yml", GOOD.replace("      amount: 100000\n", "")))
    assert any("needs `amount` or `text`" in p.reason for p in problems)


def test_group_rules(tmp_path):
    grouped = GOOD.replace('level: "Cấp tỉnh"', 'level: "Cấp tỉnh"\ngroup: mau\nvariant: {action: cap-moi}')
    d = _write(tmp_path, "sample.yml", grouped)
    assert any("no other member" in p.reason for p in check_catalog(d))
    twin = grouped.replace("id: sample", "id: sample-2").replace("aliases: [thủ tục mẫu]", "aliases: [mẫu hai]") \
        .replace('name: "Thủ tục mẫu"', 'name: "Thủ tục hai"').replace('short_name: "Thủ tục mẫu"', 'short_name: "Hai"')
    _write(tmp_path, "sample-2.yml", twin)
    assert any("cannot be told apart" in p.reason for p in check_catalog(d))


def test_duplicate_alias_across_files_is_reported(tmp_path):
    d = _write(tmp_path, "sample.yml", GOOD)
    _write(tmp_path, "copy.yml", GOOD.replace("id: sample", "id: copy"))
    assert any("also used by" in p.reason for p in check_catalog(d))


def test_load_catalog_raises_with_every_problem(tmp_path):
    d = _write(tmp_path, "sample.yml", GOOD.replace("id: sample", "id: x!").replace("amount: 100000", "amount: -5"))
    with pytest.raises(CatalogError) as err:
        load_catalog(d)
    fields = {p.field for p in err.value.problems}
    assert {"id", "fees.items[0].amount"} <= fields


def test_store_reloads_changes_and_keeps_the_last_good_catalog(tmp_path):
    d = _write(tmp_path, "sample.yml", GOOD)
    errors = []
    store = CatalogStore(d, interval=0, on_error=errors.append)
    assert store.get().get("sample").fees.items[0].amount == 100000

    time.sleep(0.01)
    _write(tmp_path, "sample.yml", GOOD.replace("amount: 100000", "amount: 200000"))
    assert store.get().get("sample").fees.items[0].amount == 200000

    _write(tmp_path, "sample.yml", GOOD.replace("amount: 100000", "amount: lots"))
    assert store.get().get("sample").fees.items[0].amount == 200000
    assert errors and "amount" in str(errors[0])


def test_an_unreadable_lexicon_is_reported_and_the_previous_catalog_keeps_serving(tmp_path, monkeypatch):
    d = _write(tmp_path, "sample.yml", GOOD)
    errors = []
    store = CatalogStore(d, interval=0, on_error=errors.append)
    first = store.get()
    lexicon = tmp_path / "lexicon.yml"
    lexicon.write_text("stopwords: [unclosed\n", encoding="utf-8")
    monkeypatch.setattr(paths, "LEXICON", lexicon)
    monkeypatch.setattr(paths, "ANSWER_FILES", (lexicon,))
    assert store.get() is first
    assert errors and "lexicon.yml" in str(errors[0])


def test_the_real_catalog_is_valid():
    assert check_catalog() == []


def test_cli_check_reports_problems(tmp_path, monkeypatch, capsys):
    from bot import cli

    monkeypatch.setattr(paths, "PROCEDURES", _write(tmp_path, "sample.yml", GOOD.replace("amount: 100000", "amount: x")))
    assert cli.main(["catalog", "check"]) == 1
    assert "sample.yml:" in capsys.readouterr().err
