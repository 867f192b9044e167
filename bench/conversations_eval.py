"""Black-box conversations through the REST channel, scored like ../shared/eval/converse.py.

    .venv/bin/python bench/conversations_eval.py

bench/data/eval_cases.yaml (68 conversations, 102 turns) was written from the research file
only, as a stand-in for the hidden evaluation set; it was then used during development, so its
score is optimistic. bench/data/eval_cases_heldout.yaml (74 conversations, 116 turns) was
written later by someone who saw only the research file and the public sample, never the
project; its first-run score is the fair estimate for new phrasings. eval_cases_heldout3.yaml
(65 conversations, 123 turns) came later from a third author, in chat style; the round4a/b/c
sets came with issue 9 (see the section text). Writes the
"Black-box conversations" section of docs/benchmarks.md.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import yaml  # noqa: E402

from bench.conversations import run_cases, running_assistant  # noqa: E402
from bench.report import write_section  # noqa: E402

SETS = {name: ROOT / name for name in (
    "bench/data/eval_cases.yaml", "bench/data/eval_cases_heldout.yaml", "bench/data/eval_cases_heldout3.yaml",
    "bench/data/eval_cases_round4a.yaml", "bench/data/eval_cases_round4b.yaml", "bench/data/eval_cases_round4c.yaml",
    "tests/conversations.yml")}
# First runs, before any change made after seeing their failures.
FIRST_RUN = "89/102 turns"
FIRST_RUN_HELDOUT = "98/116 turns (84 %)"
FIRST_RUN_HELDOUT3 = "84/123 turns (68 %)"
# Issue 9: sets 4a and 4b were written before the work (first run on the code of 4115a0e), 4c after
# it (its first run is the fair estimate for new conversations of these kinds).
FIRST_RUN_4A = "68/128 turns (53 %)"
FIRST_RUN_4B = "49/128 turns (38 %)"
FIRST_RUN_4C = "99/129 turns (77 %)"


FIRST_RUNS = {
    "bench/data/eval_cases.yaml": FIRST_RUN, "bench/data/eval_cases_heldout.yaml": FIRST_RUN_HELDOUT,
    "bench/data/eval_cases_heldout3.yaml": FIRST_RUN_HELDOUT3, "bench/data/eval_cases_round4a.yaml": FIRST_RUN_4A,
    "bench/data/eval_cases_round4b.yaml": FIRST_RUN_4B, "bench/data/eval_cases_round4c.yaml": FIRST_RUN_4C,
    "tests/conversations.yml": "— (written with the code: regression tests)",
}


def main() -> int:
    lines = ["| Cases | First run (unseen) | Now (failures studied since) |", "|---|---|---|"]
    failures = []
    with tempfile.TemporaryDirectory() as tmp, running_assistant(Path(tmp)) as url:
        for name, path in SETS.items():
            passed, failed, fails = run_cases(url, yaml.safe_load(path.read_text(encoding="utf-8")))
            lines.append(f"| `{name}` | {FIRST_RUNS[name]} | {passed}/{passed + failed} |")
            failures += fails
    body = ("Each turn must contain the expected words (amounts, distinctive document names...) and none of the "
            f"forbidden ones. `eval_cases.yaml` scored {FIRST_RUN} on its first run; its failures were then studied "
            f"and fixed, so the figure below is optimistic. `eval_cases_heldout.yaml` scored **{FIRST_RUN_HELDOUT}** "
            "on its first run (the fair estimate for new phrasings); general fixes were then made after reading its "
            "failures (follow-ups that keep the procedure discussed, polite wrappers, unknown facets), so its "
            "current score is optimistic too. `eval_cases_heldout3.yaml` (65 conversations in chat style: mostly "
            f"without diacritics, teen abbreviations, situations, 2–4-turn follow-ups) scored **{FIRST_RUN_HELDOUT3}** "
            "on its first run, then general fixes followed the same way. Issue 9's sets were written by authors who "
            "saw only `docs/research/` and the public sample, in chat style with situations, details, follow-ups, "
            "catalogue-wide questions, other agencies and dossier/form context: `eval_cases_round4a.yaml` and "
            f"`eval_cases_round4b.yaml` before the work (first run {FIRST_RUN_4A} and {FIRST_RUN_4B}; their failures "
            "were then studied, so their current scores are optimistic), `eval_cases_round4c.yaml` after it "
            f"(first run **{FIRST_RUN_4C}**: the fair estimate; general fixes then followed its failures too, so its "
            "current score is optimistic).\n\n" + "\n".join(lines))
    if failures:
        body += "\n\nFailures:\n\n" + "\n".join(f"- {f}" for f in failures)
    write_section("Black-box conversations", "python bench/conversations_eval.py", body)
    print(body)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
