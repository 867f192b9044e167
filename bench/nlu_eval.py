"""NLU evaluation on a held-out set, and the tokenizer comparison.

    .venv/bin/python bench/nlu_eval.py                 # bench/pipelines/*.yml and config.yml
    .venv/bin/python bench/nlu_eval.py --only config   # just the production config.yml

Each pipeline is trained (NLU only) on data/nlu/ (hand-written + generated variants) and tested
on bench/data/nlu_heldout.yml, sentences written independently of the training data and never
trained on, in three forms: as written (with diacritics), without diacritics (folded), and
abbreviated with the lexicon. Results go to bench/results/nlu_eval.json and the
"NLU evaluation" section of docs/benchmarks.md.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("RASA_TELEMETRY_ENABLED", "false")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import yaml  # noqa: E402

from bench.report import write_section  # noqa: E402
from bot.nlu_data import abbreviate  # noqa: E402
from bot.text import fold  # noqa: E402

HELDOUT = ROOT / "bench" / "data" / "nlu_heldout.yml"
PIPELINES = ROOT / "bench" / "pipelines"
RESULTS = ROOT / "bench" / "results"


def load_heldout() -> list[tuple[str, str]]:
    data = yaml.safe_load(HELDOUT.read_text(encoding="utf-8"))
    return [(line.strip()[2:].strip(), block["intent"]) for block in data["nlu"]
            for line in block["examples"].splitlines() if line.strip().startswith("- ")]


def train(config: Path, out: Path) -> tuple[Path, float]:
    """Train NLU only, with an empty Rasa cache so that the time is a full training's."""
    env = dict(os.environ, RASA_CACHE_DIRECTORY=str(out / f"cache-{config.stem}"))
    start = time.perf_counter()
    subprocess.run([str(Path(sys.executable).with_name("rasa")), "train", "nlu", "--config", str(config),
                    "--nlu", str(ROOT / "data" / "nlu"), "--out", str(out), "--fixed-model-name", config.stem],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    return out / f"{config.stem}.tar.gz", time.perf_counter() - start


def evaluate(model: Path, cases: list[tuple[str, str]]) -> dict:
    import logging

    from rasa.core.agent import Agent
    from rasa.utils.log_utils import configure_structlog
    from sklearn.metrics import accuracy_score, f1_score

    configure_structlog(logging.WARNING)  # Rasa logs every parsed text at debug level

    agent = Agent.load(str(model))
    forms = {
        "accented": [(t, i) for t, i in cases],
        "unaccented": [(fold(t), i) for t, i in cases],
        "abbreviated": [(fold(abbreviate(t)), i) for t, i in cases],
    }
    out = {}
    for form, items in forms.items():
        async def parse_all():
            return [await agent.parse_message(t) for t, _ in items]

        start = time.perf_counter()
        parsed = asyncio.run(parse_all())
        per_message_ms = (time.perf_counter() - start) / len(items) * 1000
        gold = [i for _, i in items]
        pred = [p["intent"]["name"] for p in parsed]
        errors = [{"text": t, "gold": g, "pred": p} for (t, g), p in zip(items, pred) if g != p]
        out[form] = {
            "n": len(items),
            "accuracy": accuracy_score(gold, pred),
            "macro_f1": f1_score(gold, pred, average="macro", zero_division=0),
            "weighted_f1": f1_score(gold, pred, average="weighted", zero_division=0),
            "parse_ms": per_message_ms,
            "errors": errors,
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--only", help="evaluate only this pipeline: a name in bench/pipelines/, or 'config' for config.yml")
    args = ap.parse_args()
    configs = sorted(PIPELINES.glob("*.yml")) + [ROOT / "config.yml"]
    if args.only == "config":
        configs = [ROOT / "config.yml"]
    elif args.only:
        configs = [PIPELINES / f"{args.only}.yml"]
    cases = load_heldout()
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        for config in configs:
            print(f"training {config.stem}...", flush=True)
            model, seconds = train(config, Path(tmp))
            results[config.stem] = {"train_s": seconds, **evaluate(model, cases)}
            r = results[config.stem]
            print(f"  {seconds:5.0f} s  accented {r['accented']['accuracy']:.3f}  unaccented {r['unaccented']['accuracy']:.3f}"
                  f"  abbreviated {r['abbreviated']['accuracy']:.3f}", flush=True)
    # Results accumulate in one file, so that rerunning one pipeline updates its row only.
    RESULTS.mkdir(exist_ok=True)
    store = RESULTS / "nlu_eval.json"
    merged = json.loads(store.read_text(encoding="utf-8")) if store.exists() else {}
    merged.update(results)
    store.write_text(json.dumps(merged, ensure_ascii=False, indent=1), encoding="utf-8")

    lines = [f"Held-out set: `bench/data/nlu_heldout.yml`, {len(cases)} sentences written independently of the "
             "training data (one sentence = 0.47 points); the unaccented and abbreviated forms are derived from it "
             "(`bot.text.fold`, `bot.nlu_data.abbreviate`). Each pipeline is trained on `data/nlu/` (hand-written + "
             "generated variants) with an empty Rasa cache.", "",
             "| Pipeline | Train (s) | Accuracy / macro-F1, with diacritics | without diacritics | abbreviated, no diacritics | Parse (ms) |",
             "|---|---|---|---|---|---|"]
    for name in sorted(merged, key=lambda n: (n == "config", n)):
        r = merged[name]
        cells = [f"{r[f]['accuracy']:.3f} / {r[f]['macro_f1']:.3f}" for f in ("accented", "unaccented", "abbreviated")]
        label = "`config.yml` (production: + FallbackClassifier)" if name == "config" else f"`{name}`"
        lines.append(f"| {label} | {r['train_s']:.0f} | " + " | ".join(cells) + f" | {r['accented']['parse_ms']:.1f} |")
    write_section("NLU evaluation", "python bench/nlu_eval.py [--only NAME]", "\n".join(lines))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
