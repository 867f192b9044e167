"""Every benchmark, in order; each writes its own section of docs/benchmarks.md (make bench).

    .venv/bin/python bench/run_all.py      # ~25 minutes on 2 cores
"""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
STEPS = [
    ["retrieval_eval.py"],
    ["conversations_eval.py"],
    ["nlu_eval.py"],
    ["rest_bench.py"],
    ["recording_bench.py"],
    ["dossier_bench.py"],
    ["gateway_bench.py"],
]

if __name__ == "__main__":
    for step in STEPS:
        print(f"== {' '.join(step)}", flush=True)
        subprocess.run([sys.executable, str(BENCH / step[0]), *step[1:]], check=True)
