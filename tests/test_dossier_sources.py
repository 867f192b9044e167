"""Both dossier sources: the SQLite store (a real file) and the HTTP adapter against a real
HTTP server on loopback that serves the contract, including slow, failing and malformed answers."""
from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from bot.dossiers.api_server import ContractHandler, make_server, serve_in_thread
from bot.dossiers.http_source import HttpSource
from bot.dossiers.importer import parse_records, read_records
from bot.dossiers.source import SourceUnavailable, open_source
from bot.dossiers.sqlite_source import SqliteSource

FIXTURE = Path(__file__).parent / "data" / "dossiers.json"
CODE = "000.00.15.H30-261102-0001"


@pytest.fixture()
def store(tmp_path) -> SqliteSource:
    s = SqliteSource(tmp_path / "dossiers.db")
    s.add_all(parse_records(read_records(FIXTURE)))
    return s


def test_sqlite_store_returns_what_was_stored(store):
    d = store.get(CODE)
    assert d.applicant_name == "Nguyễn Văn An" and d.current_unit == "Phòng Quản lý Du lịch"
    assert d.history[0].name == "Tiếp nhận hồ sơ"
    assert store.get("000.00.15.H30-261102-0009") is None
    assert store.count() == 5


def test_sqlite_store_adds_all_or_nothing(store):
    new = parse_records(read_records(FIXTURE))[:1]
    with pytest.raises(ValueError):
        store.add_all(new)  # already there
    assert store.count() == 5
    store.add_all(new, replace=True)
    assert store.count() == 5 and len(store.get(CODE).history) == 1


def test_sqlite_schema_has_an_index_for_lookups(store):
    import sqlite_utils

    db = sqlite_utils.Database(store.path)
    assert db["dossiers"].pks == ["code"]
    assert any(i.columns == ["dossier_code"] for i in db["dossier_steps"].indexes)


def test_broken_sqlite_file_is_unavailable_not_a_crash(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not a database" * 100)
    with pytest.raises(SourceUnavailable):
        SqliteSource(bad).get(CODE)


def test_source_is_chosen_by_configuration(monkeypatch, tmp_path):
    monkeypatch.setenv("VHTTDL_DOSSIER_DB", str(tmp_path / "x.db"))
    monkeypatch.delenv("VHTTDL_DOSSIER_SOURCE", raising=False)
    assert isinstance(open_source(), SqliteSource)
    monkeypatch.setenv("VHTTDL_DOSSIER_SOURCE", "http")
    monkeypatch.setenv("VHTTDL_DOSSIER_API_URL", "http://127.0.0.1:9")
    assert isinstance(open_source(), HttpSource)
    monkeypatch.setenv("VHTTDL_DOSSIER_SOURCE", "fax")
    with pytest.raises(ValueError):
        open_source()


# ------------------------------------------------------------------ HTTP adapter


class FaultyHandler(ContractHandler):
    """The contract, plus faults chosen by the test through the class attribute `faults`:
    a list consumed one per request ("ok", "500", "slow", "sleep", "trickle", "bad-json",
    "wrong-shape", "other-code"); `default` when the list is empty."""

    faults: list[str] = []
    requests_seen: list[str] = []
    default = "ok"

    def do_GET(self) -> None:  # noqa: N802
        type(self).requests_seen.append(self.headers.get("Authorization", ""))
        fault = type(self).faults.pop(0) if type(self).faults else type(self).default
        if fault == "sleep":  # a system that hangs: nothing for 20 s, then the right answer
            time.sleep(20)
            try:
                super().do_GET()
            except OSError:  # the client gave up long ago: what it should do
                self.close_connection = True
        elif fault == "trickle":  # the right answer, status line included, one byte every 0.5 s
            self._trickle()
        elif fault == "500":
            self.send_json(500, {"error": "boom"})
        elif fault == "slow":
            time.sleep(3)
            self.send_json(500, {"error": "late"})
        elif fault == "bad-json":
            body = b"{not json"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif fault == "wrong-shape":
            self.send_json(200, {"code": CODE, "status": "??"})
        elif fault == "other-code":
            self.send_json(200, {**json.loads(FIXTURE.read_text(encoding="utf-8"))[1]})
        else:
            super().do_GET()

    def _trickle(self) -> None:
        body = json.dumps(json.loads(FIXTURE.read_text(encoding="utf-8"))[0], ensure_ascii=False).encode("utf-8")
        raw = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: "
               + str(len(body)).encode() + b"\r\n\r\n" + body)
        try:
            for i in range(len(raw)):
                self.wfile.write(raw[i:i + 1])
                self.wfile.flush()
                time.sleep(0.5)
        except OSError:  # the client gave up: what it should do
            self.close_connection = True


@pytest.fixture()
def api(store):
    handler = type("H", (FaultyHandler,), {"faults": [], "requests_seen": []})
    server = make_server(store, token="s3cret", handler=handler)
    serve_in_thread(server)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    yield url, server.RequestHandlerClass
    server.shutdown()
    server.server_close()


def test_http_adapter_reads_the_contract(api, store):
    url, handler = api
    source = HttpSource(url, token="s3cret")
    assert source.get(CODE) == store.get(CODE)
    assert source.get("000.00.15.H30-261102-0009") is None
    assert handler.requests_seen[0] == "Bearer s3cret"


def test_http_adapter_retries_server_errors(api):
    url, handler = api
    handler.faults.extend(["500", "500"])
    assert HttpSource(url, token="s3cret", backoff=0.01).get(CODE).code == CODE
    assert len(handler.requests_seen) == 3


def test_http_adapter_does_not_retry_a_refusal(api):
    url, handler = api
    with pytest.raises(SourceUnavailable):
        HttpSource(url, token="wrong").get(CODE)
    assert len(handler.requests_seen) == 1


def test_http_adapter_gives_up_within_its_budget(api):
    url, handler = api
    handler.faults.extend(["slow"] * 5)
    t0 = time.monotonic()
    with pytest.raises(SourceUnavailable):
        HttpSource(url, token="s3cret", budget=1.0).get(CODE)
    assert time.monotonic() - t0 < 2.0  # the citizen hears "gián đoạn" well within 5 s


@pytest.mark.parametrize("fault", ["sleep", "trickle"])
def test_http_adapter_budget_covers_the_whole_answer(api, fault):
    """A hanging system, or one that sends its answer one byte at a time (each byte well within
    the read timeout), still costs the citizen no more than the budget."""
    url, handler = api
    handler.faults.extend([fault] * 5)
    t0 = time.monotonic()
    with pytest.raises(SourceUnavailable):
        HttpSource(url, token="s3cret", budget=1.5).get(CODE)
    assert time.monotonic() - t0 < 1.5 + 0.5


def test_http_adapter_after_a_deadline_the_next_lookup_works(api, store):
    url, handler = api
    source = HttpSource(url, token="s3cret", budget=1.0)
    handler.faults.append("trickle")
    with pytest.raises(SourceUnavailable):
        source.get(CODE)
    assert source.get(CODE) == store.get(CODE)  # the same session, a fresh connection


def test_http_adapter_persistent_errors_are_unavailable(api):
    url, handler = api
    handler.faults.extend(["500"] * 10)
    with pytest.raises(SourceUnavailable):
        HttpSource(url, token="s3cret", backoff=0.01).get(CODE)


@pytest.mark.parametrize("fault", ["bad-json", "wrong-shape", "other-code"])
def test_http_adapter_rejects_answers_outside_the_contract(api, fault):
    url, handler = api
    handler.faults.append(fault)
    with pytest.raises(SourceUnavailable):
        HttpSource(url, token="s3cret").get(CODE)


def test_http_adapter_unreachable_server_is_unavailable():
    with pytest.raises(SourceUnavailable):
        HttpSource("http://127.0.0.1:9", budget=0.5, backoff=0.01).get(CODE)


def test_http_adapter_logs_no_personal_data(api, caplog):
    url, handler = api
    with caplog.at_level("DEBUG"):
        HttpSource(url, token="s3cret").get(CODE)  # ok
        handler.faults.append("wrong-shape")
        with pytest.raises(SourceUnavailable):
            HttpSource(url, token="s3cret").get(CODE)
    assert "Nguyễn" not in caplog.text and "0912345678" not in caplog.text and "s3cret" not in caplog.text


# ------------------------------------------------------------------ start-up (bot/launcher.py)


@pytest.fixture()
def startup(monkeypatch, tmp_path):
    from bot.launcher import load_demo_dossiers

    path = tmp_path / "var" / "dossiers.db"
    monkeypatch.setenv("VHTTDL_DOSSIER_DB", str(path))
    monkeypatch.delenv("VHTTDL_DOSSIER_SOURCE", raising=False)
    monkeypatch.delenv("VHTTDL_DOSSIER_DEMO", raising=False)
    return path, load_demo_dossiers


def test_startup_without_a_store_loads_the_demo_set_and_says_so(startup):
    path, load = startup
    line = load()
    assert str(path) in line and "MADE-UP" in line and "VHTTDL_DOSSIER_DEMO=0" in line
    assert SqliteSource(path).count() > 40
    assert load() is None  # once only


def test_startup_never_fills_an_existing_store_even_an_empty_one(startup):
    path, load = startup
    SqliteSource(path).count()  # created, empty: a production store before its first import
    assert load() is None and SqliteSource(path).count() == 0


def test_startup_without_a_store_and_demo_off_creates_nothing(startup, monkeypatch):
    path, load = startup
    monkeypatch.setenv("VHTTDL_DOSSIER_DEMO", "0")
    assert load() is None and not path.exists()


def test_startup_with_a_corrupt_store_warns_and_goes_on(startup, capsys):
    path, load = startup
    path.parent.mkdir(parents=True)
    path.write_bytes(b"this is not a database" * 100)
    assert load() is None  # no exception: the assistant starts
    err = capsys.readouterr().err
    assert f"dossier store {path} cannot be read" in err and "python -m bot dossiers import" in err
    assert path.read_bytes() == b"this is not a database" * 100  # untouched
    with pytest.raises(SourceUnavailable):
        SqliteSource(path).get(CODE)
