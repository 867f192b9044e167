"""`python -m bot staff ...`: staff accounts from the command line (the first administrator too).

    python -m bot staff add USERNAME --role officer|admin [--name "Họ tên"] [--password-stdin]
    python -m bot staff list
    python -m bot staff disable USERNAME
    python -m bot staff enable USERNAME
    python -m bot staff unlock USERNAME
    python -m bot staff password USERNAME [--password-stdin]

Passwords are asked twice without echo (getpass), or read from the first line of standard input
with --password-stdin (for scripts). They are never printed or logged.
"""
from __future__ import annotations

import argparse
import getpass
import sys


def _read_password(args: argparse.Namespace) -> str | None:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    first = getpass.getpass("Password (at least 10 characters): ")
    if first != getpass.getpass("Repeat the password: "):
        print("The two passwords differ; nothing changed.", file=sys.stderr)
        return None
    return first


def _fail(exc: Exception) -> int:
    from bot.staff import texts

    code = getattr(exc, "code", "")
    messages = {"username": "username: 3-64 of a-z 0-9 . _ -", "exists": "that username already exists",
                "role": "role must be officer or admin", "password_short": "the password needs at least 10 characters",
                "password_long": "the password is too long (256 characters at most)",
                "name": "the name is too long (128 characters at most)", "unknown": "no such account"}
    print(f"Nothing changed: {messages.get(code) or texts.ACCOUNT_ERRORS.get(code, str(exc))}.", file=sys.stderr)
    return 1


def _add(args: argparse.Namespace) -> int:
    from bot.staff import accounts, audit

    password = _read_password(args)
    if password is None:
        return 1
    try:
        account = accounts.create(args.username, password, args.role, args.name or "")
    except accounts.AccountError as exc:
        return _fail(exc)
    audit.write("(command line)", "account_add", account.username, f"role={account.role}")
    print(f"Added {account.role} account {account.username!r}.")
    return 0


def _list(args: argparse.Namespace) -> int:
    from bot.staff import accounts
    from bot.staff.render import vn_time

    rows = accounts.list_accounts()
    for a in rows:
        state = "disabled" if not a.active else f"locked until {vn_time(a.locked_until)}" if a.locked() else "active"
        last = vn_time(a.last_login) or "never"
        print(f"{a.username:24} {a.role:8} {state:28} last login {last:16}  {a.full_name}")
    print(f"{len(rows)} account(s).")
    return 0


def _change(action: str):  # noqa: ANN202 - returns an argparse handler
    def run(args: argparse.Namespace) -> int:
        from bot.staff import accounts, audit

        try:
            if action == "password":
                password = _read_password(args)
                if password is None:
                    return 1
                account = accounts.set_password(args.username, password)
            else:
                account = getattr(accounts, action)(args.username)
        except accounts.AccountError as exc:
            return _fail(exc)
        audit.write("(command line)", f"account_{action}", account.username)
        done = {"disable": "Disabled (sessions ended)", "enable": "Enabled", "unlock": "Unlocked",
                "password": "New password set for (sessions ended)"}[action]
        print(f"{done} {account.username!r}.")
        return 0
    return run


def register(sub: argparse._SubParsersAction) -> None:
    """Add the `staff` command group to the main parser's subcommands."""
    staff = sub.add_parser("staff", help="staff console accounts").add_subparsers(dest="action", required=True)
    add = staff.add_parser("add", help="create an account (asks the password twice)")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=("officer", "admin"))
    add.add_argument("--name", help='full name, e.g. "Nguyễn Văn A"')
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(func=_add)
    staff.add_parser("list", help="list accounts (no passwords)").set_defaults(func=_list)
    for action, text in (("disable", "refuse logins and end the account's sessions"),
                         ("enable", "allow logins again"), ("unlock", "lift a lockout after failed logins"),
                         ("password", "set a new password")):
        p = staff.add_parser(action, help=text)
        p.add_argument("username")
        if action == "password":
            p.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
        p.set_defaults(func=_change(action))
