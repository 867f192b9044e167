"""Delivery: files behind an expiring token in a real directory + SQLite, served by the real
gateway (bot/gateway/files.py) on loopback; the whole path from a finished form to a download link; no personal
data in logs."""
from __future__ import annotations

import datetime as dt
import http.client
import io
import json
import logging
import time

import pypdf
import pytest
from bot.forms import api
from bot.forms import session as S
from bot.forms.delivery import FileStore
from bot.forms.profiles import ProfileStore
from bot.forms.samples import SAMPLE_DATE, sample_answerer
from bot.forms.templates import form_for_procedure
from bot.gateway import BackgroundGateway, load_config
from tests.gateway_fakes import FakeRasa


@pytest.fixture
def store(tmp_path):
    return FileStore(tmp_path / "forms", ttl=dt.timedelta(hours=24))


class _Served:
    def __init__(self, url: str):
        self.server_address = ("127.0.0.1", int(url.rsplit(":", 1)[1]))


@pytest.fixture
def server(store, tmp_path, monkeypatch):
    monkeypatch.setenv("VHTTDL_FILES_DIR", str(store.root))
    rasa = FakeRasa()
    config = load_config(file=tmp_path / "none.yml", env={}, port=0, rasa_url=rasa.url, state_dir=tmp_path)
    with BackgroundGateway(config) as gw:
        yield _Served(gw.url)
    rasa.close()


def get(server, path: str, method: str = "GET"):
    conn = http.client.HTTPConnection("127.0.0.1", server.server_address[1], timeout=5)
    conn.request(method, path)
    response = conn.getresponse()
    body = response.read()
    conn.close()
    return response, body


def test_put_and_find_with_expiry(store):
    now = time.time()
    pdf, docx = store.put([("don.pdf", b"%PDF-1.4 x"), ("don.docx", b"PK")], now=now)
    assert pdf.token == docx.token and len(pdf.token) == 32
    assert pdf.content_type == "application/pdf" and docx.content_type.endswith("wordprocessingml.document")
    assert store.find(pdf.token, "don.pdf", now=now + 3600)[0].read_bytes() == b"%PDF-1.4 x"
    assert store.find(pdf.token, "don.pdf", now=now + 24 * 3600 + 1) is None
    other = store.put([("don.pdf", b"y")], now=now)[0]
    assert other.token != pdf.token


def test_purge_deletes_expired_files_only(store):
    now = time.time()
    old = store.put([("a.pdf", b"1")], now=now - 25 * 3600)[0]
    fresh = store.put([("a.pdf", b"2")], now=now)[0]
    assert store.purge(now=now) == 1
    assert not (store.root / old.token).exists()
    assert store.find(fresh.token, "a.pdf", now=now) is not None


def test_unsafe_file_names_are_refused(store):
    for name in ("../x.pdf", "a/b.pdf", ".hidden", "files.db", ""):
        with pytest.raises(ValueError):
            store.put([(name, b"x")])


def test_endpoint_serves_with_content_type_and_disposition(server, store):
    pdf, docx = store.put([("don-de-nghi.pdf", b"%PDF-1.4 test"), ("don-de-nghi.docx", b"PK docx")])
    response, body = get(server, f"/files/{pdf.token}/don-de-nghi.pdf")
    assert response.status == 200 and body == b"%PDF-1.4 test"
    assert response.getheader("Content-Type") == "application/pdf"
    assert response.getheader("Content-Disposition").startswith('attachment; filename="don-de-nghi.pdf"')
    assert response.getheader("Cache-Control") == "no-store, private"
    response, _ = get(server, f"/files/{docx.token}/don-de-nghi.docx")
    assert response.getheader("Content-Type").endswith("wordprocessingml.document")
    response, body = get(server, f"/files/{pdf.token}/don-de-nghi.pdf", "HEAD")
    assert response.status == 200 and body == b""


def test_endpoint_404_for_unknown_expired_and_traversal(server, store, tmp_path):
    (tmp_path / "secret.txt").write_text("secret")
    stored = store.put([("don.pdf", b"x")], now=time.time() - 25 * 3600)[0]  # already expired
    token = store.put([("don.pdf", b"x")])[0].token
    paths = [
        f"/files/{stored.token}/don.pdf",  # expired
        f"/files/{'A' * 32}/don.pdf",  # unknown token
        f"/files/{token}/other.pdf",  # unknown file
        f"/files/{token}/../../secret.txt", f"/files/{token}/..%2f..%2fsecret.txt",
        f"/files/{token}/%2e%2e", "/files/../secret.txt", f"/files/{token}", "/files/", "/files/files.db",
        f"/files/{token}/files.db", "/etc/passwd", f"/files//{token}/don.pdf",
    ]
    for path in paths:
        response, body = get(server, path)
        assert response.status == 404, path
        assert b"secret" not in body


def test_full_form_to_download_link_and_profile(tmp_path, server, store, caplog):
    """From the first question to a working link, with consent; no personal data in the logs."""
    caplog.set_level(logging.DEBUG)
    profiles = ProfileStore(tmp_path / "profiles.db")
    answerer = sample_answerer()
    turn = api.start_form("hdv-noi-dia", today=SAMPLE_DATE)
    form = form_for_procedure("hdv-noi-dia")
    answers = {"cccd": "0011 9001 2345", "birth_date": "15/3/1990", "full_name": "nguyễn thị hường", "gender": "nữ",
               "phone": "+84 912 345 678"}
    for _ in range(40):
        if turn.status != "filling":
            break
        spec = form.field(turn.state["asking"])
        text = answers.get(spec.key, "bỏ qua" if not spec.required else spec.example)
        turn = api.continue_form(json.loads(json.dumps(turn.state)), text, profiles=profiles, today=SAMPLE_DATE)
    assert turn.status == "confirming"
    turn = api.continue_form(turn.state, "đồng ý", profiles=profiles)
    turn = api.continue_form(turn.state, "có", profiles=profiles)
    assert turn.status == "complete"

    port = server.server_address[1]
    result = api.deliver(turn.state, files=store, profiles=profiles, base_url=f"http://127.0.0.1:{port}",
                         answerer=answerer, today=SAMPLE_DATE)
    assert result.profile_saved and profiles.get("001190012345")["full_name"] == "Nguyễn Thị Hường"
    assert len(result.urls) == 2 and result.urls[0].endswith(".pdf") and result.urls[1].endswith(".docx")
    assert result.urls[0] in result.messages[0]["text"] and "Đường dẫn có hiệu lực đến" in result.messages[0]["text"]
    assert "Sơ yếu lý lịch" in result.messages[1]["text"]  # the checklist
    response, body = get(server, result.urls[0].split(str(port), 1)[1])
    assert response.status == 200
    text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(body)).pages)
    assert "NGUYỄN THỊ HƯỜNG" in text and "001190012345" in text and "0912 345 678" in text

    # A later form: recognised by CCCD + birth date + phone, the rest is not asked again.
    again = api.start_form("hdv-cap-doi", today=SAMPLE_DATE)
    for answer in ("001190012345", "15/03/1990", "0912 345 678"):
        again = api.continue_form(again.state, answer, profiles=profiles, today=SAMPLE_DATE)
    assert again.state["values"]["full_name"] == "Nguyễn Thị Hường" and again.state["recognised"]
    assert again.state["asking"] not in ("full_name", "phone", "gender")

    for secret in ("001190012345", "Hường", "HƯỜNG", "0912345678", "0912 345 678", result.files[0].token):
        assert secret not in caplog.text


def test_deliver_refuses_an_unfinished_form(store):
    turn = api.start_form("karaoke")
    with pytest.raises(ValueError):
        api.deliver(turn.state, files=store)


def test_no_consent_no_profile(tmp_path, store):
    profiles = ProfileStore(tmp_path / "profiles.db")
    form = form_for_procedure("vu-truong")
    from bot.forms.samples import sample_state

    state = sample_state(form)
    state["consent"] = False
    result = api.deliver(state, files=store, profiles=profiles, answerer=sample_answerer(), today=SAMPLE_DATE)
    assert not result.profile_saved and profiles.count() == 0


def test_procedure_without_form():
    assert api.start_form("tuong-dai") is None
    assert S.view(api.start_form("karaoke").state).id == "karaoke"
