"""Editing catalog files from the staff console (bot/catalog_edit.py): the form shows every entry
faithfully, an unchanged form changes nothing, an edit is a small diff that the assistant serves,
and a bad or conflicting edit writes nothing. Every test works on a copy of data/procedures."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import stat
from pathlib import Path

import pytest

from bot import catalog_edit as ce, paths
from bot.answers import Answerer, load_replies
from bot.catalog import CatalogStore, check_catalog, load_catalog
from bot.department import load_department

TODAY = dt.date(2026, 11, 27)  # as in conftest: fee answers depend on the date
IDS = sorted(p.stem for p in paths.PROCEDURES.glob("*.yml"))
KINDS = {"text", "textarea", "date", "select", "checkbox", "lines"}


@pytest.fixture(scope="module")
def shared(tmp_path_factory) -> Path:
    """A copy for tests that only read."""
    return Path(shutil.copytree(paths.PROCEDURES, tmp_path_factory.mktemp("shared") / "procedures"))


@pytest.fixture
def procedures(tmp_path) -> Path:
    """A fresh copy for tests that write."""
    return Path(shutil.copytree(paths.PROCEDURES, tmp_path / "procedures"))


def _edit(pid: str, directory: Path, field: str, old: str, new: str) -> ce.Preview:
    values = ce.form_values(pid, directory)
    assert old in values[field], values[field]
    return ce.preview(pid, {field: values[field].replace(old, new, 1)}, directory)


def _changed_lines(diff: str) -> list[str]:
    return [line for line in diff.splitlines()
            if line[:1] in "+-" and not line.startswith(("+++", "---"))]


# ----------------------------------------------------------------------------- the form


def test_the_form_fields_are_described():
    specs = ce.fields()
    assert len({s.name for s in specs}) == len(specs)
    assert all(s.kind in KINDS and s.label for s in specs)
    assert all(s.help for s in specs if s.kind == "lines")
    names = {s.name for s in specs}
    assert {"name", "short_name", "aliases", "documents", "fees", "processing_time", "processing_time_uncertain",
            "channels", "legal_basis", "forms", "conditions", "notes", "verified"} <= names


@pytest.mark.parametrize("pid", IDS)
def test_the_round_trip_is_the_identity(shared, pid):
    values = ce.form_values(pid, shared)
    assert set(values) == {s.name for s in ce.fields()}
    assert ce.locked_fields(pid, shared) == {}, "every field of the real catalog can be edited"
    p = ce.preview(pid, values, shared)
    assert p.ok and not p.changed and p.diff == "" and p.changed_fields == ()
    # Writing every value back (not only the changed ones) reproduces the file byte for byte.
    entry = ce._load(pid, shared)
    problems, _, _ = ce._edit(entry, values, force=True)
    assert problems == [] and ce._dump(entry) == entry.text


def test_values_written_differently_change_nothing(shared):
    values = ce.form_values("hdv-noi-dia", shared)
    p = ce.preview("hdv-noi-dia", {
        "fees": "\n  " + values["fees"].replace("650.000 đồng/thẻ", "650000 đồng / thẻ") + "  \n\n",
        "documents_uncertain": "on",
        "aliases": values["aliases"].replace("\n", "\r\n\r\n"),
        "verified": "27/11/2026",
    }, shared)
    assert p.ok and not p.changed


def test_a_form_value_shows_each_kind_of_fact(shared):
    values = ce.form_values("hdv-noi-dia", shared)
    assert "Phí thẩm định cấp thẻ | 650.000 đồng/thẻ | căn cứ: Thông tư 33/2018/TT-BTC" in values["fees"].splitlines()
    assert "từ ngày 05/05/2020 | đến ngày 31/12/2020" in values["fees"]
    assert "Bưu chính công ích | Gửi qua dịch vụ bưu chính công ích" in values["channels"].splitlines()
    assert values["channels"].splitlines()[2].startswith("Trực tuyến toàn trình | ")
    assert "(không quá 06 tháng) | chưa chắc chắn" in values["documents"]
    assert "| bản sao có chứng thực" in values["documents"]
    assert values["documents_uncertain"] == ce.CHECKED and values["fees_uncertain"] == ce.UNCHECKED
    assert values["processing_time_days"] == "15" and values["verified"] == "2026-11-27"
    # A fee described by a sentence that reads like an amount stays a description.
    assert "| mô tả: 15.000.000 đồng/giấy phép |" in ce.form_values("vu-truong", shared)["fees"]


# ----------------------------------------------------------------------------- edits that work


def test_a_fee_edit_is_a_small_diff_that_the_assistant_serves(procedures):
    store = CatalogStore(procedures, interval=0)
    before = store.get()
    p = _edit("hdv-noi-dia", procedures, "fees", "650.000 đồng/thẻ", "700.000 đồng/thẻ")
    assert p.ok and p.changed and p.changed_fields == ("fees",)
    assert _changed_lines(p.diff) == ["-      amount: 650000", "+      amount: 700000"]
    assert p.new_text.startswith("# Catalog entry: one administrative procedure.")
    ce.save(p, procedures)

    path = procedures / "hdv-noi-dia.yml"
    assert path.read_text(encoding="utf-8") == p.new_text
    assert check_catalog(procedures) == []
    catalog = load_catalog(procedures)
    procedure = catalog.get("hdv-noi-dia")
    assert procedure.fees.items[0].amount == 700000
    reply = Answerer(catalog, load_department(), load_replies(), today=TODAY).answer(procedure, "fees")
    assert "700.000" in reply.text and "650.000" not in reply.text
    # The running assistant's store notices the new file.
    after = store.get()
    assert after is not before and after.get("hdv-noi-dia").fees.items[0].amount == 700000


def test_a_fee_text_edit_is_loaded(procedures):
    p = _edit("karaoke", procedures, "fees", "04–05 phòng: 6.000.000 đồng", "04–05 phòng: 6.500.000 đồng")
    assert p.ok and len(_changed_lines(p.diff)) == 2
    ce.save(p)
    fee = load_catalog(procedures).get("karaoke").fees.items[1]
    assert fee.text.startswith("01–03 phòng: 4.000.000 đồng; 04–05 phòng: 6.500.000 đồng;")


def test_a_new_fee_with_dates_and_flags(procedures):
    values = ce.form_values("hdv-noi-dia", procedures)
    line = ("Phí thẩm định cấp thẻ | 800.000 đồng/thẻ | từ ngày 1/1/2027 | điều kiện: nộp trực tuyến | "
            "căn cứ: Thông tư 99/2026/TT-BTC | chưa chắc chắn")
    p = ce.preview("hdv-noi-dia", {"fees": values["fees"] + "\n" + line}, procedures)
    assert p.ok, p.problems
    assert all(line.startswith("+") for line in _changed_lines(p.diff))
    ce.save(p)
    fee = load_catalog(procedures).get("hdv-noi-dia").fees.items[-1]
    assert (fee.amount, fee.unit, fee.effective_from, fee.condition, fee.basis, fee.uncertain) == (
        800000, "thẻ", dt.date(2027, 1, 1), "nộp trực tuyến", "Thông tư 99/2026/TT-BTC", True)
    assert '      name: "Phí thẩm định cấp thẻ"' not in p.new_text  # new items are block mappings
    assert '    - name: "Phí thẩm định cấp thẻ"\n      amount: 800000\n' in p.new_text


def test_uncertain_flags_toggle_both_ways(procedures):
    pid = "hdv-noi-dia"
    values = ce.form_values(pid, procedures)
    docs = values["documents"].splitlines()
    health = next(i for i, line in enumerate(docs) if line.startswith("Giấy chứng nhận sức khỏe"))
    cv = next(i for i, line in enumerate(docs) if line.startswith("Sơ yếu lý lịch"))
    assert docs[health].endswith(" | chưa chắc chắn") and "chưa chắc chắn" not in docs[cv]
    docs[health] = docs[health].removesuffix(" | chưa chắc chắn")
    docs[cv] += " (chưa chắc chắn)"  # the lenient spelling is accepted too
    p = ce.preview(pid, {"documents": "\n".join(docs)}, procedures)
    assert p.ok and len(_changed_lines(p.diff)) == 2, p.diff
    ce.save(p)
    items = load_catalog(procedures).get(pid).documents.items
    assert items[health].uncertain is False and items[cv].uncertain is True
    assert "Sơ yếu lý lịch có xác nhận của Ủy ban nhân dân cấp xã nơi cư trú | chưa chắc chắn" in \
        ce.form_values(pid, procedures)["documents"]

    # A whole facet: on, then off again gives back the original file.
    original = (procedures / f"{pid}.yml").read_text(encoding="utf-8")
    p = ce.preview(pid, {"fees_uncertain": "on"}, procedures)
    assert p.ok and _changed_lines(p.diff) == ["+  uncertain: true"]
    ce.save(p)
    assert load_catalog(procedures).get(pid).fees.uncertain is True
    ce.save(ce.preview(pid, {"fees_uncertain": ""}, procedures))
    assert (procedures / f"{pid}.yml").read_text(encoding="utf-8") == original


def test_a_fact_list_item_becomes_a_mapping_when_uncertain_and_back(procedures):
    pid = "karaoke"
    original = (procedures / f"{pid}.yml").read_text(encoding="utf-8")
    values = ce.form_values(pid, procedures)
    line = "Phòng hát có diện tích từ 20 m² trở lên (không kể công trình phụ)"
    p = ce.preview(pid, {"conditions": values["conditions"].replace(line, line + " | chưa chắc chắn")}, procedures)
    assert p.ok
    assert f'    - text: "{line}"\n      uncertain: true\n' in p.new_text
    ce.save(p)
    assert load_catalog(procedures).get(pid).conditions.items[2].uncertain
    ce.save(ce.preview(pid, {"conditions": values["conditions"]}, procedures))
    # The item stays a mapping (the smallest change), but means the same as before.
    assert load_catalog(procedures).get(pid).conditions.items[2].uncertain is False
    assert (procedures / f"{pid}.yml").read_text(encoding="utf-8").replace(
        f'    - text: "{line}"\n', f'    - "{line}"\n') == original


def test_processing_time_short_form(procedures):
    path = procedures / "hdv-noi-dia.yml"
    text = path.read_text(encoding="utf-8").replace(
        'processing_time:\n  text: "15 ngày kể từ ngày nhận được hồ sơ hợp lệ"\n  days: 15\n',
        'processing_time: "15 ngày kể từ ngày nhận được hồ sơ hợp lệ"\n')
    path.write_text(text, encoding="utf-8")
    assert check_catalog(procedures) == []
    # A new text keeps the short form `processing_time: "..."`.
    p = ce.preview("hdv-noi-dia", {"processing_time": "20 ngày kể từ ngày nhận được hồ sơ hợp lệ"}, procedures)
    assert p.ok and _changed_lines(p.diff) == ['-processing_time: "15 ngày kể từ ngày nhận được hồ sơ hợp lệ"',
                                               '+processing_time: "20 ngày kể từ ngày nhận được hồ sơ hợp lệ"']
    # A flag needs the mapping form.
    p = ce.preview("hdv-noi-dia", {"processing_time_uncertain": "1"}, procedures)
    assert p.ok
    assert 'processing_time:\n  text: "15 ngày kể từ ngày nhận được hồ sơ hợp lệ"\n  uncertain: true\n' in p.new_text
    ce.save(p)
    assert load_catalog(procedures).get("hdv-noi-dia").processing_time.uncertain
    p = ce.preview("hdv-noi-dia", {"processing_time_uncertain": ""}, procedures)
    assert p.ok and _changed_lines(p.diff) == ["-  uncertain: true"]
    ce.save(p)
    assert load_catalog(procedures).get("hdv-noi-dia").processing_time.uncertain is False


def test_channels_post_and_online_level(procedures):
    values = ce.form_values("karaoke", procedures)
    channels = values["channels"].replace("Trực tuyến toàn trình | ", "Trực tuyến một phần | ")
    channels += "\nBưu chính công ích | Gửi hồ sơ qua dịch vụ bưu chính công ích | chưa chắc chắn"
    p = ce.preview("karaoke", {"channels": channels}, procedures)
    assert p.ok, p.problems
    assert "-      online_level: toan-trinh" in p.diff and "+      online_level: mot-phan" in p.diff
    assert '    - kind: post\n      text: "Gửi hồ sơ qua dịch vụ bưu chính công ích"\n      uncertain: true\n' \
        in p.new_text
    ce.save(p)
    got = load_catalog(procedures).get("karaoke").channels
    assert got.online_level == "mot-phan"
    assert [c.uncertain for c in got.of_kind("post")] == [True]


def test_a_facet_can_be_added_and_removed(procedures):
    pid = next(i for i in IDS if load_catalog(procedures).get(i).processing_time is None)
    p = ce.preview(pid, {"processing_time": "30 ngày làm việc kể từ ngày nhận đủ hồ sơ hợp lệ",
                         "processing_time_days": "30", "processing_time_working_days": "on"}, procedures)
    assert p.ok, p.problems
    ce.save(p)
    time = load_catalog(procedures).get(pid).processing_time
    assert (time.days, time.working_days, time.uncertain) == (30, True, False)
    keys = [line.split(":")[0] for line in p.new_text.splitlines() if line[:1].isalpha()]
    assert keys.index("processing_time") < keys.index("legal_basis")

    p = ce.preview(pid, {"processing_time": "", "processing_time_days": "", "processing_time_working_days": ""},
                   procedures)
    assert p.ok and "processing_time" not in p.new_text
    ce.save(p)
    assert load_catalog(procedures).get(pid).processing_time is None


def test_name_and_verified_are_edited(procedures):
    p = ce.preview("karaoke", {"short_name": "Giấy phép karaoke", "verified": "01/12/2026"}, procedures)
    assert p.ok and set(p.changed_fields) == {"short_name", "verified"}
    assert '+short_name: "Giấy phép karaoke"' in p.diff and "+verified: 2026-12-01" in p.diff
    ce.save(p)
    procedure = load_catalog(procedures).get("karaoke")
    assert procedure.short_name == "Giấy phép karaoke" and procedure.verified == dt.date(2026, 12, 1)


# ----------------------------------------------------------------------------- edits that are refused


def _fee_line(values: dict[str, str], line: str) -> str:
    return values["fees"] + "\n" + line


BAD = [
    ("fee date that does not exist", "fees", lambda v: _fee_line(v, "Phí mới | 100.000 đồng | từ ngày 31/02/2026"),
     "fees", "dòng 4: ngày bắt đầu áp dụng “31/02/2026” không phải là ngày có thật"),
    ("fee date that is not a date", "fees", lambda v: _fee_line(v, "Phí mới | 100.000 đồng | đến ngày mai"),
     "fees", "không phải là ngày"),
    ("verified date that does not exist", "verified", lambda v: "31/02/2026", "verified", "không phải là ngày có thật"),
    ("verified in the future", "verified", lambda v: "2999-01-01", "verified", "tương lai"),
    ("empty name", "name", lambda v: "  ", "name", "không được để trống"),
    ("no aliases", "aliases", lambda v: "\n", "aliases", "không được để trống"),
    ("fee without amount", "fees", lambda v: _fee_line(v, "Phí thẩm định"), "fees", "dòng 4: thiếu mức phí"),
    ("fee with two amounts", "fees", lambda v: _fee_line(v, "Phí | 100.000 đồng | 200.000 đồng"), "fees",
     "dòng 4: không hiểu phần “200.000 đồng”"),
    ("fee starting with the amount", "fees", lambda v: "650.000 đồng | Phí", "fees", "dòng 1: dòng phải bắt đầu"),
    ("fee ending before it starts", "fees",
     lambda v: _fee_line(v, "Phí | 1.000 đồng | từ ngày 02/01/2026 | đến ngày 01/01/2026"), "fees",
     "dòng 4 (ngày hết hiệu lực): ngày hết hiệu lực trước ngày bắt đầu"),
    ("fee listed while free", "fees_none", lambda v: "on", "fees_none", "vẫn còn khoản phí"),
    ("alias of another procedure", "aliases", lambda v: v["aliases"] + "\ngiấy phép kinh doanh karaoke", "aliases",
     "thủ tục khác (karaoke)"),
    ("name of another procedure", "name", lambda v: "Thủ tục cấp Giấy phép đủ điều kiện kinh doanh dịch vụ karaoke",
     "name", "karaoke"),
    ("alias twice", "aliases", lambda v: v["aliases"] + "\nTHẺ HDV  nội địa", "aliases", "đã có trong danh sách"),
    ("alias too short", "aliases", lambda v: v["aliases"] + "\nab", "aliases", "từ 3 đến 200 ký tự"),
    ("alias too long", "aliases", lambda v: v["aliases"] + "\n" + "thẻ " * 60, "aliases", "từ 3 đến 200 ký tự"),
    ("html", "notes", lambda v: "Xem <a href='x'>đây</a>", "notes", "HTML"),
    ("html entity", "conditions", lambda v: "Có&nbsp;bằng", "conditions", "HTML"),
    ("control character", "documents", lambda v: v["documents"] + "\nẢnh\x07 màu", "documents",
     "dòng 6: có ký tự điều khiển"),
    ("tab in a text", "name", lambda v: "Thủ tục\tcấp thẻ", "name", "ký tự điều khiển"),
    ("unknown document part", "documents", lambda v: "Giấy tờ | bản photo", "documents", "không hiểu phần “bản photo”"),
    ("unknown channel", "channels", lambda v: "Fax | gửi fax", "channels", "không rõ cách nộp “Fax”"),
    ("channel without text", "channels", lambda v: "Trực tiếp", "channels", "thiếu mô tả"),
    ("days not in the text", "processing_time_days", lambda v: "16", "processing_time_days", "số 16 không có"),
    ("days not a number", "processing_time_days", lambda v: "mười lăm", "processing_time_days", "số nguyên"),
    ("short name too long", "short_name", lambda v: "x" * 41, "short_name", "tối đa 40 ký tự"),
    ("research remark", "documents", lambda v: v["documents"] + "\nTODO kiểm tra", "documents",
     "dòng 6 (tên): có chữ “TODO”"),
    ("no documents left but a note", "documents", lambda v: "", "documents", "cần ít nhất một giấy tờ"),
    ("no source", "sources", lambda v: "", "sources", "không được để trống"),
    ("bad checkbox", "fees_uncertain", lambda v: "maybe", "fees_uncertain", "không phải có/không"),
]


@pytest.mark.parametrize("what, field, make, expected_field, reason", BAD, ids=[b[0] for b in BAD])
def test_a_bad_edit_is_refused_and_nothing_is_written(procedures, what, field, make, expected_field, reason):
    path = procedures / "hdv-noi-dia.yml"
    original = path.read_bytes()
    values = ce.form_values("hdv-noi-dia", procedures)
    p = ce.preview("hdv-noi-dia", {field: make(values)}, procedures)
    assert not p.ok
    assert any(pr.field == expected_field and reason in pr.reason for pr in p.problems), p.problems
    label = next(s.label for s in ce.fields() if s.name == expected_field)
    assert all(pr.reason.startswith(next(s.label for s in ce.fields() if s.name == pr.field)) for pr in p.problems)
    assert any(pr.reason.startswith(label) for pr in p.problems)
    with pytest.raises(ce.EditRefused) as refused:
        ce.save(p, procedures)
    assert refused.value.problems == p.problems
    assert path.read_bytes() == original


def test_only_the_valid_fields_are_applied_in_a_preview_with_problems(procedures):
    p = ce.preview("hdv-noi-dia", {"short_name": "Thẻ HDV nội địa", "verified": "31/02/2026"}, procedures)
    assert not p.ok and p.changed_fields == ("short_name",)
    assert [pr.field for pr in p.problems] == ["verified"]


def test_a_conflicting_save_writes_nothing(procedures):
    path = procedures / "hdv-noi-dia.yml"
    mine = _edit("hdv-noi-dia", procedures, "fees", "650.000 đồng/thẻ", "700.000 đồng/thẻ")
    theirs = _edit("hdv-noi-dia", procedures, "fees", "650.000 đồng/thẻ", "660.000 đồng/thẻ")
    ce.save(theirs)
    with pytest.raises(ce.EditConflict):
        ce.save(mine)
    assert path.read_text(encoding="utf-8") == theirs.new_text
    with pytest.raises(ce.EditConflict):  # the same preview twice: the file is no longer its old_text
        ce.save(theirs)
    path.unlink()
    with pytest.raises(ce.EditConflict):
        ce.save(mine)


def test_a_save_is_checked_again_against_the_catalog_of_now(procedures):
    """Two officers add the same alias to two procedures: the second save is refused."""
    first = ce.add_alias("hdv-noi-dia", "thẻ hướng dẫn viên tiếng Việt", procedures)
    second = ce.add_alias("hdv-quoc-te", "thẻ hướng dẫn viên tiếng Việt", procedures)
    assert first.ok and second.ok
    ce.save(first)
    original = (procedures / "hdv-quoc-te.yml").read_bytes()
    with pytest.raises(ce.EditRefused) as refused:
        ce.save(second)
    assert refused.value.problems[0].field == "aliases" and "hdv-noi-dia" in refused.value.problems[0].reason
    assert (procedures / "hdv-quoc-te.yml").read_bytes() == original


# ----------------------------------------------------------------------------- aliases


def test_add_alias(procedures):
    p = ce.add_alias("hdv-noi-dia", "  thẻ HDV  trong nước ", procedures)
    assert p.ok and _changed_lines(p.diff) == ["+  - thẻ HDV trong nước"]
    ce.save(p)
    assert "thẻ HDV trong nước" in load_catalog(procedures).get("hdv-noi-dia").aliases

    for alias, reason in [("thẻ hdv  trong nước", "đã có trong danh sách"),
                          ("Thẻ hướng dẫn viên nội địa", "đã có trong danh sách"),
                          ("giấy phép kinh doanh karaoke", "thủ tục khác (karaoke)"),
                          ("Thủ tục cấp thẻ hướng dẫn viên du lịch quốc tế", "thủ tục khác (hdv-quoc-te)"),
                          ("ab", "từ 3 đến 200"), ("x" * 201, "từ 3 đến 200"), ("", "không được để trống"),
                          ("thẻ\nhdv", "một dòng"), ("<script>alert(1)</script>", "HTML")]:
        refused = ce.add_alias("hdv-noi-dia", alias, procedures)
        assert not refused.ok, alias
        assert refused.problems[0].field == "aliases" and reason in refused.problems[0].reason, refused.problems


# ----------------------------------------------------------------------------- files and the web page


def test_save_is_atomic_and_keeps_the_file_mode(procedures, monkeypatch):
    path = procedures / "karaoke.yml"
    os.chmod(path, 0o640)
    names = sorted(os.listdir(procedures))
    p = _edit("karaoke", procedures, "fees", "1.000.000 đồng/phòng", "1.100.000 đồng/phòng")
    ce.save(p)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o640
    assert sorted(os.listdir(procedures)) == names

    p = _edit("karaoke", procedures, "fees", "1.100.000 đồng/phòng", "1.200.000 đồng/phòng")

    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(ce.os, "replace", failing_replace)
    with pytest.raises(OSError):
        ce.save(p)
    assert path.read_text(encoding="utf-8") != p.new_text and "amount: 1100000" in path.read_text(encoding="utf-8")
    assert sorted(os.listdir(procedures)) == names


@pytest.mark.parametrize("pid", ["khong-co", "../procedures/karaoke", "", "KARAOKE"])
def test_unknown_procedures(shared, pid):
    with pytest.raises(KeyError):
        ce.form_values(pid, shared)
    with pytest.raises(KeyError):
        ce.preview(pid, {}, shared)
    with pytest.raises(KeyError):
        ce.add_alias(pid, "karaoke mới", shared)


def test_absent_fields_are_untouched_and_submitted_unchecks_absent_checkboxes(procedures):
    assert not ce.preview("hdv-noi-dia", {"csrf": "x", "name": None}, procedures).changed
    values = ce.form_values("hdv-noi-dia", procedures)
    posted = {k: v for k, v in values.items() if v != ce.UNCHECKED}  # what a browser posts
    assert "documents_uncertain" in posted
    del posted["documents_uncertain"]  # the officer unticks it
    p = ce.preview("hdv-noi-dia", ce.submitted(posted), procedures)
    assert p.ok and p.changed_fields == ("documents_uncertain",)
    assert _changed_lines(p.diff) == ["-  uncertain: true"]


def test_a_field_the_form_cannot_show_is_locked_and_kept(procedures):
    path = procedures / "karaoke.yml"
    text = path.read_text(encoding="utf-8").replace(
        'lien_thong:', 'notes:\n  - "Nộp phí | lệ phí trực tuyến"\nlien_thong:')
    path.write_text(text, encoding="utf-8")
    assert check_catalog(procedures) == []
    assert set(ce.locked_fields("karaoke", procedures)) == {"notes"}
    values = ce.form_values("karaoke", procedures)
    p = ce.preview("karaoke", values, procedures)
    assert p.ok and not p.changed
    p = ce.preview("karaoke", dict(values, notes="Khác", short_name="Giấy phép karaoke"), procedures)
    assert [pr.field for pr in p.problems] == ["notes"] and "không sửa được qua biểu mẫu" in p.problems[0].reason
    assert '"Nộp phí | lệ phí trực tuyến"' in p.new_text


def test_an_unreadable_file_is_reported(procedures):
    (procedures / "karaoke.yml").write_text("id: karaoke\nname: [unclosed\n", encoding="utf-8")
    with pytest.raises(ce.UnreadableEntry):
        ce.form_values("karaoke", procedures)
