"""Blocking work of the actions, off the action server's event loop.

`rasa run actions` serves every conversation from one asyncio event loop, and a synchronous
action runs on it: one slow dossier lookup (the one-stop API, a locked SQLite file) or one PDF
being rendered would make every other citizen wait. Each action therefore does its work in a
thread pool, and dossier lookups have a pool of their own, so that lookups stuck on a slow
one-stop system (each bounded by VHTTDL_DOSSIER_API_TIMEOUT) never hold up the answers about
procedures.

    class ActionX(OffLoopAction):
        def work(self, dispatcher, tracker, domain): ...   # synchronous, as before
"""
from __future__ import annotations

import abc
import asyncio
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Dict, List, Text, TypeVar

from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.session import bounded

T = TypeVar("T")
# Threads per pool. Lookups wait on the network (bounded by their deadline), the rest is short
# CPU work or a local SQLite file.
POOL_SIZES = {"actions": 8, "dossiers": 16}
_pools: dict[str, ThreadPoolExecutor] = {}
_lock = threading.Lock()


def pool(name: str) -> ThreadPoolExecutor:
    with _lock:
        if name not in _pools:
            _pools[name] = ThreadPoolExecutor(max_workers=POOL_SIZES[name], thread_name_prefix=f"{name}-")
        return _pools[name]


async def off_loop(fn: Callable[..., T], *args: Any, pool_name: str = "actions") -> T:
    """`fn(*args)` in a worker thread of the named pool; the event loop serves others meanwhile."""
    return await asyncio.get_running_loop().run_in_executor(pool(pool_name), functools.partial(fn, *args))


class OffLoopAction(Action, abc.ABC):
    """An action whose synchronous `work` runs in a worker thread. Abstract, so rasa_sdk does
    not register it."""

    pool_name = "actions"
    ends_turn = False  # followed by action_listen: may continue a very long session in a new one

    @abc.abstractmethod
    def name(self) -> Text:
        ...

    @abc.abstractmethod
    def work(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        ...

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]) -> List[Dict[Text, Any]]:
        events = await off_loop(self.work, dispatcher, tracker, domain, pool_name=self.pool_name)
        return bounded(tracker, events) if self.ends_turn else events
