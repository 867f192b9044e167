"""Validators of form answers: normalised values, or a Vietnamese explanation with an example."""
from __future__ import annotations

import datetime as dt

import pytest
from bot.forms import fields as F
from bot.forms.templates import load_templates

TODAY = dt.date(2026, 11, 27)


@pytest.mark.parametrize("raw", ["001190012345", "0011 9001 2345", "001.190.012.345", " 001-190-012-345 "])
def test_cccd_accepts_12_digits_with_separators(raw):
    assert F.check_cccd(raw).value == "001190012345"


@pytest.mark.parametrize("raw,count", [("12345", 5), ("0011900123456", 13), ("00119001234a", 11), ("", 0)])
def test_cccd_rejects_other_lengths_with_count_and_example(raw, count):
    check = F.check_cccd(raw)
    assert not check.ok
    assert f"{count} chữ số" in check.error and "Ví dụ" in check.error and "12 chữ số" in check.error


@pytest.mark.parametrize("raw,value", [
    ("0912345678", "0912345678"), ("0912 345 678", "0912345678"), ("0912.345.678", "0912345678"),
    ("+84 912 345 678", "0912345678"), ("+84912345678", "0912345678"), ("84912345678", "0912345678"),
    ("+84 (0) 912 345 678", "0912345678"), ("0262 3812 345", "02623812345"), ("(+84) 262 3812 345", "02623812345"),
    ("0387654321", "0387654321"),
])
def test_phone_normalises_vietnamese_numbers(raw, value):
    assert F.check_phone(raw).value == value


@pytest.mark.parametrize("raw", ["012345678", "0112345678", "09123456789", "1900 1234", "phone", "+1 202 555 0100"])
def test_phone_rejects_invalid(raw):
    check = F.check_phone(raw)
    assert not check.ok and "Ví dụ" in check.error


@pytest.mark.parametrize("raw", [
    "15/3/1990", "15/03/1990", "15-03-1990", "15.3.1990", "15 / 3 / 1990", "15 tháng 3 năm 1990",
    "ngày 15 tháng 03 năm 1990", "15 thang 3 nam 1990", "Ngay 15 Thang 3 Nam 1990", "1990-03-15", "15/3/1990.",
])
def test_date_formats(raw):
    assert F.check_date(raw, past=True, today=TODAY).value == "1990-03-15"


@pytest.mark.parametrize("raw,fragment", [
    ("31/2/1990", "không có trên lịch"), ("15/3/90", "4 chữ số"), ("mười lăm tháng ba", "ngày/tháng/năm"),
    ("15/13/1990", "không có trên lịch"), ("", "ngày/tháng/năm"),
])
def test_date_errors_explain(raw, fragment):
    check = F.check_date(raw, today=TODAY)
    assert not check.ok and fragment in check.error and "15/3/1990" in check.error


def test_date_past_and_future_rules():
    assert not F.check_date("1/1/2030", past=True, today=TODAY).ok
    assert not F.check_date("27/11/2026", past=True, today=TODAY).ok
    assert not F.check_date("1/1/2020", future=True, today=TODAY).ok
    assert F.check_date("27/11/2026", future=True, today=TODAY).ok


@pytest.mark.parametrize("raw,value", [("Nguyen.Huong@Gmail.com", "nguyen.huong@gmail.com"),
                                       (" lienhe@daklakxanh.vn ", "lienhe@daklakxanh.vn")])
def test_email_ok(raw, value):
    assert F.check_email(raw).value == value


@pytest.mark.parametrize("raw", ["huong@", "huong.gmail.com", "a@b", "a b@c.vn", "a@b..vn"])
def test_email_rejected(raw):
    assert not F.check_email(raw).ok


@pytest.mark.parametrize("raw,value", [("6001234567", "6001234567"), ("6001 234 567", "6001234567"),
                                       ("0101234567-001", "0101234567-001"), ("0101234567001", "0101234567-001")])
def test_business_registration_number(raw, value):
    assert F.check_business_reg_no(raw).value == value


@pytest.mark.parametrize("raw", ["600123456", "60012345678", "0101234567-01", "abc"])
def test_business_registration_number_rejected(raw):
    check = F.check_business_reg_no(raw)
    assert not check.ok and "10 chữ số" in check.error


@pytest.mark.parametrize("raw,value", [("45", 45), ("45 phòng", 45), ("khoảng 120 m2", 120), ("120 m²", 120),
                                       ("20.000.000", 20000000), ("20,000,000 đồng", 20000000)])
def test_integer_accepts_units_and_grouping(raw, value):
    assert F.check_integer(raw).value == value


@pytest.mark.parametrize("raw", ["2,5", "-3", "ba", "3 hoặc 4", ""])
def test_integer_rejects(raw):
    assert not F.check_integer(raw).ok


def test_integer_bounds():
    assert "từ 1 trở lên" in F.check_integer("0").error
    assert "không được lớn hơn 500" in F.check_integer("501", maximum=500).error


@pytest.mark.parametrize("raw,value", [
    ("nu", "Nữ"), ("NỮ", "Nữ"), ("nam", "Nam"), ("2", "Nữ"),
])
def test_choice_gender(raw, value):
    assert F.check_choice(raw, ["Nam", "Nữ"]).value == value


@pytest.mark.parametrize("raw,value", [
    ("3 sao", "3 sao"), ("3", "3 sao"), ("ba sao", None), ("khach san", "Khách sạn"), ("bang ron", "Băng-rôn"),
    ("Bảng quảng cáo và băng rôn", "Bảng quảng cáo và băng-rôn"), ("can ho", "Căn hộ du lịch"),
])
def test_choice_diacritic_insensitive(raw, value):
    options = ["1 sao", "2 sao", "3 sao", "Khách sạn", "Căn hộ du lịch", "Bảng quảng cáo", "Băng-rôn",
               "Bảng quảng cáo và băng-rôn"]
    check = F.check_choice(raw, options)
    assert check.value == value
    if value is None:
        assert "3 sao" in check.error


def test_name_is_capitalised_and_checked():
    assert F.check_name("nguyễn  thị hường").value == "Nguyễn Thị Hường"
    assert F.check_name("H'Hen niê").value == "H'Hen Niê"
    assert not F.check_name("Nguyen 123").ok


def test_text_and_address():
    assert not F.check_text("   ").ok
    assert "300" in F.check_text("a" * 301).error
    assert F.check_address("Số 12 đường Lê Lợi, phường Tân Lập,").value == "Số 12 đường Lê Lợi, phường Tân Lập"
    assert not F.check_address("HN").ok


def test_display_formats():
    spec = load_templates()["lu-hanh-noi-dia"].for_procedure().field
    assert F.display(spec("deposit_amount"), 20000000) == "20.000.000"
    assert F.display(spec("company_phone"), "02623812345") == "0262 3812 345"
    assert F.display(spec("representative_phone"), "0912345678") == "0912 345 678"
    assert F.display(spec("company_reg_date"), "2019-04-12") == "12/04/2019"
    assert F.display(spec("representative_name"), "Nguyễn Thị Hường") == "NGUYỄN THỊ HƯỜNG"


def test_check_field_date_after_other_field():
    form = load_templates()["quang-cao-bang-ron"].for_procedure()
    check = F.check_field(form.field("end_date"), "1/12/2026", {"start_date": "2026-12-05"}, TODAY,
                          form.field("start_date").label)
    assert not check.ok and "05/12/2026" in check.error
    assert F.check_field(form.field("end_date"), "5/12/2026", {"start_date": "2026-12-05"}, TODAY).ok
