"""What recording turns for the staff console costs the citizen: REST throughput and latency
with recording on and off (CONSOLE_RECORDING), same model, same load.

    .venv/bin/python bench/recording_bench.py      # ~5 minutes on 2 cores

The assistant (action server + Rasa, SQLite tracker store and console database) is started
once per round with recording off, then on, for ROUNDS rounds; each run sends rest_bench's
scripted conversation from 20 citizens at once, each sending its next message as soon as the
previous answer arrives. The scripted conversation runs a custom action on every turn, so
every turn is recorded; it includes the 👍/👎 question under first answers. Results: the
"Recording for the staff console" section of docs/benchmarks.md.
"""
from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import requests  # noqa: E402
import sqlalchemy as sa  # noqa: E402

from bench.conversations import running_assistant  # noqa: E402
from bench.load import run_load  # noqa: E402
from bench.report import write_section  # noqa: E402
from bench.rest_bench import CONVERSATIONS, OURS, TURNS_EACH, post  # noqa: E402

ROUNDS = 3


def one_run(recording: str, workdir: Path) -> dict:
    workdir.mkdir(parents=True)
    env = {"CONSOLE_RECORDING": recording, "CONSOLE_DB_URL": f"sqlite:///{workdir / 'console.db'}"}
    with running_assistant(workdir, extra_env=env) as url:
        session = requests.Session()
        for text in OURS:  # warm-up
            post(session, url, "warm-up-citizen", text)
        result = run_load(CONVERSATIONS, TURNS_EACH,
                          lambda s, sender, n, i: post(s, url, sender, OURS[(i + n) % len(OURS)]), f"rec-{recording}")
    engine = sa.create_engine(env["CONSOLE_DB_URL"])
    try:
        with engine.connect() as conn:
            result["recorded"] = conn.execute(sa.text("select count(*) from turns")).scalar() \
                if sa.inspect(engine).has_table("turns") else 0
    finally:
        engine.dispose()
    return result


def main() -> int:
    runs: dict[str, list[dict]] = {"off": [], "on": []}
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(ROUNDS):
            for mode in ("off", "on"):
                print(f"round {r + 1}: recording {mode}...", flush=True)
                runs[mode].append(one_run(mode, Path(tmp) / f"{mode}-{r}"))
    med = {m: {k: statistics.median(x[k] for x in runs[m]) for k in ("throughput_rps", "p50_ms", "p95_ms")}
           for m in runs}
    errors = {m: sum(x["errors"] for x in runs[m]) for m in runs}
    recorded = {m: sum(x["recorded"] for x in runs[m]) for m in runs}
    requests_total = CONVERSATIONS * TURNS_EACH
    ratio = med["on"]["throughput_rps"] / med["off"]["throughput_rps"]
    body = f"""{CONVERSATIONS} citizens at once, {requests_total} requests per run, rest_bench's scripted
conversation (a custom action on every turn); {ROUNDS} runs per mode, alternating, medians shown.
Recording writes one row per turn (and rating) to the SQLite console database (`.var/console.db`).

| | Recording off | Recording on | Target |
|---|---|---|---|
| Throughput | {med['off']['throughput_rps']:.1f} req/s | {med['on']['throughput_rps']:.1f} req/s | on ≥ 90 % of off |
| p50 / p95 latency | {med['off']['p50_ms']:.0f} / {med['off']['p95_ms']:.0f} ms | {med['on']['p50_ms']:.0f} / {med['on']['p95_ms']:.0f} ms | |
| Errors | {errors['off']} | {errors['on']} | 0 |
| Turns recorded (all runs) | {recorded['off']} | {recorded['on']} | off: 0 |

Throughput with recording on relative to off: **{ratio:.0%}** (runs: off {', '.join(f"{x['throughput_rps']:.1f}" for x in runs['off'])}; on {', '.join(f"{x['throughput_rps']:.1f}" for x in runs['on'])} req/s).
"""
    write_section("Recording for the staff console", "python bench/recording_bench.py", body)
    print(body)
    return 0 if ratio >= 0.9 and not errors["on"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
