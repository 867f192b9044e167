"""Citizen profiles in a real SQLite file: consent, recognition with a second fact, deletion."""
from __future__ import annotations

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
