"""Run a server with personal data masked in its output, for service managers that keep a
process's output as it is (systemd's journal, `docker logs`).

    python -m bot masked -- rasa run --endpoints endpoints.production.yml ...

Rasa writes a message that starts with "/" in full, and the text of a failed turn; the masking is
the one of the launcher's log files (bot/analytics/masking.py: CCCD, phone, e-mail, dossier codes,
long numbers). SIGTERM, SIGINT and SIGHUP are passed on to the server, and its exit code is ours
(128 + the signal's number when a signal ended it), so the service manager's restart policy sees
the server itself.
"""
from __future__ import annotations

import signal
import subprocess
import sys
from typing import Sequence

from bot.supervisor import pump


def run(command: Sequence[str]) -> int:
    if not command:
        print("usage: python -m bot masked -- COMMAND [ARGS...]", file=sys.stderr)
        return 2
    child = subprocess.Popen(list(command), stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             stdin=subprocess.DEVNULL)
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda signum, frame: child.send_signal(signum))
    assert child.stdout is not None
    pump(child.stdout, lambda line: (sys.stdout.write(line), sys.stdout.flush()))
    code = child.wait()
    return 128 - code if code < 0 else code
