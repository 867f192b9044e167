"""Load test of the channel gateway: many citizens at once through POST /api/chat to Rasa.

    .venv/bin/python bench/gateway_bench.py                  # starts Rasa + action server itself
    .venv/bin/python bench/gateway_bench.py --rasa-url URL   # a Rasa already running there
    .venv/bin/python bench/gateway_bench.py --stand-in       # a trivial loopback stand-in instead of
                                                             # Rasa: the gateway's own overhead; writes
                                                             # nothing to docs/ unless --write

Without --rasa-url the script starts Rasa and the action server with the trained model (as the
end-to-end tests do: fresh SQLite tracker store, loopback ports). It starts its own gateway on a free loopback port (the web channel only, Telegram and
Zalo off, SQLite state in a temporary directory, rate limits raised so they count but never
refuse) and runs 50 conversations at once, 20 turns each, every conversation sending its next
message as soon as the previous answer arrives. Reported: p50/p95 latency per turn, throughput,
errors (HTTP error, timeout, bad JSON, 429, or the gateway's "tạm gián đoạn" answer, which means
Rasa failed) and empty answers. Results: the "Gateway" section of docs/benchmarks.md and
bench/results/gateway_bench.json.
"""
from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import tempfile
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402

from bench.report import write_section  # noqa: E402
from bench.load import run_load  # noqa: E402
from bench.rest_bench import OURS  # noqa: E402
from bot.gateway.texts import load_texts  # noqa: E402

UNLIMITED = 10**9


class StandInRasa(BaseHTTPRequestHandler):
    """NOT Rasa: answers every REST webhook call at once with one short text, so that only the
    gateway's own cost is measured. Runs in its own process (`--serve-stand-in`)."""

    protocol_version = "HTTP/1.1"  # keep-alive, as Rasa's Sanic server does

    def log_message(self, *args: object) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802
        self._send(b"Hello from the stand-in")

    def do_POST(self) -> None:  # noqa: N802
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self._send(json.dumps([{"recipient_id": body["sender"], "text": "Đã nhận."}]).encode())

    def _send(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def turn(session: requests.Session, url: str, sender: str, text: str, unavailable: str) -> tuple[float, str]:
    """(seconds, "ok" | "empty" | "error") for one message through the gateway."""
    t0 = time.perf_counter()
    try:
        r = session.post(url, json={"sender": sender, "message": text}, timeout=60)
        answer = r.json()
        if r.status_code != 200 or not isinstance(answer, list) or any(m.get("text") == unavailable for m in answer):
            outcome = "error"
        else:
            outcome = "ok" if answer else "empty"
    except (requests.RequestException, ValueError):
        outcome = "error"
    return time.perf_counter() - t0, outcome


def load(url: str, conversations: int, turns: int, unavailable: str) -> dict:
    return run_load(conversations, turns, lambda session, sender, n, i: turn(
        session, url, sender, OURS[(i + n) % len(OURS)], unavailable), "web-bench")


def serve_stand_in() -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), StandInRasa)
    server.request_queue_size = 256
    print(server.server_address[1], flush=True)
    server.serve_forever()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_gateway(rasa_url: str, state_dir: str) -> tuple[subprocess.Popen, str]:
    """`python -m bot gateway` in its own process (the load generator must not share its GIL),
    web channel only, limits raised; returns the process and its URL once it answers."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "ZALO_", "GATEWAY_"))}
    env.update({"RASA_TELEMETRY_ENABLED": "false", "VHTTDL_CHANNELS_FILE": os.devnull, "GATEWAY_STATE_DIR": state_dir,
                "GATEWAY_SENDER_LIMIT_PER_MINUTE": str(UNLIMITED), "GATEWAY_IP_LIMIT_PER_MINUTE": str(UNLIMITED)})
    proc = subprocess.Popen([sys.executable, "-m", "bot", "gateway", "--port", str(port), "--rasa-url", rasa_url],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(url + "/health", timeout=2)
            return proc, url
        except requests.RequestException:
            if proc.poll() is not None:
                break
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("the gateway did not start")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rasa-url", help="a running Rasa (default: start one with the trained model)")
    parser.add_argument("--stand-in", action="store_true", help="use a trivial loopback stand-in instead of Rasa")
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--turns", type=int, default=20)
    parser.add_argument("--write", action="store_true", help="write docs/benchmarks.md even with --stand-in")
    parser.add_argument("--no-write", action="store_true", help="print only")
    parser.add_argument("--serve-stand-in", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_stand_in:
        serve_stand_in()
        return 0

    procs: list[subprocess.Popen] = []
    rasa_url = args.rasa_url
    with contextlib.ExitStack() as stack:
        if not args.stand_in and not rasa_url:
            from bench.conversations import running_assistant

            webhook = stack.enter_context(running_assistant(Path(stack.enter_context(tempfile.TemporaryDirectory()))))
            rasa_url = webhook.split("/webhooks/")[0]
        return _run(args, procs, rasa_url)


def _run(args: argparse.Namespace, procs: list[subprocess.Popen], rasa_url: str) -> int:
    try:
        if args.stand_in:
            stand_in = subprocess.Popen([sys.executable, __file__, "--serve-stand-in"], stdout=subprocess.PIPE,
                                        stderr=subprocess.DEVNULL, text=True)
            procs.append(stand_in)
            rasa_url = f"http://127.0.0.1:{stand_in.stdout.readline().strip()}"
        elif not requests.get(rasa_url + "/", timeout=5).ok:
            print(f"Rasa does not answer at {rasa_url}; start it first (make run).", file=sys.stderr)
            return 1
        unavailable = load_texts().unavailable
        with tempfile.TemporaryDirectory() as tmp:
            gateway, gateway_url = start_gateway(rasa_url, tmp)
            procs.append(gateway)
            url = gateway_url + "/api/chat"
            session = requests.Session()
            for text in OURS[:5]:  # warm-up: connections, Rasa's first-message costs
                turn(session, url, f"web-warmup-{uuid.uuid4().hex[:8]}", text, unavailable)
            print(f"{args.conversations} conversations x {args.turns} turns through {gateway_url} -> {rasa_url}"
                  f"{' (stand-in)' if args.stand_in else ''}...", flush=True)
            result = load(url, args.conversations, args.turns, unavailable)
            gateway.terminate()
            gateway.wait(30)
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    stand_in = args.stand_in

    result["rasa"] = "stand-in" if stand_in else rasa_url
    print(json.dumps(result, indent=1))
    if args.no_write or (stand_in and not args.write):
        return 0
    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "gateway_bench.json").write_text(json.dumps(result, indent=1), encoding="utf-8")
    behind = ("a trivial loopback stand-in (gateway overhead only)" if stand_in
              else "Rasa and the action server (trained model, SQLite tracker store)")
    body = f"""Through the gateway's `POST /api/chat` (web channel, SQLite rate-limit counters on, limits raised)
to {behind}. {result['conversations']} conversations at once, {result['turns']} turns each, every
conversation sending its next message as soon as the previous answer arrives (the scripted
conversation of the REST benchmark).

| | Result |
|---|---|
| Requests | {result['requests']} in {result['seconds']:.1f} s ({result['throughput_rps']:.1f} req/s) |
| Latency per turn: p50 / p95 / max | {result['p50_ms']:.0f} / {result['p95_ms']:.0f} / {result['max_ms']:.0f} ms |
| Errors (HTTP error, timeout, bad JSON, 429, "tạm gián đoạn") | {result['errors']} |
| Empty answers (HTTP 200, no message) | {result['empty']} |
"""
    command = "python bench/gateway_bench.py" + (" --stand-in --write" if stand_in else "")
    write_section("Gateway" + (" (stand-in Rasa)" if stand_in else ""), command, body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
