"""Scale-out test on real engines: two Rasa replicas sharing a PostgreSQL tracker store and a Redis
lock store (endpoints.production.yml), one action server, our own shared state on the same
PostgreSQL (VHTTDL_SHARED_DB_URL), and channel gateways spreading conversations over the replicas.

    make scale-test        (scripts/scale-test.sh: installs postgresql and redis-server from Debian
                            when missing, then runs this; needs root or sudo for that)

Three runs of N conversations x T turns, each conversation sending its next message when the
previous answer arrived (the citizen's rhythm), all conversations at once:
  1. one replica;  2. two replicas;  3. two replicas, one of them killed (SIGKILL) when 40 % of the
     turns are answered.
Each conversation alternates questions about three procedures with follow-ups that only make
sense in context ("thế mất bao lâu?"), so an answer that names the wrong procedure shows a turn
answered out of order or a lost context. After run 3, the user messages stored in PostgreSQL
are compared with what was sent: every turn once, in order. Exit code 1 if any turn of run 3
is lost, wrong or out of order. Results: docs/reliability.md (between the scale-test markers).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import requests

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.conversations import free_port, norm  # noqa: E402
from bench import load  # noqa: E402
from bot.launcher import rasa_env  # noqa: E402
from bot.launcher import services as launcher_services  # noqa: E402
from bot.supervisor import Supervisor  # noqa: E402
from tests.postgres import temporary_postgres  # noqa: E402
from tests.redis_server import temporary_redis  # noqa: E402

# (message, words the answer must contain): a follow-up is answered from the conversation's context.
SCRIPT: list[tuple[str, list[str]]] = [
    ("phí cấp thẻ hướng dẫn viên du lịch nội địa", ["nội địa", "650"]),
    ("thế mất bao lâu?", ["nội địa", "ngày"]),
    ("phí thẻ hướng dẫn viên quốc tế", ["quốc tế", "650"]),
    ("hồ sơ gồm những gì", ["quốc tế"]),
    ("xin giấy phép kinh doanh karaoke mất bao lâu", ["karaoke", "ngày"]),
    ("lệ phí bao nhiêu", ["karaoke"]),
]
REPORT = ROOT / "docs" / "reliability.md"
WARMUPS = 8  # turns before the runs, 4 through each gateway
START, END = "<!-- scale-test:start -->", "<!-- scale-test:end -->"


@contextmanager
def gateway(rasa_urls: list[str], actions_url: str, env: dict[str, str], state: Path) -> Iterator[str]:
    port = free_port()
    state.mkdir(parents=True, exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "gateway", "--port", str(port)], cwd=ROOT,
                            env={**os.environ, **env, "RASA_URL": ",".join(rasa_urls), "ACTIONS_URL": actions_url,
                                 "GATEWAY_STATE_DIR": str(state), "GATEWAY_IP_LIMIT_PER_MINUTE": "0",
                                 "VHTTDL_CHANNELS_FILE": str(state / "none.yml")},
                            stdout=subprocess.DEVNULL, stderr=open(state / "gateway.log", "ab"))
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while not _answers(url + "/health/live"):
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not start (see {state / 'gateway.log'})")
            time.sleep(0.3)
        yield url
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(60)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


def run_load(url: str, conversations: int, turns: int, prefix: str, on_progress=None) -> dict:
    """All conversations at once (bench/load.py); returns the figures and, per conversation, what
    was sent, and the answers that missed their words."""
    wrong: list[str] = []
    sent: dict[str, list[str]] = {}
    lock = threading.Lock()
    done = [0]

    def step(session: requests.Session, sender: str, n: int, i: int) -> tuple[float, str]:
        message, expected = SCRIPT[i % len(SCRIPT)]
        t0 = time.perf_counter()
        try:
            r = session.post(url + "/api/chat", json={"sender": sender, "message": message}, timeout=90)
            text = norm(" ".join(m.get("text", "") for m in r.json())) if r.ok else f"HTTP {r.status_code}"
        except (requests.RequestException, ValueError) as exc:
            text = f"error {type(exc).__name__}"
        seconds = time.perf_counter() - t0
        missing = [w for w in expected if norm(w) not in text]
        with lock:
            sent.setdefault(sender, []).append(message)
            done[0] += 1
            progress = done[0]
            if missing:
                wrong.append(f"{sender}#{i} {message!r}: missing {missing} in {text[:160]!r}")
        if on_progress:
            on_progress(progress)
        return seconds, "error" if missing else "ok"

    figures = load.run_load(conversations, turns, step, prefix)
    return {"turns": figures["requests"], "seconds": round(figures["seconds"], 1),
            "throughput": round(figures["throughput_rps"], 1), "p50_ms": round(figures["p50_ms"]),
            "p95_ms": round(figures["p95_ms"]), "wrong": wrong, "sent": sent}


def stored_order(pg_url: str, senders: list[str]) -> dict[str, list[str]]:
    """The user messages of each conversation as the tracker store holds them, in order."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("select sender_id, data from events where type_name = 'user' "
                                        "and sender_id = any(:ids) order by id"),
                                {"ids": [f"web-{s}" for s in senders]}).fetchall()
    finally:
        engine.dispose()
    stored: dict[str, list[str]] = {s: [] for s in senders}
    for sender_id, data in rows:
        stored[sender_id.removeprefix("web-")].append(json.loads(data)["text"])
    return stored


def shared_rows(pg_url: str) -> dict[str, int]:
    """Rows our own code wrote to the shared PostgreSQL (VHTTDL_SHARED_DB_URL): the turns recorded
    for the staff console by the action server, the rate-limit log of both gateways."""
    import sqlalchemy as sa

    engine = sa.create_engine(pg_url)
    try:
        with engine.connect() as conn:
            return {table: conn.execute(sa.text(f"select count(*) from {table}")).scalar_one()
                    for table in ("turns", "rate_log")}
    finally:
        engine.dispose()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--conversations", type=int, default=50)
    ap.add_argument("--turns", type=int, default=12)
    ap.add_argument("--no-report", action="store_true", help=f"do not update {REPORT.relative_to(ROOT)}")
    ap.add_argument("--logs", type=Path, help="keep the servers' logs in this folder")
    args = ap.parse_args()
    if not (ROOT / "models" / "assistant.tar.gz").exists():
        print("No trained model: run `make train` first.", file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="scale-") as tmp_name, temporary_postgres(fsync=True) as pg, \
            temporary_redis() as redis_port:
        tmp = args.logs or Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        pg_port = int(re.search(r":(\d+)/", pg).group(1))
        actions_port, r1, r2 = free_port(), free_port(), free_port()
        env = {**rasa_env(),
               # endpoints.production.yml
               "ACTION_SERVER_URL": f"http://127.0.0.1:{actions_port}/webhook", "DB_HOST": "127.0.0.1",
               "DB_PORT": str(pg_port), "DB_NAME": "postgres", "DB_USER": "postgres", "DB_PASSWORD": "",
               "REDIS_HOST": "127.0.0.1", "REDIS_PORT": str(redis_port), "REDIS_PASSWORD": "",
               # a lock held by a killed replica frees itself after this many seconds (Rasa's default: 60)
               "TICKET_LOCK_LIFETIME": "15",
               # our own state on the same PostgreSQL
               "VHTTDL_SHARED_DB_URL": pg, "VHTTDL_FILES_DIR": str(tmp / "forms"),
               "VHTTDL_DOSSIER_DB": str(tmp / "dossiers.db")}
        actions, rasa1 = launcher_services(r1, actions_port, endpoints="endpoints.production.yml", log_dir=tmp,
                                           extra_env=env)
        rasa1.name = "Rasa 1"
        rasa2 = dataclasses.replace(rasa1, name="Rasa 2", argv=rasa1.argv[:-1] + [str(r2)], log=tmp / "rasa2.log",
                                    health_url=f"http://127.0.0.1:{r2}/", port=r2)
        services = [actions, rasa1, rasa2]
        servers = Supervisor(services, ROOT)
        print("Starting PostgreSQL, Redis, the action server and two Rasa replicas...", flush=True)
        servers.start()
        try:
            servers.wait_until_ready(400)
            urls = [f"http://127.0.0.1:{r1}", f"http://127.0.0.1:{r2}"]
            actions_url = f"http://127.0.0.1:{actions_port}"
            results = {}
            with gateway(urls[:1], actions_url, env, tmp / "gw1") as one, \
                    gateway(urls, actions_url, env, tmp / "gw2") as two:
                for url in (one, two):  # first inference of each replica, and the catalog index
                    for n in range(WARMUPS // 2):
                        requests.post(url + "/api/chat", json={"sender": f"warmup-{n}-{url[-5:]}",
                                                               "message": SCRIPT[0][0]}, timeout=120)
                print("Run 1: one replica", flush=True)
                results["one replica"] = run_load(one, args.conversations, args.turns, "scale-one")
                print("Run 2: two replicas", flush=True)
                results["two replicas"] = run_load(two, args.conversations, args.turns, "scale-two")
                print("Run 3: two replicas, one killed when 40 % of the turns are answered", flush=True)
                total = args.conversations * args.turns
                killed: dict[str, float] = {}

                def kill_at(done: int) -> None:
                    if done >= 0.4 * total and not killed:
                        killed["at_turn"] = done
                        services[1].process.send_signal(signal.SIGKILL)

                results["replica killed"] = run_load(two, args.conversations, args.turns, "scale-kill", kill_at)
                kill = results["replica killed"]
                stored = stored_order(pg, sorted(kill["sent"]))
                lost = sum(max(0, len(kill["sent"][s]) - len(stored[s])) for s in stored)
                duplicated = sum(max(0, len(stored[s]) - len(kill["sent"][s])) for s in stored)
                out_of_order = sum(1 for s in stored
                                   if stored[s] != kill["sent"][s] and sorted(stored[s]) == sorted(kill["sent"][s]))
                kill.update(lost=lost, duplicated=duplicated, out_of_order=out_of_order,
                            killed_at_turn=killed.get("at_turn"), replica_alive=services[1].alive(),
                            shared=shared_rows(pg))
        finally:
            servers.stop()
    for name, r in results.items():
        print(f"{name}: {r['turns']} turns in {r['seconds']} s = {r['throughput']} turns/s, "
              f"p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, wrong answers {len(r['wrong'])}")
        for line in r["wrong"][:10]:
            print("   ", line)
    kill = results["replica killed"]
    print(f"replica killed at turn {kill['killed_at_turn']}: lost {kill['lost']}, duplicated {kill['duplicated']}, "
          f"out of order {kill['out_of_order']}")
    print(f"shared state in PostgreSQL: {kill['shared']['turns']} turns recorded, "
          f"{kill['shared']['rate_log']} rate-limit entries")
    print(f"turns whose actions ran twice (in flight on the killed replica, answered by the other): "
          f"{twice(results, kill)}")
    ok = (kill["killed_at_turn"] and not kill["replica_alive"] and kill["lost"] == kill["duplicated"] ==
          kill["out_of_order"] == 0 and not kill["wrong"] and all(kill["shared"].values()))
    if not args.no_report:
        write_report(results, args)
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


def twice(results: dict, kill: dict) -> int:
    """Turns recorded by the action server beyond the turns sent (and the warm-up turns): a turn
    in flight on the killed replica had run its actions there before the gateway sent it to the
    other replica, which ran them again."""
    sent = sum(r["turns"] for r in results.values()) + WARMUPS
    return kill["shared"]["turns"] - sent


def write_report(results: dict, args: argparse.Namespace) -> None:
    kill = results["replica killed"]
    lines = [START, "",
             f"`make scale-test` on {time.strftime('%Y-%m-%d')} ({os.cpu_count()} cores; everything on this one "
             f"machine: PostgreSQL with fsync on, Redis, one action server, the Rasa replicas, the gateways "
             f"and the load): {args.conversations} conversations at once x {args.turns} turns each.", "",
             "| Run | Turns | Turns/s | p50 | p95 | Wrong answers |", "|---|---|---|---|---|---|"]
    for name, r in results.items():
        lines.append(f"| {name} | {r['turns']} | {r['throughput']} | {r['p50_ms']} ms | {r['p95_ms']} ms | "
                     f"{len(r['wrong'])} |")
    lines += ["", f"Replica killed (SIGKILL) at turn {kill['killed_at_turn']} of {kill['turns']}: "
              f"turns lost **{kill['lost']}**, stored twice **{kill['duplicated']}**, out of order "
              f"**{kill['out_of_order']}** (user messages in PostgreSQL compared with what was sent); "
              f"every conversation went on on the surviving replica. Our own state was on the same "
              f"PostgreSQL: {kill['shared']['turns']} turns recorded for the staff console by the action "
              f"server, {kill['shared']['rate_log']} rate-limit entries from the two gateways. Turns whose "
              f"actions ran twice (in flight on the killed replica, then sent to the other): "
              f"**{twice(results, kill)}** (see below).", "", END]
    text = REPORT.read_text(encoding="utf-8") if REPORT.exists() else f"# Reliability\n\n{START}\n{END}\n"
    pattern = re.compile(re.escape(START) + ".*?" + re.escape(END), re.S)
    REPORT.write_text(pattern.sub(lambda m: "\n".join(lines), text), encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main())
