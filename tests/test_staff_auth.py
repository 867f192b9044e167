"""Staff accounts, lockout, sessions and the login form's CSRF cookie (bot/staff), and the
`python -m bot staff` commands, on a temporary console database."""
from __future__ import annotations

import concurrent.futures
import contextlib
import io
import threading
import time

import pytest
import sqlalchemy as sa

from bot import cli
from bot.analytics import db
from bot.staff import accounts, security, sessions
from tests.staff_fixtures import make_console

PASSWORD = "mật khẩu đủ dài 1"


@pytest.fixture()
def engine(tmp_path, monkeypatch):
    console = make_console(tmp_path, monkeypatch)
    yield console.engine
    db.dispose(console.url)


def stored_hash(engine, username: str) -> str:
    with engine.connect() as conn:
        return conn.execute(sa.select(db.staff_users.c.password_hash)
                            .where(db.staff_users.c.username == username)).scalar()


# --- accounts and passwords ----------------------------------------------------------------------

def test_there_is_no_default_account(engine):
    assert accounts.list_accounts(engine) == []
    assert accounts.authenticate("admin", "admin", engine).account is None


def test_passwords_are_argon2id_hashes_and_checked(engine):
    account = accounts.create("CanBo1 ", PASSWORD, "officer", "Trần  Thị B", engine)
    assert (account.username, account.full_name, account.role, account.active) == ("canbo1", "Trần Thị B", "officer", True)
    hashed = stored_hash(engine, "canbo1")
    assert hashed.startswith("$argon2id$") and PASSWORD not in hashed
    assert accounts.authenticate("canbo1", PASSWORD + "x", engine).account is None
    assert accounts.authenticate("canbo1", "", engine).account is None
    assert accounts.authenticate("CANBO1", PASSWORD, engine).account.username == "canbo1"
    assert accounts.get("canbo1", engine).last_login is not None


@pytest.mark.parametrize("username, password, role, code", [
    ("ab", PASSWORD, "officer", "username"),
    ("nguyễn", PASSWORD, "officer", "username"),
    ("canbo2", "ngắn quá", "officer", "password_short"),
    ("canbo2", "x" * 300, "officer", "password_long"),
    ("canbo2", PASSWORD, "root", "role"),
])
def test_bad_accounts_are_refused(engine, username, password, role, code):
    with pytest.raises(accounts.AccountError) as err:
        accounts.create(username, password, role, engine=engine)
    assert err.value.code == code
    assert accounts.list_accounts(engine) == []


def test_a_username_is_taken_once(engine):
    accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    with pytest.raises(accounts.AccountError) as err:
        accounts.create("canbo1", PASSWORD + "2", "admin", engine=engine)
    assert err.value.code == "exists"


def test_five_failures_lock_the_account_for_15_minutes_and_unlock_lifts_it(engine):
    accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    now = time.time()
    for _ in range(4):
        assert accounts.authenticate("canbo1", "sai mật khẩu rồi", engine, now=now).account is None
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now).account  # a success resets the count
    results = [accounts.authenticate("canbo1", "sai mật khẩu rồi", engine, now=now) for _ in range(5)]
    assert [r.locked_now for r in results] == [False, False, False, False, True]
    locked = accounts.get("canbo1", engine)
    assert locked.locked(now) and locked.locked_until == pytest.approx(now + 15 * 60)
    # While locked, even the right password is refused, exactly like a wrong one.
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now + 60).account is None
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now + 14 * 60).account is None
    assert accounts.get("canbo1", engine).locked_until == locked.locked_until  # attempts do not extend it
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now + 15 * 60 + 1).account
    for _ in range(5):
        accounts.authenticate("canbo1", "sai mật khẩu rồi", engine, now=now + 1000)
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now + 1001).account is None
    accounts.unlock("canbo1", engine)
    assert accounts.authenticate("canbo1", PASSWORD, engine, now=now + 1002).account


def test_a_locked_account_does_not_check_the_password(engine, monkeypatch):
    accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    for _ in range(5):
        accounts.authenticate("canbo1", "sai mật khẩu rồi", engine)
    checked: list[str] = []
    monkeypatch.setattr(accounts, "_verify", lambda stored, password: checked.append(stored) or True)
    assert accounts.authenticate("canbo1", PASSWORD, engine).account is None
    # Only the dummy hash is verified (the same time as a real check: the lock reveals nothing).
    assert stored_hash(engine, "canbo1") not in checked and checked == [accounts._dummy_hash()]


def test_guesses_sent_at_once_cannot_outrun_the_lockout(engine, monkeypatch):
    accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    real_verify = accounts._verify
    barrier = threading.Barrier(12, timeout=30)

    def slow_verify(stored, password):  # every guess is being checked at the same moment
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        return real_verify(stored, password)

    monkeypatch.setattr(accounts, "_verify", slow_verify)
    guesses = [f"sai mật khẩu {i}" for i in range(11)] + [PASSWORD]
    with concurrent.futures.ThreadPoolExecutor(len(guesses)) as pool:
        results = list(pool.map(lambda pw: accounts.authenticate("canbo1", pw, engine), guesses))
    assert all(r.account is None for r in results)
    assert accounts.get("canbo1", engine).locked()


def test_unknown_and_disabled_accounts_are_refused_like_a_wrong_password(engine):
    accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    token, _ = sessions.create(accounts.get("canbo1", engine).id, engine)
    accounts.disable("canbo1", engine)
    assert accounts.authenticate("canbo1", PASSWORD, engine) == accounts.LoginResult(None)
    assert accounts.authenticate("khongco", PASSWORD, engine) == accounts.LoginResult(None)
    assert sessions.lookup(token, engine) is None  # disabling ended the session
    accounts.enable("canbo1", engine)
    assert accounts.authenticate("canbo1", PASSWORD, engine).account
    with pytest.raises(accounts.AccountError):
        accounts.disable("khongco", engine)


def test_a_new_password_ends_the_sessions(engine):
    account = accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    token, _ = sessions.create(account.id, engine)
    accounts.set_password("canbo1", "mật khẩu mới đủ dài", engine)
    assert sessions.lookup(token, engine) is None
    assert accounts.authenticate("canbo1", PASSWORD, engine).account is None
    assert accounts.authenticate("canbo1", "mật khẩu mới đủ dài", engine).account


# --- sessions ------------------------------------------------------------------------------------

def test_sessions_store_only_a_hash_expire_and_rotate(engine):
    account = accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    now = time.time()
    token, session = sessions.create(account.id, engine, now=now)
    assert len(token) >= 43 and session.account.username == "canbo1" and len(session.csrf) >= 43
    with engine.connect() as conn:
        rows = conn.execute(sa.select(db.staff_sessions)).all()
    assert [r.token_hash for r in rows] == [sessions.token_hash(token)] and token not in str(rows)
    assert rows[0].expires_at == pytest.approx(now + 8 * 3600)
    assert sessions.lookup(token, engine, now=now + 8 * 3600 - 1).csrf == session.csrf
    assert sessions.lookup(token, engine, now=now + 8 * 3600 + 1) is None
    assert sessions.lookup(sessions.token_hash(token), engine) is None  # the stored hash is not a key
    assert sessions.lookup("x" * 500, engine) is None and sessions.lookup("", engine) is None
    rotated, _ = sessions.create(account.id, engine, replaces=token, now=now)
    assert sessions.lookup(token, engine, now=now) is None and sessions.lookup(rotated, engine, now=now)
    sessions.delete(rotated, engine)
    assert sessions.lookup(rotated, engine, now=now) is None


def test_expired_sessions_are_cleared_at_the_next_login(engine):
    account = accounts.create("canbo1", PASSWORD, "officer", engine=engine)
    sessions.create(account.id, engine, now=time.time() - 9 * 3600)
    sessions.create(account.id, engine)
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.staff_sessions)).scalar() == 1


def test_the_login_form_token_is_signed():
    cookie, token = security.new_login_token()
    assert security.login_token_from_cookie(cookie) == token
    assert security.login_token_from_cookie(token + ".0123") is None
    assert security.login_token_from_cookie(f"{token}x.{cookie.split('.')[1]}") is None
    assert security.login_token_from_cookie("") is None and security.login_token_from_cookie(None) is None
    assert not security.tokens_match("", "") and not security.tokens_match(token, token + "x")


# --- command line --------------------------------------------------------------------------------

def run_cli(monkeypatch, capsys, argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cli_adds_lists_disables_and_unlocks(engine, monkeypatch, capsys):
    code, out, _ = run_cli(monkeypatch, capsys, ["staff", "add", "canbo1", "--role", "officer", "--name",
                                                 "Trần Thị B", "--password-stdin"], PASSWORD + "\n")
    assert code == 0 and "canbo1" in out and PASSWORD not in out
    assert stored_hash(engine, "canbo1").startswith("$argon2id$")
    assert accounts.authenticate("canbo1", PASSWORD, engine).account.full_name == "Trần Thị B"

    code, _, err = run_cli(monkeypatch, capsys, ["staff", "add", "canbo1", "--role", "admin", "--password-stdin"],
                           PASSWORD + "\n")
    assert code == 1 and "already exists" in err
    code, _, err = run_cli(monkeypatch, capsys, ["staff", "add", "canbo2", "--role", "officer", "--password-stdin"],
                           "ngắn\n")
    assert code == 1 and "10 characters" in err and accounts.get("canbo2", engine) is None

    # Without --password-stdin the password is asked twice (getpass: no echo).
    answers = iter(["mật khẩu quản trị", "mật khẩu quản trị"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    assert run_cli(monkeypatch, capsys, ["staff", "add", "quantri1", "--role", "admin"])[0] == 0
    answers = iter(["mật khẩu thứ nhất", "mật khẩu thứ hai"])
    code, _, err = run_cli(monkeypatch, capsys, ["staff", "add", "quantri2", "--role", "admin"])
    assert code == 1 and "differ" in err and accounts.get("quantri2", engine) is None

    code, out, _ = run_cli(monkeypatch, capsys, ["staff", "list"])
    assert code == 0 and "canbo1" in out and "quantri1" in out and "2 account(s)" in out and "$argon2" not in out

    for _ in range(5):
        accounts.authenticate("canbo1", "sai mật khẩu rồi", engine)
    assert "locked until" in run_cli(monkeypatch, capsys, ["staff", "list"])[1]
    assert run_cli(monkeypatch, capsys, ["staff", "unlock", "canbo1"])[0] == 0
    assert accounts.authenticate("canbo1", PASSWORD, engine).account

    assert run_cli(monkeypatch, capsys, ["staff", "disable", "canbo1"])[0] == 0
    assert "disabled" in run_cli(monkeypatch, capsys, ["staff", "list"])[1]
    assert accounts.authenticate("canbo1", PASSWORD, engine).account is None
    assert run_cli(monkeypatch, capsys, ["staff", "disable", "khongco"])[0] == 1

    with engine.connect() as conn:
        actions = conn.execute(sa.select(db.audit_log.c.action).order_by(db.audit_log.c.id)).scalars().all()
    assert actions == ["account_add", "account_add", "account_unlock", "account_disable"]


def test_cli_refuses_an_unknown_role(engine, monkeypatch, capsys):
    with pytest.raises(SystemExit):
        run_cli(monkeypatch, capsys, ["staff", "add", "x1y", "--role", "root", "--password-stdin"], PASSWORD)
