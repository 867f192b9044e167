"""Citizen profiles in a real SQLite file: consent, recognition with a second fact, deletion."""
from __future__ import annotations

import re
import sqlite3

import pytest
from bot.forms import api
from bot.forms.profiles import ProfileStore

CCCD = "001190012345"
PROFILE = {"cccd": CCCD, "full_name": "Nguyễn Thị Hường", "birth_date": "1990-03-15", "phone": "0912345678",
           "permanent_address": "Số 12 đường Lê Lợi, phường Tân Lập, tỉnh Đắk Lắk"}


@pytest.fixture
def store(tmp_path):
    return ProfileStore(tmp_path / "profiles.db")


def test_nothing_saved_without_consent(store):
    assert store.save(CCCD, PROFILE, consent=False) is False
    assert store.count() == 0 and store.get(CCCD) is None


def test_saved_with_consent_and_merged(store, tmp_path):
    assert store.save(CCCD, PROFILE, consent=True)
    update = {"email": "huong@gmail.com", "phone": "0987654321", "gender": ""}
    # Someone who was not recognised by this profile cannot change it (nor set its proof).
    assert not store.save(CCCD, update, consent=True)
    assert store.get(CCCD)["phone"] == PROFILE["phone"]
    assert store.save(CCCD, update, consent=True, may_update=True)
    profile = store.get(CCCD)
    assert profile["full_name"] == "Nguyễn Thị Hường" and profile["email"] == "huong@gmail.com"
    assert profile["phone"] == "0987654321" and "gender" not in profile
    row = sqlite3.connect(tmp_path / "profiles.db").execute("SELECT cccd, consent_at FROM profiles").fetchone()
    assert row[0] == CCCD and row[1]  # the consent time is recorded


def test_recognise_needs_a_matching_second_fact(store):
    store.save(CCCD, PROFILE, consent=True)
    # The phone is required when one is stored: a birth date is guessable (the CCCD holds the year).
    assert store.recognise(CCCD, {"birth_date": "1990-03-15"}) is None
    assert store.recognise(CCCD, {"birth_date": "1990-03-15", "phone": "0912345678"})["full_name"] == "Nguyễn Thị Hường"
    assert store.recognise(CCCD, {"phone": "0912345678"}) is not None
    assert store.recognise(CCCD, {"birth_date": "1990-03-16", "phone": "0912345678"}) is None
    assert store.recognise(CCCD, {}) is None
    assert store.recognise("001190099999", {"birth_date": "1990-03-15"}) is None


def test_delete_forgets_everything(store):
    store.save(CCCD, PROFILE, consent=True)
    assert store.delete(CCCD) is True
    assert store.get(CCCD) is None and store.count() == 0
    assert store.delete(CCCD) is False


def test_forget_citizen_replies_in_vietnamese(store):
    store.save(CCCD, PROFILE, consent=True)
    deleted = api.forget_citizen("0011 9001 2345", store)["text"]
    assert "đã được xoá" in deleted
    assert api.forget_citizen(CCCD, store)["text"] == deleted  # nothing tells whether a profile existed
    assert "12 chữ số" in api.forget_citizen("123", store)["text"]


def test_store_survives_a_new_process_view(tmp_path):
    ProfileStore(tmp_path / "p.db").save(CCCD, PROFILE, consent=True)
    assert ProfileStore(tmp_path / "p.db").get(CCCD)["phone"] == "0912345678"


def test_bad_keys_are_refused(store):
    assert store.save("12345", PROFILE, consent=True) is False
    assert store.get("'; DROP TABLE profiles; --") is None


# --- a stranger who knows a CCCD ------------------------------------------------------------

def _fill(profiles, files, answers, procedure="hdv-cap-doi", consent="có"):
    """Fill `procedure`'s form in the chat with `answers` (field -> text; other fields: skipped
    or their example), say "đồng ý" and `consent`, deliver; every text the citizen saw."""
    from bot.forms.samples import SAMPLE_DATE, sample_answerer
    from bot.forms.templates import form_for_procedure

    form = form_for_procedure(procedure)
    turn = api.start_form(procedure, today=SAMPLE_DATE)
    seen = [m["text"] for m in turn.messages]
    for _ in range(40):
        if turn.status != "filling":
            break
        spec = form.field(turn.state["asking"])
        text = answers.get(spec.key, "bỏ qua" if not spec.required else spec.example)
        turn = api.continue_form(turn.state, text, profiles=profiles, today=SAMPLE_DATE)
        seen += [m["text"] for m in turn.messages]
    for text in ("đồng ý", consent):
        turn = api.continue_form(turn.state, text, profiles=profiles, today=SAMPLE_DATE)
        seen += [m["text"] for m in turn.messages]
    result = api.deliver(turn.state, files=files, profiles=profiles, base_url="https://bot.example.vn",
                         answerer=sample_answerer(), today=SAMPLE_DATE)
    seen += [m["text"] for m in result.messages]
    return [re.sub(r"https://bot\.example\.vn/\S+", "<link>", t) for t in seen]


def test_a_cccd_alone_does_not_tell_whether_a_profile_exists(tmp_path):
    # Regression: with a profile stored, a stranger's form ended with "not saved: this CCCD
    # already has stored details", and without one it did not.
    from bot.forms.delivery import FileStore

    files = FileStore(tmp_path / "files")
    with_profile = ProfileStore(tmp_path / "a.db")
    with_profile.save(CCCD, PROFILE, consent=True)
    stranger = {"cccd": CCCD, "birth_date": "15/3/1990", "phone": "0987 654 321", "full_name": "Trần Văn Bình"}
    seen_with = _fill(with_profile, files, stranger)
    seen_without = _fill(ProfileStore(tmp_path / "b.db"), files, stranger)
    assert seen_with == seen_without
    assert with_profile.get(CCCD)["phone"] == "0912345678"  # and the stored profile is unchanged


def test_phone_numbers_cannot_be_tried_one_after_another(tmp_path):
    # Regression: phone numbers could be tried without limit against one CCCD (13 in 1.6 s).
    from bot.dossiers.guard import LookupGuard
    from bot.forms.samples import SAMPLE_DATE

    now = [1000.0]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    profiles = ProfileStore(url, guard=LookupGuard(url, clock=lambda: now[0]))
    profiles.save(CCCD, PROFILE, consent=True)

    def recognised(phone: str) -> bool:  # a new form each time
        turn = api.start_form("hdv-cap-doi", today=SAMPLE_DATE)
        for answer in (CCCD, "15/03/1990", phone):
            turn = api.continue_form(turn.state, answer, profiles=profiles, today=SAMPLE_DATE)
        return turn.state["recognised"]

    # Every failed try counts, the birth date alone too (it is tried before the phone is asked).
    assert recognised("0912345678")  # the owner: 1 failed try (the birth date alone)
    assert not recognised("0987000001") and not recognised("0987000002")  # 4 more: 5 within 15 minutes
    assert not recognised("0912345678")  # stopped, even for the right number
    now[0] += 16 * 60
    assert recognised("0912345678")


def test_a_recognised_citizen_sees_masked_values_only(tmp_path):
    from bot.forms.delivery import FileStore

    profiles = ProfileStore(tmp_path / "p.db")
    profiles.save(CCCD, PROFILE, consent=True)
    seen = "\n".join(_fill(profiles, FileStore(tmp_path / "files"),
                           {"cccd": CCCD, "birth_date": "15/3/1990", "phone": "0912 345 678"}))
    assert "nhận ra bạn" in seen and "N… (điền sẵn, đã ẩn bớt)" in seen
    for secret in ("Nguyễn Thị Hường", "NGUYỄN THỊ HƯỜNG", "Lê Lợi"):
        assert secret not in seen


def test_a_strangers_tries_do_not_keep_the_owner_from_deleting(tmp_path, dialogue):
    from bot.forms.delivery import FileStore
    from bot.forms.intake import FormDesk

    profiles = ProfileStore(tmp_path / "p.db")
    profiles.save(CCCD, PROFILE, consent=True)
    desk = FormDesk(dialogue, FileStore(tmp_path / "files"), profiles)
    for i in range(5):  # a stranger tries phones in forms: the CCCD's tries are stopped...
        assert profiles.recognise(CCCD, {"phone": f"09870000{i:02d}"}) is None
    assert profiles.recognise(CCCD, {"phone": "0912345678"}) is None
    replies = {desk.forget(f"xoá thông tin của tôi {CCCD} 09870000{i:02d}").messages[0]["text"] for i in range(3)}
    replies.add(desk.forget(f"xoá thông tin của tôi {CCCD} 0912 345 678").messages[0]["text"])
    assert profiles.get(CCCD) is None  # ...but the owner's deletion is not
    assert len(replies) == 1  # the same answer every time
