"""Filled-in forms served by the gateway's public port: GET /files/<token>/<name>."""
from __future__ import annotations

import datetime as dt

import pytest
import requests

from bot.forms.delivery import FileStore
from bot.gateway import BackgroundGateway, load_config
from tests.gateway_fakes import FakeRasa


@pytest.fixture()
def served(tmp_path, monkeypatch):
    monkeypatch.setenv("VHTTDL_FILES_DIR", str(tmp_path / "forms"))
    store = FileStore(tmp_path / "forms", ttl=dt.timedelta(hours=1))
    rasa = FakeRasa()
    config = load_config(file=tmp_path / "none.yml", env={}, port=0, rasa_url=rasa.url, state_dir=tmp_path)
    with BackgroundGateway(config) as gw:
        yield gw.url, store
    rasa.close()


def test_a_stored_form_downloads_with_its_name(served):
    url, store = served
    pdf, _ = store.put([("Don-de-nghi.pdf", b"%PDF-1.4 test"), ("Don-de-nghi.docx", b"PK docx")])
    r = requests.get(pdf.url(url))
    assert r.status_code == 200 and r.content == b"%PDF-1.4 test"
    assert r.headers["Content-Type"] == "application/pdf"
    assert 'filename="Don-de-nghi.pdf"' in r.headers["Content-Disposition"]
    assert "no-store" in r.headers["Cache-Control"]


@pytest.mark.parametrize("path", ["/files/nope/Don.pdf", "/files/../../README.md", "/files/%2e%2e/x",
                                  "/files/abc/%2e%2e%2fREADME.md"])
def test_unknown_or_crafted_links_are_404(served, path):
    url, _ = served
    r = requests.get(url + path)
    assert r.status_code == 404 and "README" not in r.text


def test_expired_links_are_404(served, tmp_path):
    url, _ = served
    old = FileStore(tmp_path / "forms", ttl=dt.timedelta(seconds=-1))
    stored, = old.put([("Don.pdf", b"%PDF old")])
    assert requests.get(stored.url(url)).status_code == 404
