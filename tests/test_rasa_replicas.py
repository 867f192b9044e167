"""The gateway's Rasa client over several replicas (bot/gateway/rasa.py): each conversation sticks
to one replica, and a replica that refuses or drops the connection is skipped for the next one."""
from __future__ import annotations

import asyncio
import socket
import threading

import pytest

from bot.gateway.rasa import RasaClient, RasaUnavailable
from tests.gateway_fakes import FakeRasa


def ask_all(client_url: str, senders: list[str]) -> list[list]:
    async def run() -> list[list]:
        client = RasaClient(client_url, timeout=10)
        try:
            return [await client.raw(s, "chào", "web") for s in senders]
        finally:
            await client.close()

    return asyncio.run(run())


@pytest.fixture
def two():
    a, b = FakeRasa(), FakeRasa()
    yield a, b
    for fake in (a, b):
        try:
            fake.close()
        except OSError:
            pass


def test_conversations_are_spread_and_stick_to_their_replica(two):
    a, b = two
    client = RasaClient(f"{a.url},{b.url}")
    senders = [f"web-spread-{n}" for n in range(40)]
    ask_all(f"{a.url},{b.url}", senders + senders)
    on_a, on_b = {m["sender"] for m in a.received}, {m["sender"] for m in b.received}
    assert on_a and on_b and not on_a & on_b  # both used, each conversation on one replica only
    assert all(client.replicas_for(s)[0] == (a.url if s in on_a else b.url) for s in senders)


def test_a_stopped_replica_is_skipped(two):
    a, b = two
    a.close()  # refused from now on
    answers = ask_all(f"{a.url},{b.url}", [f"web-down-{n}" for n in range(10)])
    assert all(ans and ans[0]["text"] == "Đã nhận: chào" for ans in answers)
    assert len(b.received) == 10


def test_a_replica_dropping_the_connection_mid_turn_hands_the_turn_over(two):
    _, b = two
    dropper = socket.socket()
    dropper.bind(("127.0.0.1", 0))
    dropper.listen()
    url = f"http://127.0.0.1:{dropper.getsockname()[1]}"

    def drop() -> None:  # reads the request, then dies without answering
        while True:
            try:
                conn, _ = dropper.accept()
            except OSError:
                return
            conn.recv(65536)
            conn.close()

    threading.Thread(target=drop, daemon=True).start()
    senders = [f"web-drop-{n}" for n in range(10)]
    client = RasaClient(f"{url},{b.url}")
    assert any(client.replicas_for(s)[0] == url for s in senders)
    answers = ask_all(f"{url},{b.url}", senders)
    assert all(ans[0]["text"] == "Đã nhận: chào" for ans in answers) and len(b.received) == 10
    dropper.close()


def test_no_replica_left_is_unavailable(two):
    a, b = two
    a.close()
    b.close()
    with pytest.raises(RasaUnavailable):
        ask_all(f"{a.url},{b.url}", ["web-none-1"])
