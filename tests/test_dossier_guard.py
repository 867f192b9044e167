"""The client the lookup guard counts (bot/dossiers/guard.py): the gateway passes the keyed hash
of the browser's address only when that address is the citizen's own, so a reverse proxy that
the gateway was not told to trust does not make every citizen one client."""
from __future__ import annotations

import pytest
import requests

from bot.gateway import BackgroundGateway, load_config

SENDER = "web-0123456789abcdef"


def client_sent(url: str, rasa, headers: dict[str, str]) -> str | None:
    requests.post(url + "/api/chat", json={"sender": SENDER, "message": "chào"}, headers=headers)
    return rasa.received[-1]["metadata"].get("client")


@pytest.fixture(scope="module")
def gateways(rasa, tmp_path_factory):
    def make(trust: bool):
        return BackgroundGateway(load_config(file=tmp_path_factory.mktemp("gw") / "none.yml", env={}, port=0,
                                             rasa_url=rasa.url, state_dir=tmp_path_factory.mktemp("state"),
                                             trust_x_forwarded_for=trust))

    with make(False) as default, make(True) as trusting:
        yield default.url, trusting.url


def test_behind_an_untrusted_proxy_no_client_is_passed(gateways, rasa):
    # Regression: with default settings behind a reverse proxy every request came from the
    # proxy's address, so one guessing stranger locked lookups for every citizen.
    default, _ = gateways
    assert client_sent(default, rasa, {"X-Forwarded-For": "203.0.113.7"}) is None  # the proxy is on loopback
    assert client_sent(default, rasa, {"X-Real-IP": "203.0.113.7"}) is None
    assert len(client_sent(default, rasa, {})) == 32  # a direct connection: its own address


def test_behind_a_trusted_proxy_each_citizen_is_a_client(gateways, rasa):
    _, trusting = gateways
    one = client_sent(trusting, rasa, {"X-Forwarded-For": "203.0.113.7"})
    two = client_sent(trusting, rasa, {"X-Forwarded-For": "198.51.100.9"})
    assert one and two and one != two
