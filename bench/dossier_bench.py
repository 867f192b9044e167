"""Dossier lookup latency with 100,000 dossiers: the SQLite store directly, and the HTTP adapter
against the reference API server (bot/dossiers/api_server.py) on loopback serving that store.

    .venv/bin/python bench/dossier_bench.py [--count 100000] [--lookups 2000]

Each lookup is what one citizen turn costs: open the store (or one HTTP request), find the
dossier by code, read its steps. Half the codes exist, half do not. Writes the "Dossier lookup"
section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from bot.catalog import load_catalog  # noqa: E402
from bot.dossiers.api_server import make_server, serve_in_thread  # noqa: E402
from bot.dossiers.demo import demo_dossiers  # noqa: E402
from bot.dossiers.http_source import HttpSource  # noqa: E402
from bot.dossiers.model import Dossier  # noqa: E402
from bot.dossiers.sqlite_source import SqliteSource  # noqa: E402


def many(count: int) -> list[Dossier]:
    """`count` dossiers: the demo set repeated with distinct codes (one day per 9,999)."""
    base = demo_dossiers(load_catalog(), dt.date.today())
    out = []
    for i in range(count):
        d = base[i % len(base)]
        day = dt.date(2020, 1, 1) + dt.timedelta(days=i // 9999)
        out.append(Dossier(**{**d.__dict__, "code": f"000.00.15.H30-{day:%y%m%d}-{i % 9999 + 1:04d}"}))
    return out


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def timed(get, codes: list[str]) -> list[float]:
    out = []
    for code in codes:
        t0 = time.perf_counter()
        get(code)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=100_000)
    ap.add_argument("--lookups", type=int, default=2000)
    args = ap.parse_args()
    rng = random.Random(7)
    with tempfile.TemporaryDirectory() as tmp:
        store = SqliteSource(Path(tmp) / "dossiers.db")
        dossiers = many(args.count)
        t0 = time.perf_counter()
        store.add_all(dossiers)
        load_s = time.perf_counter() - t0
        size_mb = store.path.stat().st_size / 1e6
        codes = [rng.choice(dossiers).code if i % 2 == 0 else f"000.00.15.H30-300101-{rng.randint(1, 9999):04d}"
                 for i in range(args.lookups)]
        sqlite_ms = timed(store.get, codes)

        server = make_server(store, token="bench")
        serve_in_thread(server)
        http = HttpSource(f"http://127.0.0.1:{server.server_address[1]}", token="bench")
        http_ms = timed(http.get, codes)
        with ThreadPoolExecutor(10) as pool:
            t0 = time.perf_counter()
            list(pool.map(lambda c: HttpSource(http.base_url, token="bench").get(c), codes))
            conc_rate = len(codes) / (time.perf_counter() - t0)
        server.shutdown()

    rows = [
        f"{args.count:,} dossiers ({size_mb:.0f} MB SQLite file, loaded in {load_s:.1f} s); {args.lookups:,} "
        "lookups, half of existing codes, half of missing ones. Targets: none set by the issue; a citizen "
        "turn budget is the 60 ms p50 of the REST benchmark.",
        "",
        "| Lookup | p50 | p95 | max |",
        "|---|---|---|---|",
        f"| SQLite store (indexed by code, new connection per lookup) | {pct(sqlite_ms, .5):.2f} ms | "
        f"{pct(sqlite_ms, .95):.2f} ms | {max(sqlite_ms):.1f} ms |",
        f"| HTTP adapter → reference API on loopback → same store, one client | {pct(http_ms, .5):.2f} ms | "
        f"{pct(http_ms, .95):.2f} ms | {max(http_ms):.1f} ms |",
        "",
        f"HTTP adapter, 10 clients at once: {conc_rate:.0f} lookups/s (mean of the SQLite path: "
        f"{statistics.mean(sqlite_ms):.2f} ms).",
    ]
    print("\n".join(rows))
    write_section("Dossier lookup", "python bench/dossier_bench.py", "\n".join(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
