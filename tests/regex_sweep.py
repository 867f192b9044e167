"""Runs regular expressions against adversarial inputs of the longest length a message can have,
and reports how long each took. Meant to run in a child process that the caller kills after a
hard timeout (tests/test_regex_safety.py): a pattern that backtracks catastrophically then fails
the test instead of hanging it.

    python tests/regex_sweep.py BUDGET < patterns.json   # [{"name": ..., "pattern": ..., "flags": int}, ...]

Prints a JSON line when a pattern starts ({"started": name}) and one when it is done ({"name",
"seconds", "worst", "worst_input"}), flushed, so the caller knows which pattern was running when
it had to kill the process. A pattern stops being tried at its first input that took longer than
BUDGET seconds (it is reported with that input): one slow input is enough to know.

The inputs: generic ones (long runs of letters, spaces, digits, dots, "<", Vietnamese words,
phone numbers, ...) and, per pattern, inputs built from a string the pattern matches (a
"witness" generated from the pattern itself): at each place where the pattern repeats
something, a long run of a character that repetition accepts is inserted, and the input is cut
or continued so that the match fails late. That reaches the nested or adjacent quantifiers deep
inside a pattern that a generic input never gets to (a dossier code's separators, "4 số cuối").
"""
from __future__ import annotations

import json
import re
import sre_constants as C
import sre_parse
import sys
import time

LENGTH = 5000  # characters: the longest message the gateway passes on (bot/gateway/rasa.py MAX_MESSAGE)


def generic_inputs(n: int = LENGTH) -> list[str]:
    def rep(unit: str, tail: str = "!") -> str:
        return (unit * (n // len(unit) + 1))[: n - len(tail)] + tail

    return [
        rep("a"), rep(" "), rep("0"), rep("0", "x"), rep("1 "), rep("1."), rep("1-"), rep("1 . "),
        rep("0912 345 678 "), rep("0912.345.678."), rep("+84 912 345 678 "), rep("001090012345 "),
        rep("12/03/"), rep("12 tháng 3 năm "), rep("số cuối "), rep("so cuoi "), rep("4 số cuối là 5678 ạ "),
        rep("000.00.15.H30 "), rep("000.00.15.H30-210524 "), rep("a@b."), rep("a.b@"), rep("<"), rep("<a "),
        rep(">"), rep("Thủ tục cấp giấy phép kinh doanh karaoke cần những gì? "), rep("đ"), rep("ằ"),
        rep(" \t\n"), rep("a "), rep("aa "), rep("a.a"), rep("a-a"), rep(":"), rep(" : "), rep("="),
        rep("(("), rep("))"), rep("m2 "), rep("5 trên "), rep("4/5 "), rep("thu "), rep("so "), rep("ngay "),
        rep("\u200b"), rep("oà"), "a" * (n - 1) + "@", " " * (n - 1) + "a", "0" * (n // 2) + " " * (n // 2 - 1) + "!",
    ]


def _sample(cls: list) -> str:
    """One character a character class accepts (the first that does)."""
    for op, av in cls:
        if op == C.LITERAL:
            return chr(av)
        if op == C.RANGE:
            return chr(av[0])
        if op == C.CATEGORY:
            return {C.CATEGORY_DIGIT: "0", C.CATEGORY_SPACE: " ", C.CATEGORY_WORD: "a",
                    C.CATEGORY_NOT_DIGIT: "a", C.CATEGORY_NOT_SPACE: "a", C.CATEGORY_NOT_WORD: " "}.get(av, "a")
    if cls and cls[0][0] == C.NEGATE:
        for c in " a0.-:/<":
            if not _in_negated(cls[1:], c):
                return c
    return "a"


def _in_negated(items: list, c: str) -> bool:
    for op, av in items:
        if op == C.LITERAL and chr(av) == c or op == C.RANGE and av[0] <= ord(c) <= av[1]:
            return True
        if op == C.CATEGORY:
            test = {C.CATEGORY_DIGIT: str.isdigit, C.CATEGORY_SPACE: str.isspace,
                    C.CATEGORY_WORD: lambda x: x.isalnum() or x == "_"}.get(av)
            if test and test(c):
                return True
    return False


class _Witness:
    """A string the pattern matches, and the places in it where a repeat could take more."""

    def __init__(self) -> None:
        self.text = ""
        self.spots: list[tuple[int, str]] = []  # (position, a character the repeat there accepts)

    def walk(self, items) -> None:
        for op, av in items:
            if op == C.LITERAL:
                self.text += chr(av)
            elif op == C.NOT_LITERAL:
                self.text += "a" if chr(av) != "a" else "b"
            elif op == C.ANY:
                self.text += "a"
            elif op == C.IN:
                self.text += _sample(av)
            elif op in (C.MAX_REPEAT, C.MIN_REPEAT, getattr(C, "POSSESSIVE_REPEAT", None)):
                low, high, sub = av
                start = len(self.text)
                for _ in range(max(low, 1) if high > 0 else 0):
                    self.walk(sub)
                one = self.text[start:] or " "
                self.spots.append((len(self.text), one))
            elif op == C.SUBPATTERN:
                self.walk(av[-1])
            elif op == C.BRANCH:
                self.spots.append((len(self.text), ""))
                self.walk(av[1][0])
            elif op == C.GROUPREF:
                pass
            # AT (anchors), ASSERT / ASSERT_NOT (lookarounds): no characters


def pattern_inputs(pattern: str, flags: int, n: int = LENGTH) -> list[str]:
    w = _Witness()
    try:
        w.walk(sre_parse.parse(pattern, flags))
    except Exception:  # noqa: BLE001 - a construct the walker does not know: the generic inputs remain
        return []
    text, out = w.text, []
    for pos, unit in w.spots:
        for filler in {unit, unit[:1], " ", "0", "a"} - {""}:
            run = (filler * (n // len(filler) + 1))[: n - len(text) - 1]
            head = text[:pos] + run
            out += [head + "!", (head + text[pos:] + "!")[:n]]
    whole = (text + " ") if text else " "
    out.append((whole * (n // len(whole) + 1))[: n - 1] + "!")
    return list(dict.fromkeys(out))


def sweep(name: str, pattern: str, flags: int, n: int = LENGTH, budget: float = float("inf")) -> dict:
    compiled = re.compile(pattern, flags)
    worst, worst_input, total = 0.0, "", 0.0
    for text in generic_inputs(n) + pattern_inputs(pattern, flags, n):
        started = time.perf_counter()
        compiled.findall(text)
        compiled.fullmatch(text)
        took = time.perf_counter() - started
        total += took
        if took > worst:
            worst, worst_input = took, text
        if took > budget:
            break
    return {"name": name, "seconds": round(total, 4), "worst": round(worst, 4),
            "worst_input": (worst_input[:40] + "…") if len(worst_input) > 40 else worst_input}


def main() -> None:
    budget = float(sys.argv[1]) if len(sys.argv) > 1 else float("inf")
    for item in json.load(sys.stdin):
        print(json.dumps({"started": item["name"]}), flush=True)
        print(json.dumps(sweep(item["name"], item["pattern"], item.get("flags", 0), budget=budget)), flush=True)


if __name__ == "__main__":
    main()
