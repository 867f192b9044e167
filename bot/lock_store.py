"""Rasa's Redis lock store, made to survive a replica that dies in the middle of a turn.

    lock_store:                       (endpoints.production.yml)
      type: bot.lock_store.RedisTicketLockStore
      url: ${REDIS_HOST}
      ...

Rasa serialises the messages of one conversation with tickets kept in Redis: a message waits
until its ticket is the oldest one alive. A replica killed during a turn leaves its ticket behind
until the ticket's lifetime (TICKET_LOCK_LIFETIME, 60 s by default) runs out. Rasa 3.6's waiting
loop has a flaw there: the waiting message's own ticket has the same lifetime, so it usually
expires in the same second as the dead one; the queue is then empty, `now_serving` is 0, and the
message waits forever (until the gateway gives up and the citizen gets "tạm gián đoạn"). Found by
the scale-out test (bench/scale_test.py): 2 turns of 60 lost when a replica was killed.

This store takes a new ticket when its own has expired while waiting, so the message is served as
soon as the dead replica's ticket is gone. Set TICKET_LOCK_LIFETIME (seconds) well above the
longest turn and well below the gateway's Rasa timeout (30 s): deploy/ uses 15.
"""
from __future__ import annotations

import asyncio
import logging
from contextlib import asynccontextmanager
from typing import AsyncGenerator, Optional, Text

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

log = logging.getLogger(__name__)


class RedisTicketLockStore(RedisLockStore):
    def __init__(self, endpoint_config: Optional[EndpointConfig] = None, **kwargs: object) -> None:
        if endpoint_config is not None:  # as Rasa creates a lock store named by its module path
            kwargs = {"host": endpoint_config.url, **endpoint_config.kwargs, **kwargs}
        super().__init__(**kwargs)  # type: ignore[arg-type]

    @asynccontextmanager
    async def lock(self, conversation_id: Text, lock_lifetime: float = LOCK_LIFETIME,
                   wait_time_in_seconds: float = 1) -> AsyncGenerator[TicketLock, None]:
        ticket = [self.issue_ticket(conversation_id, lock_lifetime)]
        try:
            yield await self._wait_for(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
        finally:
            self.cleanup(conversation_id, ticket[0])

    async def _wait_for(self, conversation_id: Text, ticket: list[int], lifetime: float,
                        wait: float) -> TicketLock:
        """Wait until `ticket[0]` is served; a ticket that expired while waiting is replaced."""
        while True:
            lock = self.get_lock(conversation_id)
            if lock is not None and not lock.is_locked(ticket[0]):
                return lock
            if lock is None or lock._ticket_for_ticket_number(ticket[0]) is None:
                log.warning("A lock ticket expired while waiting (a replica stopped during a turn); "
                            "taking a new one")
                ticket[0] = self.issue_ticket(conversation_id, lifetime)
                continue
            await asyncio.sleep(wait)
            self.update_lock(conversation_id)
