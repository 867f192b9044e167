"""Many conversations at once, each sending its next message as soon as the previous answer
arrives: the load runner shared by rest_bench.py and gateway_bench.py."""
from __future__ import annotations

import threading
import time
import uuid
from typing import Callable

import requests

# step(session, sender, conversation number, turn number) -> (seconds, "ok" | "empty" | "error")
Step = Callable[[requests.Session, str, int, int], "tuple[float, str]"]


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def run_load(conversations: int, turns: int, step: Step, sender_prefix: str) -> dict:
    """Start `conversations` threads together; each runs `turns` steps in its own conversation."""
    latencies: list[float] = []
    outcomes: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(conversations)

    def citizen(n: int) -> None:
        session, sender = requests.Session(), f"{sender_prefix}-{n}-{uuid.uuid4().hex[:8]}"
        start.wait()
        for i in range(turns):
            dt, outcome = step(session, sender, n, i)
            with lock:
                latencies.append(dt)
                outcomes.append(outcome)

    threads = [threading.Thread(target=citizen, args=(n,)) for n in range(conversations)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - t0
    return {"conversations": conversations, "turns": turns, "requests": len(latencies), "seconds": wall,
            "throughput_rps": len(latencies) / wall, "p50_ms": percentile(latencies, 0.5) * 1000,
            "p95_ms": percentile(latencies, 0.95) * 1000, "max_ms": max(latencies) * 1000,
            "errors": outcomes.count("error"), "empty": outcomes.count("empty")}
