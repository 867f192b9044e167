"""Does a turn cost more as a conversation grows? One conversation of N messages through the
real assistant (model, action server, Rasa REST, SQLite tracker store on loopback), and where
the time goes.

    .venv/bin/python bench/long_conversation.py [--messages 420]

Prints the reply time at the start, middle and end of the conversation, then for the final
tracker: the size of what Rasa sends the action server on every action call, the action
server's time for one call with that tracker against one with a fresh tracker, and the time
Rasa's tracker store takes to load it. Run with VHTTDL_SESSION_MAX_MESSAGES=100000 to see the
cost without actions/session.py's bound; that module's docstring has both runs' numbers.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.conversations import running_assistant, send  # noqa: E402

# A citizen asking about procedures, with follow-ups and thanks: every turn runs an action.
QUESTIONS = ("phí cấp giấy phép karaoke bao nhiêu", "mất bao lâu", "hồ sơ gồm những gì", "nộp ở đâu",
             "còn thẻ hướng dẫn viên nội địa thì sao", "cảm ơn")


def _median_ms(values: list[float]) -> float:
    return statistics.median(values) * 1000


def action_call_seconds(actions_url: str, tracker_state: dict, repeat: int = 5) -> float:
    """Median time of one action_answer call to the action server with this tracker."""
    body = {"next_action": "action_answer", "sender_id": tracker_state["sender_id"], "tracker": tracker_state,
            "domain": {}, "version": "3.6.2"}
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        requests.post(actions_url, json=body, timeout=60).raise_for_status()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--messages", type=int, default=420)
    args = ap.parse_args()

    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import EventVerbosity

    with tempfile.TemporaryDirectory() as tmp, running_assistant(Path(tmp)) as url:
        workdir = Path(tmp)
        actions_url = __import__("yaml").safe_load((workdir / "endpoints.yml").read_text())["action_endpoint"]["url"]
        send(url, "warmup", "phí thẻ hướng dẫn viên")
        sender = f"long-{uuid.uuid4().hex[:8]}"
        latencies = []
        for i in range(args.messages):
            t0 = time.perf_counter()
            status, messages = send(url, sender, QUESTIONS[i % len(QUESTIONS)])
            latencies.append(time.perf_counter() - t0)
            if status != 200 or not messages:
                print(f"message {i}: HTTP {status}, {len(messages)} replies")
        n = len(latencies)
        for label, part in (("messages 1-20", latencies[:20]), (f"messages {n // 2 - 10}-{n // 2 + 10}", latencies[n // 2 - 10:n // 2 + 10]),
                            (f"messages {n - 19}-{n}", latencies[-20:])):
            print(f"reply time, {label}: median {_median_ms(part):.0f} ms")

        store = SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(workdir / "tracker.db"))
        t0 = time.perf_counter()
        tracker = asyncio.run(store.retrieve(sender))
        load = time.perf_counter() - t0
        state = tracker.current_state(EventVerbosity.ALL)
        size = len(json.dumps(state))
        print(f"tracker: {len(tracker.events)} events; the action server receives {size / 1e6:.2f} MB per action call")
        print(f"tracker store load: {load * 1000:.0f} ms")
        fresh = {**state, "sender_id": "fresh", "events": state["events"][-8:]}
        print(f"action server, one call: {action_call_seconds(actions_url, state) * 1000:.0f} ms with the long tracker, "
              f"{action_call_seconds(actions_url, fresh) * 1000:.0f} ms with its last 8 events")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
