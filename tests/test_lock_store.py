"""bot/lock_store.py on a real Redis: a message waiting behind the ticket of a replica that died
during a turn is served once that ticket expires (Rasa 3.6's own store waits forever there)."""
from __future__ import annotations

import asyncio
import time

import pytest
from rasa.core.lock_store import RedisLockStore

from bot.lock_store import RedisTicketLockStore
from tests.redis_server import temporary_redis

LIFETIME = 0.6  # seconds; production uses 15


@pytest.fixture(scope="module")
def redis_port():
    with temporary_redis() as port:
        yield port


def dead_replica_ticket(store: RedisLockStore, conversation: str) -> None:
    """What a replica killed in the middle of a turn leaves behind: a ticket nobody cleans up."""
    store.issue_ticket(conversation, LIFETIME)


async def acquire(store: RedisLockStore, conversation: str) -> float:
    t0 = time.monotonic()
    async with store.lock(conversation, lock_lifetime=LIFETIME, wait_time_in_seconds=0.5):
        return time.monotonic() - t0


def test_a_message_behind_a_dead_replica_is_served_when_its_ticket_expires(redis_port):
    store = RedisTicketLockStore(host="127.0.0.1", port=redis_port, key_prefix="t1")
    dead_replica_ticket(store, "conv-1")
    waited = asyncio.run(asyncio.wait_for(acquire(store, "conv-1"), 10))
    assert LIFETIME * 0.5 < waited < LIFETIME + 2
    assert store.get_lock("conv-1") is None  # cleaned up: the next message goes straight through
    assert asyncio.run(acquire(store, "conv-1")) < 0.2


def test_rasas_own_store_waits_forever_there(redis_port):
    """Why bot/lock_store.py exists; if a Rasa upgrade fixes this, the subclass can go."""
    store = RedisLockStore(host="127.0.0.1", port=redis_port, key_prefix="t2")
    dead_replica_ticket(store, "conv-2")
    with pytest.raises(asyncio.TimeoutError):
        asyncio.run(asyncio.wait_for(acquire(store, "conv-2"), LIFETIME * 4))


def test_messages_of_one_conversation_still_take_turns(redis_port):
    store = RedisTicketLockStore(host="127.0.0.1", port=redis_port, key_prefix="t3")
    order: list[str] = []

    async def turn(name: str, hold: float) -> None:
        async with store.lock("conv-3", lock_lifetime=10, wait_time_in_seconds=0.05):
            order.append(f"{name} in")
            await asyncio.sleep(hold)
            order.append(f"{name} out")

    async def both() -> None:
        first = asyncio.create_task(turn("a", 0.3))
        await asyncio.sleep(0.05)
        await turn("b", 0)
        await first

    asyncio.run(both())
    assert order == ["a in", "a out", "b in", "b out"]


def test_rasa_creates_it_from_the_endpoints_file(redis_port, tmp_path):
    from rasa.core.lock_store import LockStore
    from rasa.utils.endpoints import EndpointConfig

    config = EndpointConfig(url="127.0.0.1", type="bot.lock_store.RedisTicketLockStore", port=redis_port,
                            db=1, key_prefix="vhttdl", password="")
    store = LockStore.create(config)
    assert isinstance(store, RedisTicketLockStore) and store.key_prefix.startswith("vhttdl")
