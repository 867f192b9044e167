"""Latency and throughput over Rasa's REST channel, next to a bare `rasa init` bot, plus
training time. Everything runs here, in one process tree, on loopback.

    .venv/bin/python bench/rest_bench.py            # ~8 minutes on 2 cores

1. Training: our project and a fresh `rasa init` project, each with an empty Rasa cache.
2. Each bot is started (ours with its action server and the default SQLite tracker store, the
   bare bot as `rasa init` makes it) and warmed up, then:
   - one conversation at a time: our scripted 10-turn conversation (which runs the custom
     action on every procedure question), 10 times as 10 citizens: p50/p95 turn latency;
   - 20 conversations at once, each sending its next message as soon as the previous answer
     arrives (no think time): throughput, p50/p95 latency, errors.
Results: the "REST channel" section of docs/benchmarks.md and bench/results/rest_bench.json.
"""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import yaml  # noqa: E402

from bench.load import percentile, run_load  # noqa: E402
from bench.report import write_section  # noqa: E402
from bot.launcher import rasa_env, stop  # noqa: E402

RASA = str(Path(sys.executable).with_name("rasa"))
OURS = [  # a realistic conversation: procedure questions (custom action), follow-ups, a click
    "xin chào",
    "phí cấp thẻ hướng dẫn viên du lịch quốc tế bao nhiêu",
    "thế mất bao lâu?",
    "hs cấp đổi thẻ hdv gồm j",
    "giấy phép lữ hành",
    '/ask_fee{"procedure":"lu-hanh-noi-dia-cap-lai"}',
    "nop qua buu dien duoc khong",
    "thủ tục công nhận hạng khách sạn 3 sao",
    "địa chỉ của sở ở đâu",
    "cảm ơn nhé",
]
BARE = ["hello", "I am sad", "yes", "great", "are you a bot?", "I am happy", "bye", "hi", "no", "thanks"]
TURNS_ONE = 100
CONVERSATIONS = 20
TURNS_EACH = 20


def train(project: Path, out: Path, cache: Path) -> float:
    env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(cache))
    start = time.perf_counter()
    subprocess.run([RASA, "train", "--out", str(out), "--fixed-model-name", "model"], cwd=project, env=env,
                   check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def start(project: Path, model: Path, port: int, endpoints: Path | None, actions_port: int | None,
          log: Path) -> list[subprocess.Popen]:
    env = rasa_env()
    procs = []
    if actions_port:
        procs.append(subprocess.Popen([RASA, "run", "actions", "--actions", "actions", "--port", str(actions_port)],
                                      cwd=project, env=env, stdout=open(log.with_suffix(".actions.log"), "w"),
                                      stderr=subprocess.STDOUT))
    cmd = [RASA, "run", "--model", str(model), "--interface", "127.0.0.1", "--port", str(port)]
    if endpoints:
        cmd += ["--endpoints", str(endpoints)]
    procs.append(subprocess.Popen(cmd, cwd=project, env=env, stdout=open(log, "w"), stderr=subprocess.STDOUT))
    deadline = time.monotonic() + 180
    urls = [f"http://127.0.0.1:{port}/"] + ([f"http://127.0.0.1:{actions_port}/health"] if actions_port else [])
    while time.monotonic() < deadline:
        try:
            if all(requests.get(u, timeout=2).ok for u in urls):
                return procs
        except requests.RequestException:
            time.sleep(0.5)
    stop(procs)
    raise RuntimeError(f"server on port {port} did not start; see {log}")


def post(session: requests.Session, url: str, sender: str, text: str) -> tuple[float, str]:
    """(seconds, "ok" | "empty" (HTTP 200, no reply message) | "error")."""
    t0 = time.perf_counter()
    try:
        r = session.post(url, json={"sender": sender, "message": text}, timeout=60)
        outcome = "error" if r.status_code != 200 or not isinstance(r.json(), list) else ("ok" if r.json() else "empty")
    except (requests.RequestException, ValueError):
        outcome = "error"
    return time.perf_counter() - t0, outcome


def one_conversation(url: str, script: list[str]) -> dict:
    """Conversations one at a time: the script start to end, each time as a new citizen."""
    session = requests.Session()
    for text in script:  # warm-up
        post(session, url, f"warm-{uuid.uuid4().hex[:6]}", text)
    lat, outcomes = [], []
    for i in range(TURNS_ONE):
        if i % len(script) == 0:
            sender = f"bench-{uuid.uuid4().hex[:8]}"
        dt, outcome = post(session, url, sender, script[i % len(script)])
        lat.append(dt)
        outcomes.append(outcome)
    return {"turns": TURNS_ONE, "p50_ms": percentile(lat, 0.5) * 1000, "p95_ms": percentile(lat, 0.95) * 1000,
            "errors": outcomes.count("error"), "empty": outcomes.count("empty")}


def concurrent(url: str, script: list[str]) -> dict:
    return run_load(CONVERSATIONS, TURNS_EACH,
                    lambda session, sender, n, i: post(session, url, sender, script[(i + n) % len(script)]), "load")


def measure(name: str, url: str, script: list[str]) -> dict:
    print(f"  {name}: one conversation...", flush=True)
    one = one_conversation(url, script)
    print(f"  {name}: {CONVERSATIONS} conversations at once...", flush=True)
    return {"one": one, "concurrent": concurrent(url, script)}


def main() -> int:
    results: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        bare = tmp / "bare"
        print("training the bare rasa init bot...", flush=True)
        env = dict(rasa_env(), RASA_CACHE_DIRECTORY=str(tmp / "cache-bare"))
        bare.mkdir()
        subprocess.run([RASA, "init", "--no-prompt", "--init-dir", str(bare)], env=env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(bare / "models", ignore_errors=True)
        results["train_bare_s"] = train(bare, bare / "models", tmp / "cache-bare2")
        print("training our bot...", flush=True)
        results["train_ours_s"] = train(ROOT, tmp / "models", tmp / "cache-ours")

        endpoints = tmp / "endpoints.yml"
        endpoints.write_text(yaml.safe_dump({
            "action_endpoint": {"url": "http://127.0.0.1:15055/webhook"},
            "tracker_store": {"type": "SQL", "dialect": "sqlite", "db": str(tmp / "tracker.db")},
        }), encoding="utf-8")
        print("measuring our bot...", flush=True)
        procs = start(ROOT, tmp / "models", 15005, endpoints, 15055, tmp / "ours.log")
        try:
            results["ours"] = measure("ours", "http://127.0.0.1:15005/webhooks/rest/webhook", OURS)
        finally:
            stop(procs)
        print("measuring the bare bot...", flush=True)
        procs = start(bare, bare / "models", 15006, None, None, tmp / "bare.log")
        try:
            results["bare"] = measure("bare", "http://127.0.0.1:15006/webhooks/rest/webhook", BARE)
        finally:
            stop(procs)

    (ROOT / "bench" / "results").mkdir(exist_ok=True)
    (ROOT / "bench" / "results" / "rest_bench.json").write_text(json.dumps(results, indent=1), encoding="utf-8")
    o, b = results["ours"], results["bare"]
    ratio = o["concurrent"]["throughput_rps"] / b["concurrent"]["throughput_rps"]
    body = f"""Our bot: model trained from scratch, action server, SQLite tracker store (the embedded defaults);
its scripted conversation (`OURS` in the script) runs the custom action on 7 of 10 turns. Bare bot:
`rasa init --no-prompt` (moodbot, in-memory tracker store), its own English messages.

| | Our bot | Bare `rasa init` bot | Target |
|---|---|---|---|
| Full training, empty cache | {results['train_ours_s']:.0f} s | {results['train_bare_s']:.0f} s | ours ≤ 180 s |
| One conversation at a time, {TURNS_ONE} turns: p50 / p95 | {o['one']['p50_ms']:.0f} / {o['one']['p95_ms']:.0f} ms | {b['one']['p50_ms']:.0f} / {b['one']['p95_ms']:.0f} ms | p50 ≤ 60 ms |
| {CONVERSATIONS} conversations back to back, {CONVERSATIONS * TURNS_EACH} requests: throughput | {o['concurrent']['throughput_rps']:.1f} req/s | {b['concurrent']['throughput_rps']:.1f} req/s | ≥ 80 % of bare |
| — p50 / p95 latency | {o['concurrent']['p50_ms']:.0f} / {o['concurrent']['p95_ms']:.0f} ms | {b['concurrent']['p50_ms']:.0f} / {b['concurrent']['p95_ms']:.0f} ms | |
| — errors (HTTP error, timeout, bad JSON) | {o['concurrent']['errors'] + o['one']['errors']} | {b['concurrent']['errors'] + b['one']['errors']} | 0 |
| — empty replies (HTTP 200, no message) | {o['concurrent']['empty'] + o['one']['empty']} | {b['concurrent']['empty'] + b['one']['empty']} | |

Throughput of our bot relative to the bare bot: **{ratio:.0%}**.
"""
    write_section("REST channel", "python bench/rest_bench.py", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
