"""Run conversation cases (the black-box checker's format) against Rasa's REST channel.

    .venv/bin/python bench/conversations.py bench/data/eval_cases.yaml [-v]

Starts the action server and Rasa on free loopback ports with the trained model in models/,
sends every turn, and checks the reply text (with button titles and payloads) the way
../shared/eval/converse.py does: case-insensitive, NFC, old/new tone placement unified, digit
group separators removed. tests/test_conversations.py uses the same matching.
"""
from __future__ import annotations

import argparse
import os
import re
import socket
import sys
import tempfile
import time
import unicodedata
import uuid
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import yaml  # noqa: E402

from bot.launcher import start_servers  # noqa: E402
from bot.supervisor import Supervisor  # noqa: E402

_TONES = (("oà", "òa"), ("oá", "óa"), ("oả", "ỏa"), ("oã", "õa"), ("oạ", "ọa"), ("uỳ", "ùy"), ("uý", "úy"),
          ("uỷ", "ủy"), ("uỹ", "ũy"), ("uỵ", "ụy"), ("oè", "òe"), ("oé", "óe"), ("oẻ", "ỏe"), ("oẽ", "õe"), ("oẹ", "ọe"))


def norm(s: str) -> str:
    s = unicodedata.normalize("NFC", s).lower()
    for old, new in _TONES:
        s = s.replace(old, new)
    s = re.sub(r"(?<=\d)[.,\s](?=\d{3}\b)", "", s)
    return re.sub(r"\s+", " ", s)


def reply_text(messages: list[dict]) -> str:
    parts = []
    for m in messages:
        parts.append(m.get("text") or "")
        for b in m.get("buttons") or []:
            parts += [b.get("title", ""), str(b.get("payload", ""))]
    return "\n".join(parts)


def problems(turn: dict, got: str) -> list[str]:
    """What is wrong with a reply (normalized) for one case turn; empty when it passes."""
    bad = [f"missing {s!r}" for s in turn.get("expect_all", []) if norm(s) not in got]
    if turn.get("expect_any") and not any(norm(s) in got for s in turn["expect_any"]):
        bad.append(f"none of {turn['expect_any']!r}")
    bad += [f"forbidden {s!r}" for s in turn.get("expect_none", []) if norm(s) in got]
    return bad


def send(url: str, sender: str, message: str) -> tuple[int, list[dict]]:
    r = requests.post(url, json={"sender": sender, "message": message}, timeout=30)
    return r.status_code, (r.json() if r.status_code == 200 else [])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


DOSSIER_FIXTURE = ROOT / "tests" / "data" / "dossiers.json"


@contextmanager
def running_assistant(workdir: Path, dossiers: Path | None = DOSSIER_FIXTURE,
                      extra_env: dict[str, str] | None = None) -> Iterator[str]:
    """The action server and Rasa on free loopback ports, a fresh SQLite tracker store in
    `workdir`, a dossier store loaded from `dossiers` (made-up, fixed codes), a fresh lookup
    guard, form files and profiles under `workdir`; yields the REST webhook URL."""
    with assistant_servers(workdir, dossiers, extra_env) as servers:
        yield servers.services[1].health_url + "webhooks/rest/webhook"


@contextmanager
def assistant_servers(workdir: Path, dossiers: Path | None = DOSSIER_FIXTURE,
                      extra_env: dict[str, str] | None = None, **supervision: float) -> Iterator[Supervisor]:
    """As running_assistant, but yields the started Supervisor (services[0]: the action server,
    services[1]: Rasa), for tests that stop, kill or restart the servers."""
    if not any((ROOT / "models").glob("*.tar.gz")):
        raise RuntimeError("No trained model in models/: run `make train`.")
    rasa_port, actions_port = free_port(), free_port()
    endpoints = workdir / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({
        "action_endpoint": {"url": f"http://127.0.0.1:{actions_port}/webhook"},
        "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(workdir / "tracker.db")},
    }), encoding="utf-8")
    env = {"VHTTDL_DOSSIER_SOURCE": "sqlite", "VHTTDL_DOSSIER_DB": str(workdir / "dossiers.db"),
           "VHTTDL_GUARD_DB": str(workdir / "guard.db"), "VHTTDL_FILES_DIR": str(workdir / "forms"),
           "VHTTDL_PROFILES_DB": str(workdir / "profiles.db"), "VHTTDL_FILES_BASE_URL": "http://localhost:8080",
           # turns and ratings: the caller's console database (tests set one), else one in workdir
           "CONSOLE_DB_URL": os.environ.get("CONSOLE_DB_URL") or f"sqlite:///{workdir / 'console.db'}",
           **(extra_env or {})}
    if dossiers is not None:
        from bot.dossiers.importer import parse_records, read_records
        from bot.dossiers.sqlite_source import SqliteSource

        SqliteSource(workdir / "dossiers.db").add_all(parse_records(read_records(dossiers)), replace=True)
    servers = start_servers(rasa_port, actions_port, endpoints=str(endpoints), log_dir=workdir, extra_env=env,
                            **supervision)
    try:
        servers.wait_until_ready()
        yield servers
    finally:
        servers.stop()


def run_cases(url: str, cases: list[dict], verbose: bool = False) -> tuple[int, int, list[str]]:
    passed, failures = 0, []
    for conv in cases:
        sender = f"eval-{conv['id']}-{uuid.uuid4().hex[:8]}"
        for i, turn in enumerate(conv["turns"]):
            status, messages = send(url, sender, turn["say"])
            got = norm(reply_text(messages))
            bad = problems(turn, got) if status == 200 else [f"HTTP {status}"]
            if bad:
                failures.append(f"FAIL {conv['id']}#{i} say={turn['say']!r}: {'; '.join(bad)} | reply={got[:300]!r}")
            else:
                passed += 1
                if verbose:
                    print(f"ok   {conv['id']}#{i}")
    return passed, len(failures), failures


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="+", type=Path)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp, running_assistant(Path(tmp)) as url:
        total_passed = total_failed = 0
        for path in args.cases:
            t0 = time.perf_counter()
            passed, failed, failures = run_cases(url, yaml.safe_load(path.read_text(encoding="utf-8")), args.v)
            print(*failures, sep="\n")
            print(f"{path}: {passed} passed, {failed} failed ({time.perf_counter() - t0:.0f} s)")
            total_passed += passed
            total_failed += failed
    return 0 if total_failed == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
