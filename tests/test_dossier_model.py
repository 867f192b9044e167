"""The dossier record: code format, JSON contract, masking and the second check."""
import datetime as dt

import pytest

from bot.dossiers.model import Dossier, DossierError, find_code, from_dict, mask_name, normalize_code, to_dict

RECORD = {
    "code": "000.00.15.H30-210524-0001", "procedure_id": "hdv-noi-dia",
    "applicant": {"name": "Nguyễn Văn An", "phone": "+84 912 345 678", "id_number": "030095001234"},
    "received_at": "2021-05-24", "due_at": "24/06/2021", "status": "Đang xử lý",
    "current_step": {"name": "Thẩm định hồ sơ", "unit": "Phòng Quản lý Du lịch"},
    "history": [{"step": "Tiếp nhận hồ sơ", "started_at": "2021-05-24"}],
    "supplement": {"items": []}, "return_method": "buu_chinh",
}


@pytest.mark.parametrize("text", ["000.00.15.H30-210524-0001", "mã hồ sơ: 000.00.15.h30-210524-0001 ạ",
                                  "000.00.15.H30 - 210524 - 0001", "000 .00. 15 .H30 210524 0001",
                                  "000.00.15.H30–210524–0001"])
def test_codes_are_found_as_citizens_copy_them(text):
    assert find_code(text) == "000.00.15.H30-210524-0001"


@pytest.mark.parametrize("text", ["0912345678", "000.00.15.H30-210524-00011", "phí 650.000 đồng", "H30-210524-0001"])
def test_other_numbers_are_not_codes(text):
    assert find_code(text) is None


def test_normalize_code_needs_exactly_one_code():
    assert normalize_code(" 000.00.15.h30-210524-0001 ") == "000.00.15.H30-210524-0001"
    assert normalize_code("mã 000.00.15.H30-210524-0001") is None


@pytest.mark.parametrize("name,masked", [("Nguyễn Văn An", "Nguyễn V. A."), ("Trần Thị Hường", "Trần T. H."),
                                         ("Lê", "L."), ("Đặng  đình   ánh", "Đặng Đ. Á.")])
def test_names_are_masked(name, masked):
    assert mask_name(name) == masked


def test_contract_round_trip_and_normalisation():
    d = from_dict(RECORD)
    assert d.applicant_phone == "0912345678" and d.status == "dang_xu_ly" and d.due_at == dt.date(2021, 6, 24)
    assert from_dict(to_dict(d)) == d


def test_second_check_uses_the_last_four_digits_of_phone_or_cccd():
    d = from_dict(RECORD)
    assert d.matches_factor("5678") and d.matches_factor("1234")
    assert not d.matches_factor("0000") and not d.matches_factor("") and not d.matches_factor("45678")


def test_personal_data_is_not_in_the_repr():
    d = from_dict(RECORD)
    assert "Nguyễn" not in repr(d) and "5678" not in repr(d) and "1234" not in str(d)


@pytest.mark.parametrize("change,field", [
    ({"code": "ABC"}, "code"), ({"status": "đang ngủ"}, "status"), ({"due_at": "2021-01-01"}, "due_at"),
    ({"received_at": "hôm qua"}, "received_at"), ({"applicant": {"name": "A", "id_number": "123"}}, "applicant.id_number"),
    ({"applicant": {"name": "A"}}, "applicant"), ({"status": "yeu_cau_bo_sung"}, "supplement.items"),
    ({"return_method": "bồ câu"}, "return_method"), ({"procedure_id": None}, "procedure_id"),
])
def test_bad_records_name_the_field(change, field):
    with pytest.raises(DossierError) as err:
        from_dict({**RECORD, **change})
    assert str(err.value).startswith(field)


def test_a_record_must_be_an_object():
    with pytest.raises(DossierError):
        from_dict(["not", "an", "object"])
    assert isinstance(from_dict(RECORD), Dossier)
