"""Every regular expression of the assistant runs in linear time on the longest message it can
get: a pattern that backtracks catastrophically would freeze Rasa's or the action server's event
loop, so one long message would stop every conversation.

The patterns are collected, not listed by hand: the compiled patterns in the globals of every
module of bot/ and actions/, the literal patterns of every `re.<function>(...)` call in their
source, and the patterns the code builds at run time (from citizen text or from data files such
as data/lexicon.yml, texts.yml, the NLU lookup tables), built the way the code builds them. A new
pattern built at run time fails `test_every_pattern_built_at_run_time_is_covered` until it is
added to RUN_TIME below. The sweep (tests/regex_sweep.py) runs in a child process with a hard
timeout, so a catastrophic pattern fails the test instead of hanging the suite.
"""
from __future__ import annotations

import ast
import functools
import importlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SWEEP = ROOT / "tests" / "regex_sweep.py"
RE_FUNCTIONS = {"compile", "search", "match", "fullmatch", "findall", "finditer", "sub", "subn", "split"}
# Importing these loads TensorFlow (seconds); their patterns are all literals, read from the source.
NOT_IMPORTED = {"bot.nlu.components", "bot.lock_store", "bot.__main__"}
TOTAL_BUDGET = 20.0  # seconds for the whole sweep; a catastrophic pattern takes minutes
INPUT_BUDGET = 0.25  # seconds for one pattern on one input; linear patterns take a few milliseconds


def _modules() -> list[tuple[str, Path]]:
    out = []
    for package in ("bot", "actions"):
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            out.append((".".join(parts[:-1] if parts[-1] == "__init__" else parts), path))
    return out


def _flags(call: ast.Call, position: int) -> int | None:
    """The flags of a re call when they are written as constants (re.I | re.UNICODE), else None."""
    node = next((k.value for k in call.keywords if k.arg == "flags"), None)
    if node is None and len(call.args) > position:
        node = call.args[position]
    if node is None:
        return 0
    try:
        return int(eval(compile(ast.Expression(node), "<flags>", "eval"), {"re": re}))  # noqa: S307 - our own source
    except Exception:  # noqa: BLE001
        return None


FLAG_POSITION = {"compile": 1, "search": 2, "match": 2, "fullmatch": 2, "findall": 2, "finditer": 2,
                 "split": 3, "sub": 4, "subn": 4}


def _source_calls() -> tuple[list[tuple[str, str, int]], list[str]]:
    """(where, pattern, flags) of every re call with a literal pattern, and the places of the
    calls whose pattern is built at run time ("bot/x.py:function")."""
    literal, built = [], []
    for module, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_level = {id(node.value) for node in tree.body if isinstance(node, (ast.Assign, ast.AnnAssign))}
        parents: dict[int, str] = {}
        for fn in ast.walk(tree):
            if isinstance(fn, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for node in ast.walk(fn):
                    parents.setdefault(id(node), fn.name)
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "re"
                    and node.func.attr in RE_FUNCTIONS and node.args):
                continue
            where = f"{path.relative_to(ROOT)}:{parents.get(id(node), '<module>')}"
            first = node.args[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                flags = _flags(node, FLAG_POSITION[node.func.attr])
                literal.append((where, first.value, flags or 0))
            elif id(node) in module_level and module not in NOT_IMPORTED:
                continue  # a module-level compiled pattern: taken from the module's globals
            else:
                built.append(where)
    return literal, built


def _global_patterns() -> list[tuple[str, str, int]]:
    """The compiled patterns in the globals of each module (named where they are defined)."""
    out = []
    for module, path in _modules():
        if module in NOT_IMPORTED:
            continue
        imported = {a.asname or a.name for node in ast.parse(path.read_text(encoding="utf-8")).body
                    if isinstance(node, ast.ImportFrom) for a in node.names}
        for name, value in vars(importlib.import_module(module)).items():
            if isinstance(value, re.Pattern) and isinstance(value.pattern, str) and name not in imported:
                out.append((f"{module}.{name}", value.pattern, value.flags))
    return out


# ---------------------------------------------------------------- patterns built at run time


def _value_separators():
    from bot.forms.session import _separator_re
    from bot.forms.templates import load_texts

    return [_separator_re(sep) for sep in load_texts()["commands"]["value_separators"]]


def _lexicon_short_forms():
    from bot.nlu_data import _short_forms

    return [pattern for pattern, _ in _short_forms()]


def _time_clause():
    from bot.catalogue import _days_re

    return [_days_re(days) for days in (1, 2, 3, 10, 15, 20, 30, 45, 60, 90)]


def _catalog_check_reasons():
    from bot.catalog_edit import _REASONS

    return [re.compile(pattern) for pattern, _ in _REASONS]


# Every place that builds a pattern at run time, and how to build what it builds.
RUN_TIME = {
    "bot/forms/session.py:_separator_re": _value_separators,
    "bot/nlu_data.py:_short_forms": _lexicon_short_forms,
    "bot/catalogue.py:_days_re": _time_clause,
    "bot/catalog_edit.py:_vietnamese": _catalog_check_reasons,
}


def _lookup_tables() -> list[tuple[str, str, int]]:
    """The patterns Rasa's RegexFeaturizer (config.yml) builds from the NLU lookup tables and
    matches against every message, built with Rasa's own function."""
    from rasa.nlu.utils.pattern_utils import _generate_lookup_regex

    out = []
    for path in sorted((ROOT / "data" / "nlu").rglob("*.yml")):
        for item in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("nlu") or []:
            if "lookup" in item:
                elements = [line.strip()[2:].strip() for line in item["examples"].splitlines() if line.strip()]
                out.append((f"lookup {item['lookup']}", _generate_lookup_regex({"elements": elements}), re.IGNORECASE))
            elif "regex" in item:
                for line in item["examples"].splitlines():
                    if line.strip():
                        out.append((f"regex {item['regex']}", line.strip()[2:].strip(), re.IGNORECASE))
    return out


@functools.lru_cache(maxsize=1)
def all_patterns() -> list[dict]:
    literal, _ = _source_calls()
    found = _global_patterns() + literal + _lookup_tables()
    for where, build in RUN_TIME.items():
        found += [(where, p.pattern, p.flags) for p in build()]
    unique: dict[tuple[str, int], str] = {}
    for where, pattern, flags in found:  # the same pattern found twice is swept once, by its first name
        unique.setdefault((pattern, re.compile(pattern, flags).flags), where)
    return [{"name": where, "pattern": pattern, "flags": flags} for (pattern, flags), where in unique.items()]


def run_sweep(patterns: list[dict], timeout: float = TOTAL_BUDGET) -> tuple[list[dict], str | None]:
    """The sweep's reports, and the name of the pattern it was still running when the hard
    timeout stopped it (None when it finished)."""
    try:
        done = subprocess.run([sys.executable, str(SWEEP), str(INPUT_BUDGET)], input=json.dumps(patterns), capture_output=True,
                              text=True, timeout=timeout, cwd=ROOT, check=True)
        output, stuck = done.stdout, None
    except subprocess.TimeoutExpired as e:
        output = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        stuck = "?"
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    if stuck:
        started = [line["started"] for line in lines if "started" in line]
        stuck = started[-1] if started else "?"
    return [line for line in lines if "seconds" in line], stuck


def slow(reports: list[dict]) -> list[dict]:
    return [r for r in reports if r["worst"] > INPUT_BUDGET]


# ---------------------------------------------------------------- tests


def test_every_pattern_built_at_run_time_is_covered():
    _, built = _source_calls()
    assert sorted(set(built) - set(RUN_TIME)) == [], \
        "a pattern built at run time: add it to RUN_TIME in this file, built the way the code builds it"
    for where, build in RUN_TIME.items():
        assert build(), where


def test_collects_the_patterns_that_read_citizen_text():
    names = {p["name"] for p in all_patterns()}
    for expected in ("bot.dossiers.model.CODE_RE", "bot.analytics.masking._PHONE", "bot.forms.templates.CCCD_IN_TEXT",
                     "bot.dialogue._CHOICE_RE", "bot.text._TAG_RE", "bot/feedback.py:read_score",
                     "bot/forms/session.py:_separator_re"):
        assert expected in names, expected
    assert any(n.startswith("lookup question_focus_") for n in names)
    # the NLU components' patterns, read from the source (the module is not imported)
    components = {p for where, p, _ in _source_calls()[0] if where.startswith("bot/nlu/components.py")}
    assert components and components <= {p["pattern"] for p in all_patterns()}


def test_every_pattern_runs_in_linear_time_on_the_longest_message():
    patterns = all_patterns()
    reports, stuck = run_sweep(patterns)
    assert stuck is None, f"the sweep did not finish in {TOTAL_BUDGET} s: stuck on {stuck}"
    assert len(reports) == len(patterns)
    assert slow(reports) == []


# The pattern that froze every conversation for 25 s (before commit 028af8d), built as it was.
def _old_factor_pattern() -> re.Pattern[str]:
    from bot.dossiers.replies import load_texts
    from bot.text import fold

    words = sorted({fold(w) for w in load_texts().get("factor_words", [])}, key=len, reverse=True)
    filler = "|".join(re.escape(w) for w in words)
    return re.compile(rf"^(?:(?:{filler})\b[\s:,.\-]*)*(\d{{4}})\b[\s:,.!\-]*(?:(?:{filler})\b[\s:,.!\-]*)*$")


@pytest.mark.parametrize("name, pattern", [
    ("nested quantifier", re.compile(r"(\w+\s?)*!")),
    ("old 4 digits reader", _old_factor_pattern()),
], ids=["nested quantifier", "old 4 digits reader"])
def test_the_sweep_catches_a_catastrophic_pattern(name, pattern):
    from bot.text import _WORD_RE

    good = {"name": "bot.text._WORD_RE", "pattern": _WORD_RE.pattern, "flags": _WORD_RE.flags}
    bad = {"name": name, "pattern": pattern.pattern, "flags": pattern.flags}
    reports, stuck = run_sweep([good, bad], timeout=2)
    assert stuck == name
    assert [r["name"] for r in reports] == ["bot.text._WORD_RE"]


def test_the_sweep_reports_a_quadratic_pattern():
    """The dossier code's separators before this check: "\\s*[-–—_/ ]?\\s*" splits a long run of
    spaces in every possible way (0.9 s for one message of 5,000 characters)."""
    from bot.dossiers import model

    old = model.CODE_RE.pattern.replace(model._SEP, r"\s*[-–—_/ ]?\s*")
    assert old != model.CODE_RE.pattern
    reports, stuck = run_sweep([{"name": "CODE_RE before", "pattern": old, "flags": model.CODE_RE.flags},
                                {"name": "CODE_RE", "pattern": model.CODE_RE.pattern, "flags": model.CODE_RE.flags}])
    assert stuck is None
    assert [r["name"] for r in slow(reports)] == ["CODE_RE before"]
