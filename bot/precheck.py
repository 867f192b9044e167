"""The pre-submission check: walk a procedure's documents with the citizen before they submit.

    turn = start(procedure, answerer)            # "(1/5) Đơn đề nghị ... Bạn đã có chưa?" + buttons
    turn = handle(turn.state, "có rồi", answerer)  # next document
    ...                                          # at the end: what is missing, what to check, a PDF

Pure logic, no Rasa: the state is a small JSON dict kept in a Rasa slot (`check_state`), so a
citizen continues where they were whatever replica answers. Each answer is "have", "missing" or
"not applicable", read from the buttons' texts, the words of data/replies.yml (`precheck.answers`)
or any yes/no (bot.yesno). The summary lists the missing documents, the catalog's
`common_mistakes` for the procedure (what gets dossiers sent back for bổ sung), the fee and where
to submit, and a printable checklist.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Any, Mapping

from bot.answers import Answerer, Button, Reply
from bot.catalog import Procedure
from bot.intents import check_payload
from bot.lexicon import Typed, contains_any, find_phrase, tokens
from bot.yesno import read_yes_no

HAVE, MISSING, NOT_APPLICABLE = "have", "missing", "na"
ANSWERS = (HAVE, MISSING, NOT_APPLICABLE)
MAX_UNCLEAR = 2  # unclear answers in a row before the check explains itself again with the hotline


@dataclass
class CheckTurn:
    state: dict[str, Any] | None  # None: the check is over (cancelled or impossible); finished: the last state
    replies: list[Reply] = field(default_factory=list)
    unclear: bool = False  # the message was not an answer (it may be a question: see actions/precheck.py)
    finished: bool = False


def _p(answerer: Answerer, key: str, **values: Any) -> str:
    return " ".join(answerer.phrase(f"precheck.{key}", **values).split())


def _document_line(answerer: Answerer, procedure: Procedure, index: int) -> str:
    d = procedure.documents.items[index]
    return answerer.mark(answerer.document_text(d, with_form=False), d.uncertain and not procedure.documents.uncertain)


def _buttons(answerer: Answerer) -> tuple[Button, ...]:
    return tuple(Button(_p(answerer, f"buttons.{a}"), _p(answerer, f"buttons.{a}")) for a in ANSWERS)


def _question(answerer: Answerer, procedure: Procedure, index: int) -> Reply:
    n = len(procedure.documents.items)
    return Reply(_p(answerer, "question", number=index + 1, total=n, document=_document_line(answerer, procedure, index)),
                 _buttons(answerer))


def which(answerer: Answerer) -> Reply:
    """No procedure named or under discussion: which one to check, the popular ones as buttons."""
    catalog = answerer.catalog
    return Reply(_p(answerer, "which"), tuple(Button(p.short_name, check_payload(p.id))
                                              for pid in answerer.department.popular_procedures if (p := catalog.get(pid))))


def start(procedure: Procedure, answerer: Answerer) -> CheckTurn:
    """The first question, or why the check cannot be done (no verified document list)."""
    if procedure.documents is None or not procedure.documents.items:
        return CheckTurn(None, [Reply(_p(answerer, "no_documents", procedure=procedure.short_name,
                                         hotline=answerer.department_value(answerer.department.hotline)))])
    state = {"procedure": procedure.id, "index": 0, "answers": [], "unclear": 0, "documents": _signature(procedure)}
    intro = _p(answerer, "intro", procedure=procedure.short_name, total=len(procedure.documents.items))
    if procedure.documents.uncertain or not procedure.documents.complete:
        intro += " " + _p(answerer, "list_uncertain")
    return CheckTurn(state, [Reply(intro), _question(answerer, procedure, 0)])


def asks_for_a_check(text: str, answerer: Answerer, typed: list[Typed] | None = None) -> bool:
    """Whether a message really asks to check a dossier before submitting ("kiểm tra giúp hồ
    sơ đủ chưa"): a request word and a word about papers (`precheck.request_words`,
    `check_objects`). The model sometimes reads a plain question as one."""
    typed = answerer.catalog.lexicon.typed(text) if typed is None else typed
    words = answerer.replies["precheck"]
    return all(contains_any(typed, tuple(p for w in words[key] if (p := tokens(w))))
               for key in ("request_words", "check_objects"))


def read_answer(text: str, answerer: Answerer) -> str | None:
    """"have", "missing", "na", "cancel" or None."""
    lexicon = answerer.catalog.lexicon
    typed = lexicon.typed(text)
    table = answerer.replies["precheck"]["answers"]
    for kind in ("cancel", NOT_APPLICABLE, MISSING, HAVE):  # "không áp dụng" before "không"
        phrases = [tokens(p) for p in table[kind]]
        if any(len(p) == len(typed) and find_phrase(typed, p) for p in phrases if p):
            return kind
    button = {_p(answerer, f"buttons.{a}").lower(): a for a in ANSWERS}.get(text.strip().lower())
    if button:
        return button
    yes_no = read_yes_no(text, lexicon)
    return {"yes": HAVE, "no": MISSING}.get(yes_no) if yes_no else None


def _signature(procedure: Procedure) -> str:
    """Short digest of the document list: a check started before an officer edited the list
    must not go on with answers that belong to other documents."""
    names = "\n".join(d.name for d in procedure.documents.items) if procedure.documents else ""
    return hashlib.sha256(names.encode("utf-8")).hexdigest()[:12]


def _checked(state: Any, answerer: Answerer) -> tuple[Procedure, int] | None:
    """The procedure and position of a state as the check left it, or None when the slot holds
    something else (edited, from an older version, or the catalog changed under the check)."""
    if not isinstance(state, Mapping):
        return None
    procedure = answerer.catalog.get(str(state.get("procedure")))
    index, answers = state.get("index"), state.get("answers")
    if procedure is None or procedure.documents is None or state.get("documents") != _signature(procedure):
        return None
    if not isinstance(index, int) or not 0 <= index < len(procedure.documents.items):
        return None
    if not isinstance(answers, list) or len(answers) != index or any(a not in ANSWERS for a in answers):
        return None
    if not isinstance(state.get("unclear", 0), int):
        return None
    return procedure, index


def reprompt(state: Mapping[str, Any], answerer: Answerer) -> list[Reply]:
    """The question the check is waiting on (after the citizen asked something else)."""
    checked = _checked(state, answerer)
    return [_question(answerer, *checked)] if checked else [Reply(_p(answerer, "lost"))]


def handle(state: Mapping[str, Any], text: str, answerer: Answerer) -> CheckTurn:
    """One message while the check is open."""
    checked = _checked(state, answerer)
    if checked is None:
        return CheckTurn(None, [Reply(_p(answerer, "lost"))])
    procedure, index = checked
    answer = read_answer(text, answerer)
    if answer == "cancel":
        return CheckTurn(None, [Reply(_p(answerer, "cancelled"))])
    if answer is None:
        unclear = int(state.get("unclear", 0)) + 1
        hint = _p(answerer, "unclear_again" if unclear >= MAX_UNCLEAR else "unclear",
                  hotline=answerer.department_value(answerer.department.hotline))
        return CheckTurn({**state, "unclear": unclear}, [Reply(hint), _question(answerer, procedure, index)],
                         unclear=True)
    answers = list(state.get("answers") or []) + [answer]
    if index + 1 < len(procedure.documents.items):
        return CheckTurn({**state, "index": index + 1, "answers": answers, "unclear": 0},
                         [_question(answerer, procedure, index + 1)])
    return CheckTurn({**state, "answers": answers}, summary(procedure, answers, answerer), finished=True)


def checklist_lines(procedure: Procedure, answers: list[str], answerer: Answerer) -> list[str]:
    """The printable checklist: every document with its answer, then the points to check."""
    marks = {HAVE: "[x]", MISSING: "[ ]", NOT_APPLICABLE: "[-]"}
    lines = [f"{marks.get(a, '[ ]')} {i + 1}. {_document_line(answerer, procedure, i)}" for i, a in enumerate(answers)]
    if procedure.common_mistakes:
        lines.append(_p(answerer, "mistakes_title"))
        lines += [f"- {answerer.mark(m.text, m.uncertain)}" for m in procedure.common_mistakes]
    return lines


def summary(procedure: Procedure, answers: list[str], answerer: Answerer) -> list[Reply]:
    """What the citizen has, what is missing, what to check, and where to submit."""
    total = len(answers)
    have = [i for i, a in enumerate(answers) if a == HAVE]
    missing = [i for i, a in enumerate(answers) if a == MISSING]
    lines = [_p(answerer, "summary_title", procedure=procedure.short_name),
             _p(answerer, "summary_have", have=len(have), total=total - answers.count(NOT_APPLICABLE))]
    if missing:
        lines.append(_p(answerer, "summary_missing"))
        lines += [f"• {_document_line(answerer, procedure, i)}" for i in missing]
    else:
        lines.append(_p(answerer, "summary_complete"))
    if procedure.common_mistakes:
        lines.append(_p(answerer, "mistakes_title"))
        lines += [f"• {answerer.mark(m.text, m.uncertain)}" for m in procedure.common_mistakes]
    fees = answerer.short_fees(procedure)
    if fees:
        lines.append(_p(answerer, "fees", fees=fees))
    if procedure.channels:
        kinds = ", ".join(dict.fromkeys(answerer.phrase(f"submission.kinds.{c.kind}").lower()
                                        for c in procedure.channels.items))
        lines.append(_p(answerer, "where", kinds=answerer.mark(kinds, procedure.channels.uncertain)))
    if procedure.documents.uncertain or not procedure.documents.complete:
        lines.append(_p(answerer, "list_uncertain"))
    return [Reply("\n".join(lines))]


def printable(procedure: Procedure, answers: list[str], answerer: Answerer, on) -> tuple[str, bytes]:
    """(file name, PDF bytes) of the checklist to print and tick."""
    from bot.answers import date_vn
    from bot.forms.render_pdf import render_list_pdf

    pdf = render_list_pdf(_p(answerer, "printable_title"),
                          _p(answerer, "printable_subtitle", procedure=procedure.short_name, date=date_vn(on)),
                          checklist_lines(procedure, answers, answerer), _p(answerer, "printable_note"))
    return f"kiem-tra-ho-so-{procedure.id}.pdf", pdf
