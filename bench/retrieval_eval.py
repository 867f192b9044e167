"""Procedure retrieval on held-out citizen phrasings.

    .venv/bin/python bench/retrieval_eval.py [-v]

bench/data/retrieval_heldout.yml was written from the procedures' official names only, without
seeing the catalog's aliases. Each item expects one procedure (`expect: id`: top-1 must be it),
one of several (`expect_any`: found among them, or offered as a choice containing one), or none
(`expect: none`: other agencies' procedures, follow-ups naming nothing). Results per writing
style go to the "Procedure retrieval" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.report import write_section  # noqa: E402
from bot.catalog import load_catalog  # noqa: E402
from bot.nlu_data import question_words  # noqa: E402
from bot.retrieval import ProcedureIndex  # noqa: E402

CASES = ROOT / "bench" / "data" / "retrieval_heldout.yml"


def judge(match, item) -> bool:
    ids = [p.id for p in match.procedures]
    if item.get("expect") == "none":
        return match.kind in ("none", "weak")
    if "expect" in item:
        return match.kind == "found" and ids[0] == item["expect"]
    wanted = set(item["expect_any"])
    return (match.kind == "found" and ids[0] in wanted) or (match.kind == "ambiguous" and bool(wanted & set(ids)))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-v", action="store_true", help="print every miss")
    ap.add_argument("--cases", type=Path, default=CASES)
    args = ap.parse_args()
    cases = yaml.safe_load(args.cases.read_text(encoding="utf-8"))
    index = ProcedureIndex(load_catalog(), question_words())
    by_style: dict[str, list[bool]] = defaultdict(list)
    by_kind: dict[str, list[bool]] = defaultdict(list)
    times = []
    for item in cases:
        t0 = time.perf_counter()
        match = index.search(item["text"])
        times.append(time.perf_counter() - t0)
        ok = judge(match, item)
        kind = "none" if item.get("expect") == "none" else ("one" if "expect" in item else "any")
        by_style[item.get("style", "?")].append(ok)
        by_kind[kind].append(ok)
        if not ok and args.v:
            got = ", ".join(p.id for p in match.procedures) or "-"
            print(f"MISS [{item.get('style')}] {item['text']!r}: expected {item.get('expect') or item.get('expect_any')}, "
                  f"got {match.kind} {got}")

    def rate(values: list[bool]) -> str:
        return f"{sum(values) / len(values):.3f} ({sum(values)}/{len(values)})" if values else "-"

    top1 = by_kind["one"]
    lines = [f"Held-out set: `bench/data/retrieval_heldout.yml`, {len(cases)} phrasings written from the official "
             "names only (the catalog's aliases unseen).", "",
             f"**Top-1 accuracy** (a single procedure expected): {rate(top1)}", "",
             "| Expectation | Correct |", "|---|---|",
             f"| one procedure (top 1) | {rate(by_kind['one'])} |",
             f"| one of several (found or offered) | {rate(by_kind['any'])} |",
             f"| none (not ours / names nothing) | {rate(by_kind['none'])} |", "",
             "| Writing style | Correct |", "|---|---|"]
    lines += [f"| {style} | {rate(v)} |" for style, v in sorted(by_style.items())]
    times.sort()
    lines += ["", f"Search time per message: p50 {times[len(times) // 2] * 1000:.2f} ms, "
                  f"max {times[-1] * 1000:.2f} ms."]
    write_section("Procedure retrieval", "python bench/retrieval_eval.py", "\n".join(lines))
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
