"""The state shared by processes and replicas (bot/shared_state.py): the lookup guard, citizens'
profiles, the gateway's rate limits and the Zalo token pair, each tested on a SQLite file and on a
throw-away PostgreSQL server (tests/postgres.py), with several processes at once; the one setting
that moves them all to PostgreSQL; and the SQLite files' modes."""
from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import sqlite3
import stat
import threading

import pytest
import requests
import sqlalchemy as sa

from bot import shared_state
from bot.dossiers import guard as guard_module
from bot.dossiers.guard import LookupGuard
from bot.forms import profiles as profiles_module
from bot.forms.profiles import ProfileStore
from bot.gateway import ratelimit
from bot.gateway.ratelimit import RateLimiter
from bot.gateway import dedup, telegram
from bot.gateway.dedup import SeenIds
from bot.gateway.telegram import ButtonPayloads
from bot.gateway.zalo_api import TokenStore, tokens_table

CCCD = "001190012345"
PROFILE = {"cccd": CCCD, "full_name": "Nguyễn Thị Hường", "birth_date": "1990-03-15", "phone": "0912345678"}
ALL_TABLES = [guard_module.metadata, profiles_module.metadata, ratelimit.metadata, tokens_table.metadata,
              dedup.metadata, telegram.payloads_metadata]


@pytest.fixture(params=["sqlite", "postgresql"])
def where(request, tmp_path):
    """A database URL; on PostgreSQL the tables are dropped after the test."""
    url = f"sqlite:///{tmp_path / 'shared.db'}" if request.param == "sqlite" else request.getfixturevalue("postgres_url")
    yield url
    if request.param == "postgresql":
        eng = shared_state.engine(url)
        for metadata in ALL_TABLES:
            metadata.drop_all(eng)
    shared_state.dispose(url)


# --- the lookup guard ---------------------------------------------------------------------

def test_guard_locks_the_guessing_party_and_caps_the_code(where):
    now = [1000.0]
    guard = LookupGuard(where, clock=lambda: now[0])
    for _ in range(4):
        assert not guard.record_failure("CODE-1", "stranger")
    assert guard.record_failure("CODE-1", "stranger")
    assert guard.locked("CODE-1", "stranger") and not guard.locked("CODE-1", "owner", "ip-owner")
    for i in range(25):
        guard.record_failure("CODE-1", f"s{i}")
    assert guard.locked_for("CODE-1", "owner") == 24 * 3600  # 30 in a day: the code, for everyone
    assert not guard.locked("CODE-2", "owner")
    now[0] += 24 * 3600 + 1
    assert not guard.locked("CODE-1", "owner")


def _fail_many(url: str, worker: int, count: int) -> None:
    guard = LookupGuard(url)
    for i in range(count):
        guard.record_failure("CODE-RACE", f"w{worker}-{i}")


def _run_processes(target, args_list) -> None:
    ctx = multiprocessing.get_context("spawn")
    processes = [ctx.Process(target=target, args=args) for args in args_list]
    for p in processes:
        p.start()
    for p in processes:
        p.join(120)
        assert p.exitcode == 0


def test_guard_counts_every_failure_of_concurrent_processes(where):
    _run_processes(_fail_many, [(where, w, 8) for w in range(4)])  # 32 failures, 4 processes at once
    guard = LookupGuard(where)
    assert guard.locked("CODE-RACE", "anyone")
    with guard.engine.connect() as conn:
        code_key = guard_module._key("code", "CODE-RACE")
        assert conn.execute(sa.select(sa.func.count()).where(guard_module.failures.c.key == code_key)).scalar() == 32
        assert conn.execute(sa.select(guard_module.locks.c.strikes).where(guard_module.locks.c.key == code_key)).scalar() >= 1


# --- profiles -----------------------------------------------------------------------------

def test_profiles_save_recognise_and_delete(where):
    store = ProfileStore(where)
    assert store.save(CCCD, PROFILE, consent=True)
    assert not store.save(CCCD, {"phone": "0987654321"}, consent=True)  # not recognised: no change
    assert store.save(CCCD, {"email": "huong@gmail.com"}, consent=True, may_update=True)
    assert store.recognise(CCCD, {"birth_date": "1990-03-15", "phone": "0912345678"})["email"] == "huong@gmail.com"
    assert store.count() == 1 and store.delete(CCCD) and store.get(CCCD) is None


def test_phone_tries_against_one_cccd_are_limited(where):
    # Regression: phone numbers could be tried without limit (13 in 1.6 s) against one CCCD.
    store = ProfileStore(where)
    store.save(CCCD, PROFILE, consent=True)
    for i in range(5):
        assert store.recognise(CCCD, {"phone": f"09000000{i:02d}"}) is None
    assert store.recognise(CCCD, {"phone": "0912345678"}) is None  # stopped: even the right one
    assert store.recognise("001190099999", {"phone": "0912345678"}) is None
    # A CCCD without a profile is counted the same: the limit tells nothing about existence.
    other = ProfileStore(where)
    for i in range(5):
        other.recognise("001190077777", {"phone": f"09000000{i:02d}"})
    keys = [guard_module._key("cccd", c) for c in (CCCD, "001190077777")]
    with store.guard.engine.connect() as conn:
        locks = dict(conn.execute(sa.select(guard_module.locks.c.key, guard_module.locks.c.strikes)
                                  .where(guard_module.locks.c.key.in_(keys))).all())
    assert set(locks) == set(keys)


def test_the_lock_on_profile_tries_ends(tmp_path):
    now = [1000.0]
    url = f"sqlite:///{tmp_path / 'p.db'}"
    store = ProfileStore(url, guard=LookupGuard(url, clock=lambda: now[0]))
    store.save(CCCD, PROFILE, consent=True)
    for i in range(5):
        store.recognise(CCCD, {"phone": f"09000000{i:02d}"})
    assert store.recognise(CCCD, {"phone": "0912345678"}) is None
    now[0] += 16 * 60
    assert store.recognise(CCCD, {"phone": "0912345678"})["full_name"] == "Nguyễn Thị Hường"


# --- rate limits --------------------------------------------------------------------------

def test_rate_limits_slide_on_both_databases(where):
    limiter = RateLimiter(where, {"sender": 3, "zalo": 1})
    assert [limiter.allow("sender", "a", now=59.0 + i * 0.1) for i in range(4)] == [True, True, True, False]
    assert not limiter.allow("sender", "a", now=61.0)  # a new minute does not reset the count
    assert limiter.allow("sender", "a", now=119.5)
    assert [limiter.verdict("zalo", "u", now=0.0) for _ in range(3)] == ["ok", "refuse", "drop"]


def _allow_many(url: str, count: int, queue) -> None:
    limiter = RateLimiter(url, {"sender": 30})
    queue.put(sum(limiter.allow("sender", "web-burst", now=500.0) for _ in range(count)))


def test_concurrent_processes_never_allow_more_than_the_limit(where):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    _run_processes(_allow_many, [(where, 15, queue) for _ in range(4)])  # 60 requests at once
    assert sum(queue.get(timeout=10) for _ in range(4)) == 30


# --- replicas starting together --------------------------------------------------------------

def _open_at_once(where: str, barrier) -> None:
    barrier.wait(30)
    for metadata in ALL_TABLES:
        shared_state.engine(where, metadata)  # switches a new SQLite file to WAL, creates the tables
    assert SeenIds(where).first_time("start", str(os.getpid()))


def test_processes_opening_a_new_database_at_once(where):
    """Several replicas starting together on a new database: the first fresh-clone run showed
    "database is locked" on SQLite's switch to WAL, and a duplicate pg_type row from concurrent
    CREATE TABLE on PostgreSQL."""
    barrier = multiprocessing.get_context("spawn").Barrier(6)
    _run_processes(_open_at_once, [(where, barrier) for _ in range(6)])


# --- updates already answered, long Telegram buttons -----------------------------------------

def _see_all(where: str, queue) -> None:
    seen = SeenIds(where)
    queue.put(sum(seen.first_time("zalo:app", f"msg-{n}") for n in range(20)))


def test_each_update_is_first_seen_by_exactly_one_process(where):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    _run_processes(_see_all, [(where, queue) for _ in range(4)])  # the same 20 ids, 4 processes at once
    assert sum(queue.get(timeout=10) for _ in range(4)) == 20
    assert not SeenIds(where).first_time("zalo:app", "msg-3") and SeenIds(where).first_time("telegram:1", "msg-3")


def test_a_long_button_pressed_on_another_replica_is_known(where):
    payload = '/ask_fee{"procedure": "' + "x" * 80 + '"}'
    data = ButtonPayloads(where).encode(payload)
    assert data.startswith("#") and len(data.encode()) <= 64
    assert ButtonPayloads(where).decode(data) == payload  # another gateway process or machine
    assert ButtonPayloads(where).decode("#" + "0" * 32) is None


# --- the Zalo token pair ------------------------------------------------------------------

def test_concurrent_refreshes_spend_the_refresh_token_once(where, tmp_path, rasa):
    from tests.gateway_fakes import FakeZalo
    from tests.test_zalo import APP_ID, APP_SECRET, make_config

    zalo = FakeZalo(APP_ID, APP_SECRET, access_token="AT-0", refresh_token="RT-0")
    try:
        config = make_config(tmp_path, rasa, zalo, access_token="AT-revoked").zalo
        stores = [TokenStore(where, config, requests.Session()) for _ in range(4)]
        results: list[str] = []
        threads = [threading.Thread(target=lambda s=s: results.append(s.refresh(stale="AT-revoked"))) for s in stores]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert results == ["AT-1"] * 4 and len(zalo.refreshes) == 1
        assert TokenStore(where, config, requests.Session()).stored()[:2] == ("AT-1", "RT-1")
    finally:
        zalo.close()


# --- one setting --------------------------------------------------------------------------

def test_one_setting_moves_every_store(monkeypatch, tmp_path):
    from bot.analytics import db

    for name in ("VHTTDL_GUARD_DB", "VHTTDL_PROFILES_DB", "CONSOLE_DB_URL", shared_state.ENV):
        monkeypatch.delenv(name, raising=False)
    assert guard_module.default_guard_path().endswith("/.var/dossier_guard.db")
    assert profiles_module.default_path().startswith("sqlite:///")
    assert shared_state.location(tmp_path / "gateway.db") == f"sqlite:///{tmp_path / 'gateway.db'}"
    monkeypatch.setenv(shared_state.ENV, "postgresql://bot@db.example/vhttdl")
    for url in (guard_module.default_guard_path(), profiles_module.default_path(), db.url(),
                shared_state.location(tmp_path / "gateway.db"), shared_state.location(tmp_path / "zalo.db")):
        assert url == "postgresql://bot@db.example/vhttdl"
    monkeypatch.setenv("VHTTDL_GUARD_DB", str(tmp_path / "guard.db"))  # a store's own setting wins
    monkeypatch.setenv("CONSOLE_DB_URL", "postgresql://bot@other.example/console")
    assert guard_module.default_guard_path() == f"sqlite:///{tmp_path / 'guard.db'}"
    assert db.url() == "postgresql://bot@other.example/console"


def test_the_gateway_uses_the_shared_database(monkeypatch, tmp_path, postgres_url):
    from bot.gateway.config import load_config
    from bot.gateway.core import Core

    monkeypatch.setenv(shared_state.ENV, postgres_url)
    core = Core.create(load_config(file=tmp_path / "none.yml", env={}, state_dir=tmp_path))
    try:
        assert core.limiter.url == postgres_url and core.limiter.allow("sender", "web-x")
        assert not (tmp_path / "gateway.db").exists()
    finally:
        ratelimit.metadata.drop_all(shared_state.engine(postgres_url))
        shared_state.dispose(postgres_url)


# --- the database down ------------------------------------------------------------------

def test_a_database_that_does_not_answer(caplog):
    down = "postgresql://postgres@127.0.0.1:9/none"  # nothing listens there
    limiter = RateLimiter(down, {"sender": 1})  # the gateway still starts...
    assert limiter.allow("sender", "web-secret-sender") and "rate limits not checked" in caplog.text  # ...and answers
    assert asyncio.run(limiter.check("sender", "web-secret-sender")) == "ok"
    # An update is answered (perhaps twice), never dropped; a long button says "expired" when pressed.
    assert asyncio.run(SeenIds(down).first("zalo:app", "msg-1")) and "not checked" in caplog.text
    data = ButtonPayloads(down).encode("/ask_fee" + json.dumps({"procedure": "x" * 80}))
    assert data.startswith("#") and ButtonPayloads(down).decode(data) is None
    store = ProfileStore(down)
    with pytest.raises(sa.exc.OperationalError):
        store.recognise(CCCD, {"phone": "0912345678"})  # the action answers with its error message
    shared_state.dispose(down)


def test_database_errors_never_show_the_values(tmp_path):
    # Their text ends up in logged tracebacks (the actions log exc_info): no CCCD in it.
    store = ProfileStore(tmp_path / "p.db")
    store.save(CCCD, PROFILE, consent=True)
    with store.engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE profiles")
    with pytest.raises(sa.exc.OperationalError) as error:
        store.get(CCCD)
    assert "no such table" in str(error.value) and CCCD not in str(error.value)


# --- file modes ---------------------------------------------------------------------------

def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_sqlite_files_and_their_wal_files_are_private(tmp_path, rasa):
    from tests.gateway_fakes import FakeZalo
    from tests.test_zalo import APP_ID, APP_SECRET, make_config

    # A restored backup with a wide mode, and a WAL file left beside it, are tightened on open.
    restored = tmp_path / "profiles.db"
    sqlite3.connect(restored).close()
    restored.chmod(0o644)
    (tmp_path / "profiles.db-wal").touch(mode=0o644)
    (tmp_path / "profiles.db-wal").chmod(0o644)
    store = ProfileStore(restored)
    store.save(CCCD, PROFILE, consent=True)
    from bot.storage import database  # the dossier store's and the form downloads' files

    sqlite3.connect(tmp_path / "dossiers.db").close()
    (tmp_path / "dossiers.db").chmod(0o644)
    with database(tmp_path / "dossiers.db") as db:
        db["t"].insert({"x": 1})
    guard = LookupGuard(tmp_path / "guard.db")
    guard.record_failure("CODE-1", "s")
    RateLimiter(tmp_path / "gateway.db", {"sender": 1}).allow("sender", "x")
    zalo = FakeZalo(APP_ID, APP_SECRET, access_token="AT-0", refresh_token="RT-0")
    try:
        TokenStore(tmp_path / "zalo.db", make_config(tmp_path, rasa, zalo).zalo, requests.Session())
    finally:
        zalo.close()
    # While a process has a file open, its -wal and -shm files exist (the last one to close it
    # removes them): keep a reader on each.
    readers = [sqlite3.connect(tmp_path / name) for name in ("profiles.db", "guard.db", "gateway.db", "zalo.db")]
    assert _mode(tmp_path / "dossiers.db") == 0o600
    try:
        for reader in readers:
            reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        files = sorted(p.name for p in tmp_path.iterdir() if ".db" in p.name)
        for name in ("profiles.db", "guard.db", "gateway.db", "zalo.db"):
            assert {name, name + "-wal", name + "-shm"} <= set(files), files
        assert {name: oct(_mode(tmp_path / name)) for name in files} == {name: "0o600" for name in files}
    finally:
        for reader in readers:
            reader.close()
