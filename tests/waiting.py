"""Polling for tests that wait on other processes (a restarted server, a log line)."""
from __future__ import annotations

import time


def wait_for(condition, timeout: float = 15.0, every: float = 0.1) -> bool:
    """Poll `condition` until it is true (True) or `timeout` seconds have passed (False)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(every)
    return False
