"""The real action server (`rasa run actions`, one asyncio event loop) with the one-stop API
on loopback: a hanging or byte-trickling API costs each lookup no more than its budget, and
never holds up the other citizens' answers."""
from __future__ import annotations

import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest
import requests

from bench.conversations import free_port
from bot import paths
from bot.dossiers.api_server import make_server, serve_in_thread
from bot.dossiers.importer import parse_records, read_records
from bot.dossiers.sqlite_source import SqliteSource
from bot.launcher import rasa_env
from tests.test_dossier_sources import CODE, FIXTURE, FaultyHandler

BUDGET = 2.0
UNAVAILABLE = "hệ thống một cửa đang gián đoạn"


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    store = SqliteSource(tmp_path_factory.mktemp("api") / "dossiers.db")
    store.add_all(parse_records(read_records(FIXTURE)))
    handler = type("H", (FaultyHandler,), {"faults": [], "requests_seen": [], "default": "ok"})
    server = make_server(store, token="s3cret", handler=handler)
    serve_in_thread(server)
    yield f"http://127.0.0.1:{server.server_address[1]}", server.RequestHandlerClass
    server.shutdown()
    server.server_close()


@contextmanager
def running_action_server(tmp: Path, env: dict[str, str]) -> Iterator[str]:
    """`rasa run actions` on a free loopback port with `env`; yields its base URL."""
    port = free_port()
    env = {**rasa_env(), "VHTTDL_GUARD_DB": str(tmp / "guard.db"), "VHTTDL_FILES_DIR": str(tmp / "forms"),
           "VHTTDL_PROFILES_DB": str(tmp / "profiles.db"), **env}
    log = open(tmp / "actions.log", "ab")
    process = subprocess.Popen([str(Path(sys.executable).with_name("rasa")), "run", "actions", "--actions", "actions",
                                "--port", str(port)], cwd=paths.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert process.poll() is None, (tmp / "actions.log").read_text(errors="replace")[-2000:]
            try:
                if requests.get(f"{base}/health", timeout=1).ok:
                    break
            except requests.RequestException:
                time.sleep(0.3)
        else:
            pytest.fail("action server not ready")
        yield base
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@pytest.fixture(scope="module")
def action_server(api, tmp_path_factory):
    url, _ = api
    env = {"VHTTDL_DOSSIER_SOURCE": "http", "VHTTDL_DOSSIER_API_URL": url, "VHTTDL_DOSSIER_API_TOKEN": "s3cret",
           "VHTTDL_DOSSIER_API_TIMEOUT": str(BUDGET)}
    with running_action_server(tmp_path_factory.mktemp("actions"), env) as base:
        # The first call builds the catalog index: not what is measured.
        call(base, "action_answer", "phí thẻ hướng dẫn viên nội địa", "ask_fee")
        yield base


def call(base: str, action: str, text: str, intent: str, entities: list | None = None) -> tuple[float, list[str]]:
    """One action call as Rasa makes it; (seconds, texts said)."""
    tracker = {"sender_id": f"as-{uuid.uuid4().hex[:8]}", "slots": {}, "events": [], "paused": False,
               "followup_action": None, "active_loop": {}, "latest_action_name": "action_listen",
               "latest_message": {"text": text, "intent": {"name": intent, "confidence": 1.0},
                                  "entities": entities or []}}
    t0 = time.monotonic()
    r = requests.post(f"{base}/webhook", json={"next_action": action, "sender_id": tracker["sender_id"],
                                               "tracker": tracker, "domain": {}, "version": "3.6.2"}, timeout=60)
    r.raise_for_status()
    return time.monotonic() - t0, [m.get("text") or "" for m in r.json()["responses"]]


def lookup(base: str) -> tuple[float, list[str]]:
    return call(base, "action_dossier_status", f"hồ sơ {CODE} số cuối 5678", "ask_dossier_status",
                [{"entity": "dossier_code", "value": CODE}, {"entity": "last_digits", "value": "5678"}])


def test_a_working_api_answers_the_lookup(action_server):
    seconds, texts = lookup(action_server)
    assert "Thẩm định hồ sơ" in " ".join(texts) and seconds < BUDGET


@pytest.mark.parametrize("fault", ["sleep", "trickle"])
def test_slow_lookups_answer_within_budget_and_do_not_hold_up_others(action_server, api, fault):
    _, handler = api
    handler.default = fault
    try:
        with ThreadPoolExecutor(5) as pool:
            lookups = [pool.submit(lookup, action_server) for _ in range(5)]
            time.sleep(0.5)  # all five are waiting on the API now
            seconds, texts = call(action_server, "action_answer", "phí cấp thẻ hướng dẫn viên du lịch nội địa", "ask_fee")
            assert seconds < 1.0, f"a fee question waited {seconds:.1f} s behind the lookups"
            assert "650.000" in " ".join(texts)
            results = [f.result() for f in lookups]
    finally:
        handler.default = "ok"
    for seconds, texts in results:
        assert seconds < BUDGET + 1.0, f"a lookup took {seconds:.1f} s"
        assert UNAVAILABLE in " ".join(texts)  # the polite "try later / hotline" reply



def test_a_corrupt_dossier_store_answers_unavailable_and_says_how_to_fix_it(tmp_path):
    """The action server starts on a damaged dossiers.db; a lookup gets the polite reply, and
    its log names the file and the fix (once)."""
    bad = tmp_path / "dossiers.db"
    bad.write_bytes(b"not a database " * 500)
    with running_action_server(tmp_path, {"VHTTDL_DOSSIER_SOURCE": "sqlite", "VHTTDL_DOSSIER_DB": str(bad)}) as base:
        for _ in range(2):
            _, texts = lookup(base)
            assert UNAVAILABLE in " ".join(texts)
    log = (tmp_path / "actions.log").read_text(errors="replace")
    assert log.count(f"dossier store {bad} cannot be read") == 1 and "python -m bot dossiers import" in log
    assert bad.read_bytes() == b"not a database " * 500  # left for whoever repairs it
