"""Filling one form in the chat, as pure functions over a JSON-serialisable state.

    turn = start(form, known=profile_values)       # first question
    turn = handle(turn.state, "15/3/1990")          # each citizen message
    turn.messages -> [{"text": ..., "buttons": [{"title": ..., "payload": ...}]}]
    turn.status   -> "filling" | "choose_correction" | "confirming" | "consent"
                     | "complete" | "cancelled" | "stopped"

The state is a plain dict (store it in a Rasa slot); nothing is kept in process memory, so any
replica can take the next message. Its shape:

    {"v": 1, "form": "hdv-cap-the", "procedure": "hdv-noi-dia",
     "phase": "filling", "asking": "birth_date",
     "values": {"cccd": "<12 digits>", ...},   # normalised (ISO dates, digit strings, ints)
     "skipped": ["email"], "failures": {"birth_date": 1},
     "prefilled": ["full_name"], "proof_tried": ["birth_date"], "recognised": false,
     "consent": null}

Rules: the bot asks only what is missing; each answer is validated; "sửa ngày sinh" (optionally
"… thành 16/3/1990") corrects a field; "bỏ qua" skips an optional one; "huỷ"/"thôi" cancels and
forgets the values. After 2 failed answers to one question it explains the format with an
example and offers skip (optional) or stop; after 4 it skips an optional field or stops — it
never loops forever. All wording is in data/forms/texts.yml.
"""
from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from rapidfuzz import fuzz

from bot import paths
from bot.department import load_department
from bot.forms import fields as F
from bot.forms.profiles import PROOF_KEYS, mask_shown  # a stored profile is reused only if these match
from bot.forms.templates import FieldSpec, FormView, load_templates, load_texts
from bot.lexicon import load_lexicon
from bot.text import clean_input, fold, normalize
from bot.yesno import read_yes_no

STATE_VERSION = 1
HELP_AFTER = 2  # failed answers before the format is explained and a way out offered
GIVE_UP_AFTER = 4  # failed answers before the field is skipped (optional) or the form stopped
MATCH_THRESHOLD = 80  # rapidfuzz token_set_ratio for "sửa <field name>"
IDENTITY_KEY = "cccd"  # profile key the citizen's profile is stored under
DONE_PHASES = {"complete", "cancelled", "stopped"}

# lookup(cccd, proof) -> the stored profile (profile key -> value) or None
Lookup = Callable[[str, Mapping[str, Any]], "Mapping[str, Any] | None"]


@dataclass
class Turn:
    """What to send back, and the state to keep for the next message."""

    state: dict[str, Any]
    messages: list[dict[str, Any]]

    @property
    def status(self) -> str:
        return self.state["phase"]

    @property
    def done(self) -> bool:
        return self.status in DONE_PHASES


# ---------------------------------------------------------------------------- helpers


def _t(key: str, **values: Any) -> str:
    node: Any = load_texts()["session"]
    for part in key.split("."):
        node = node[part]
    return node.format(**values) if values else node


def _msg(text: str, buttons: list[tuple[str, str]] = ()) -> dict[str, Any]:
    message: dict[str, Any] = {"text": text}
    if buttons:
        message["buttons"] = [{"title": t, "payload": p} for t, p in buttons]
    return message


@functools.lru_cache(maxsize=1)
def _hotline() -> str:
    dept = load_department()
    return dept.hotline + (_t("example_marker") if dept.example else "")


def view(state: Mapping[str, Any]) -> FormView:
    """The form a state is about."""
    return load_templates()[state["form"]].for_procedure(state["procedure"])


def full_label(form: FormView, spec: FieldSpec) -> str:
    """The field's label, with its section when another field has the same label
    ("Điện thoại — Người đại diện theo pháp luật")."""
    if sum(f.label == spec.label for f in form.fields) == 1:
        return spec.label
    section = None
    for f in form.fields:
        section = f.section or section
        if f.key == spec.key:
            break
    return f"{spec.label} — {section}" if section else spec.label


def askable(form: FormView) -> list[FieldSpec]:
    """Fields the citizen answers (not fixed by the procedure), in asking order."""
    return [f for f in form.ask_order() if f.key not in form.variant.fixed]


def _next_field(form: FormView, state: Mapping[str, Any]) -> FieldSpec | None:
    return next((f for f in askable(form) if f.key not in state["values"] and f.key not in state["skipped"]), None)


def _question(form: FormView, spec: FieldSpec, current: Any = None) -> dict[str, Any]:
    text = spec.ask + ("" if spec.required else _t("optional_hint"))
    buttons: list[tuple[str, str]] = []
    if spec.type == "choice":
        buttons = [(o, o) for o in spec.options]
    else:
        text += "\n" + _t("example_hint", example=spec.example)
    if current not in (None, ""):  # as shown in the summary (_shown)
        text += "\n" + _t("current_value", value=current)
    if not spec.required:
        buttons.append((_t("buttons.skip"), _t("buttons.skip")))
    return _msg(text, buttons)


def _matches(text: str, phrases: list[str]) -> bool:
    return text in {normalize(p) for p in phrases}


def _command(message: str, kinds: list[str]) -> str | None:
    """Which steering command (cancel/skip/affirm/agree/disagree) the whole message is, if any.
    Without diacritics, a word that folds like a command of two kinds ("dung": "đúng"/"dừng")
    counts as the first kind in `kinds`."""
    commands = load_texts()["commands"]
    text = normalize(message).strip(" .!?…")
    for candidate in dict.fromkeys([text, _without_particles(text, commands.get("particles", []))]):
        folded = fold(candidate)
        if candidate != folded:  # typed with diacritics: compare exactly
            found = next((k for k in kinds if _matches(candidate, commands[k])), None)
        else:
            found = next((k for k in kinds if folded in {fold(p) for p in commands[k]}), None)
        if found:
            return found
    # Any plain yes or no of the shared vocabulary (bot.yesno: "ừ", "vâng", "dc", "thôi khỏi")
    # answers a yes/no question too; except that "Đồng ý" (the summary's button, tapped twice)
    # is never consent to store the citizen's details.
    answer = read_yes_no(message, _lexicon())
    if answer == "yes":
        yes = next((k for k in kinds if k in ("affirm", "agree")), None)
        if yes == "agree" and fold(text) in {fold(p) for p in commands["affirm"]} - {fold(p) for p in commands["agree"]}:
            return None
        return yes
    if answer == "no" and "disagree" in kinds:
        return "disagree"
    return None


def _lexicon():
    """The lexicon (yes/no words), reloaded when an officer edits lexicon.yml."""
    return _load_lexicon(paths.LEXICON.stat().st_mtime_ns)


@functools.lru_cache(maxsize=1)
def _load_lexicon(version: int):
    return load_lexicon()


def _without_particles(text: str, particles: list[str]) -> str:
    """"thôi huỷ đi ạ" -> "huỷ": the politeness words around a command do not change it."""
    words = text.split()
    accented = text != fold(text)
    same = (lambda w, p: w == normalize(p)) if accented else (lambda w, p: w == fold(p))
    while len(words) > 1 and any(same(words[-1], p) for p in particles):
        words.pop()
    while len(words) > 1 and any(same(words[0], p) for p in particles):
        words.pop(0)
    return " ".join(words)


def _strip_prefix(message: str, prefixes: list[str]) -> str | None:
    """The rest of the message after a correction verb ("sửa", "đổi lại"…), or None. A verb typed
    with diacritics must match exactly: "Đội 5, thôn 3" is an address, not "đổi 5…"."""
    words = normalize(message).split()
    for p in sorted(prefixes, key=len, reverse=True):
        verb = normalize(p).split()
        head = " ".join(words[:len(verb)])
        if head == " ".join(verb) or (head == fold(head) and head == fold(" ".join(verb))):
            return " ".join(words[len(verb):]).strip(" :,-")
    return None


def _field_candidates(form: FormView, name: str) -> list[FieldSpec]:
    """Fields whose label (or type alias) best matches `name`; several when it is ambiguous."""
    aliases = load_texts()["field_aliases"]
    wanted = fold(name)
    scored = []
    for spec in askable(form):
        # without its bracketed remark (labels nest no brackets; [^()] keeps the search linear)
        names = [full_label(form, spec), re.sub(r"\([^()\n]*\)", "", spec.label)]
        if spec.type != "date":
            names += aliases.get(spec.type, [])
        score = max(fuzz.token_set_ratio(wanted, fold(n)) + (1 if fold(n).strip() == wanted else 0) for n in names)
        scored.append((score, spec))
    best = max((s for s, _ in scored), default=0)
    return [spec for s, spec in scored if s == best] if best >= MATCH_THRESHOLD else []


def _separator_re(sep: str) -> re.Pattern[str]:
    """A value separator of texts.yml with the spaces around it. A match starts only where a run
    of spaces starts, so a long run of spaces is not tried again from each of its positions."""
    if sep.isalpha():
        return re.compile(rf"(?<!\s)\s+{re.escape(fold(sep))}\s+")
    return re.compile(rf"(?<!\s)\s*{re.escape(sep)}\s*")


def _split_value(rest: str) -> tuple[str, str | None]:
    """"ngày sinh thành 16/3/1990" (or "ngay sinh thanh …") -> ("ngày sinh", "16/3/1990")."""
    folded = fold(rest)  # same length as `rest` for NFC text, so positions carry over
    for sep in load_texts()["commands"]["value_separators"]:
        m = _separator_re(sep).search(folded) if len(folded) == len(rest) else None
        if m and m.start() > 0 and m.end() < len(rest):
            return rest[:m.start()], rest[m.end():]
    return rest, None


def summary(form: FormView, state: Mapping[str, Any]) -> str:
    """The numbered list of everything entered, for the citizen to check."""
    lines = [_t("summary_title", form=form.name)]
    for i, spec in enumerate((f for f in form.fields if f.key not in form.variant.fixed), 1):
        value = state["values"].get(spec.key)
        shown = _shown(spec, value, state) if value not in (None, "") else _t("summary_blank")
        lines.append(_t("summary_item", number=i, label=full_label(form, spec), value=shown))
    lines.append(_t("summary_question"))
    return "\n".join(lines)


def _shown(spec: FieldSpec, value: Any, state: Mapping[str, Any]) -> str:
    """A value as shown in the chat: filled in from a stored profile, only masked (the whole
    profile is printed on the form, never echoed to whoever proved the CCCD and phone)."""
    if spec.key in state["prefilled"]:
        return mask_shown(F.display(spec, value)) + _t("prefilled_marker")
    return F.display(spec, value)


def _confirm_message(form: FormView, state: Mapping[str, Any]) -> dict[str, Any]:
    return _msg(summary(form, state), [(_t("buttons.confirm"), _t("buttons.confirm")),
                                       (_t("buttons.correct"), _t("buttons.correct")),
                                       (_t("buttons.stop"), _t("buttons.stop"))])


def _advance(form: FormView, state: dict[str, Any], messages: list[dict[str, Any]]) -> Turn:
    """Ask the next missing field, or show the summary when nothing is missing."""
    spec = _next_field(form, state)
    if spec is None:
        state.update(phase="confirming", asking=None)
        messages.append(_confirm_message(form, state))
    else:
        state.update(phase="filling", asking=spec.key)
        messages.append(_question(form, spec))
    return Turn(state, messages)


def _prefill(form: FormView, state: dict[str, Any], known: Mapping[str, Any], today: dt.date | None) -> list[str]:
    """Fill missing fields from profile-keyed values; returns the labels filled."""
    filled = []
    for spec in askable(form):
        if spec.profile and spec.key not in state["values"] and spec.key not in state["skipped"]:
            raw = known.get(spec.profile)
            if raw in (None, ""):
                continue
            check = F.check_field(spec, str(raw), state["values"], today)  # ISO dates are accepted
            if check.ok:
                state["values"][spec.key] = check.value
                state["prefilled"].append(spec.key)
                filled.append(spec.label)
    return filled


def _maybe_recognise(form: FormView, state: dict[str, Any], lookup: Lookup | None,
                     today: dt.date | None, messages: list[dict[str, Any]]) -> None:
    """Once the CCCD and a proof (birth date, phone) are known, reuse a stored profile. Asked
    again when a new proof arrives (a profile with a phone needs the phone: see profiles.py)."""
    if lookup is None or state.get("recognised"):
        return
    by_profile = {f.profile: state["values"][f.key] for f in form.fields if f.profile and f.key in state["values"]}
    proof = {k: by_profile[k] for k in PROOF_KEYS if k in by_profile}
    if IDENTITY_KEY not in by_profile or not proof or sorted(proof) == state.get("proof_tried"):
        return
    state["proof_tried"] = sorted(proof)
    profile = lookup(str(by_profile[IDENTITY_KEY]), proof)
    if profile:
        state["recognised"] = True  # may update the stored profile (profiles.save)
        filled = _prefill(form, state, profile, today)
        if filled:
            messages.append(_msg(_t("recognised", count=len(filled), fields=", ".join(filled))))


def _end(state: dict[str, Any], phase: str, text: str) -> Turn:
    # Cancelled or stopped: forget what was typed, the slot should not keep personal data.
    state.update(phase=phase, asking=None, values={}, skipped=[], failures={}, prefilled=[])
    return Turn(state, [_msg(text)])


# ---------------------------------------------------------------------------- public API


def start(form: FormView, known: Mapping[str, Any] | None = None, today: dt.date | None = None) -> Turn:
    """Begin filling `form`. `known` holds profile-keyed values already known about the citizen
    (e.g. from the dossier store); those fields are not asked again."""
    state: dict[str, Any] = {
        "v": STATE_VERSION, "form": form.id, "procedure": form.procedure_id, "phase": "filling", "asking": None,
        "values": dict(form.variant.fixed), "skipped": [], "failures": {}, "prefilled": [],
        "proof_tried": [], "recognised": False, "consent": None,
    }
    messages = [_msg(_t("start", form=form.name))]
    if known:
        filled = _prefill(form, state, known, today)
        if filled:
            messages.append(_msg(_t("prefilled", count=len(filled), fields=", ".join(filled))))
    return _advance(form, state, messages)


def handle(state: Mapping[str, Any], message: Any, lookup: Lookup | None = None,
           today: dt.date | None = None) -> Turn:
    """One citizen message. `lookup(cccd, proof)` returns a stored profile (see profiles.py)."""
    state = _copy(state)
    if state["phase"] in DONE_PHASES:
        return Turn(state, [])
    form = view(state)
    text = F.ascii_digits(clean_input(message))
    phase = state["phase"]

    if phase == "consent":
        answer = _command(text, ["agree", "disagree", "cancel"])
        if answer == "cancel":
            return _end(state, "cancelled", _t("cancelled"))
        if answer is None:
            return Turn(state, [_msg(_t("consent_again"), _yes_no())])
        state.update(consent=answer == "agree", phase="complete")
        return Turn(state, [_msg(_t("consent_yes" if answer == "agree" else "consent_no")), _msg(_t("complete"))])

    kinds = ["cancel", "skip"] if phase == "filling" else ["affirm", "cancel"]
    command = _command(text, kinds)
    if command == "cancel":
        return _end(state, "cancelled", _t("cancelled"))

    correction = _correction(form, state, text, today)
    if correction is not None:
        return correction

    if command == "affirm":  # confirming, or back from choosing a field to correct
        if _next_field(form, state) is None:
            return _confirmed(form, state)
        return _advance(form, state, [])
    if phase == "confirming":
        return Turn(state, [_msg(_t("confirm_again"))])
    if phase == "choose_correction":
        return Turn(state, [_msg(_t("unknown_field"), _field_buttons(form))])

    spec = form.field(state["asking"])
    if command == "skip":
        if spec.required:
            return Turn(state, [_msg(_t("cannot_skip", label=spec.label))])
        state["skipped"].append(spec.key)
        return _advance(form, state, [_msg(_t("skipped", label=spec.label))])
    return _answer(form, state, spec, text, lookup, today)


def reprompt(state: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The question the form waits on, asked again (after the citizen asked something else)."""
    if state.get("phase") in DONE_PHASES:
        return []
    form = view(state)
    if state["phase"] == "filling" and state.get("asking"):
        spec, value = form.field(state["asking"]), state["values"].get(state["asking"])
        return [_question(form, spec, _shown(spec, value, state) if value not in (None, "") else None)]
    if state["phase"] == "confirming":
        return [_confirm_message(form, state)]
    if state["phase"] == "consent":
        return [_msg(_t("consent_again"), _yes_no())]
    return [_msg(_t("unknown_field"), _field_buttons(form))]


def profile_values(state: Mapping[str, Any]) -> dict[str, Any]:
    """The entered values under their profile keys (what a consenting citizen's profile stores)."""
    form = view(state)
    return {f.profile: state["values"][f.key] for f in form.fields if f.profile and f.key in state["values"]}


# ---------------------------------------------------------------------------- steps


def _copy(state: Mapping[str, Any]) -> dict[str, Any]:
    if state.get("v") != STATE_VERSION:
        raise ValueError("unknown form state version")
    return {**state, "values": dict(state["values"]), "skipped": list(state["skipped"]),
            "failures": dict(state["failures"]), "prefilled": list(state["prefilled"])}


def _yes_no() -> list[tuple[str, str]]:
    return [(_t("buttons.agree"), _t("buttons.agree")), (_t("buttons.disagree"), _t("buttons.disagree"))]


def _field_buttons(form: FormView, specs: list[FieldSpec] | None = None) -> list[tuple[str, str]]:
    return [(full_label(form, f), f"sửa {full_label(form, f)}") for f in (specs or askable(form))]


def _confirmed(form: FormView, state: dict[str, Any]) -> Turn:
    if any(f.profile == IDENTITY_KEY and f.key in state["values"] for f in form.fields):
        state["phase"] = "consent"
        return Turn(state, [_msg(_t("consent_question"), _yes_no())])
    state.update(phase="complete", consent=False)
    return Turn(state, [_msg(_t("complete"))])


def _correction(form: FormView, state: dict[str, Any], text: str, today: dt.date | None) -> Turn | None:
    """"sửa ngày sinh [thành 16/3/1990]": None when the message is not a correction."""
    commands = load_texts()["commands"]
    if state["phase"] == "choose_correction":
        rest = _strip_prefix(text, commands["correct_prefixes"])
        rest = text if rest is None else rest
    else:
        rest = _strip_prefix(text, commands["correct_prefixes"])
        if rest is None:
            return None
        if not rest or _command(text, ["correct_all"]):  # "sửa", "sửa thông tin": which field?
            state["phase"] = "choose_correction"
            return Turn(state, [_msg(_t("ask_which_field"), _field_buttons(form))])
    name, value = _split_value(rest)
    candidates = _field_candidates(form, name) if name else []
    if len(candidates) != 1:
        if state["phase"] == "filling" and not candidates:
            return None  # "Đổi 5, thôn 3…" may just be an answer
        if state["phase"] == "confirming":
            state["phase"] = "choose_correction"
        return Turn(state, [_msg(_t("ask_which_field" if candidates else "unknown_field"),
                                 _field_buttons(form, candidates or None))])
    spec = candidates[0]
    state["failures"].pop(spec.key, None)
    if spec.key in state["skipped"]:
        state["skipped"].remove(spec.key)
    messages = []
    if value is not None:
        check = F.check_field(spec, value, state["values"], today, _after_label(form, spec))
        if check.ok:
            state["values"][spec.key] = check.value
            if spec.key in state["prefilled"]:
                state["prefilled"].remove(spec.key)
            return _advance(form, state, [_msg(_t("saved_correction", label=spec.label))])
        messages.append(_msg(check.error))
    current = state["values"].pop(spec.key, None)
    shown = _shown(spec, current, state) if current not in (None, "") else None
    if spec.key in state["prefilled"]:
        state["prefilled"].remove(spec.key)  # the citizen types it again: shown as typed from now on
    state.update(phase="filling", asking=spec.key)
    return Turn(state, messages + [_question(form, spec, shown)])


def _after_label(form: FormView, spec: FieldSpec) -> str | None:
    return form.field(spec.after).label if spec.after else None


def _answer(form: FormView, state: dict[str, Any], spec: FieldSpec, text: str, lookup: Lookup | None,
            today: dt.date | None) -> Turn:
    check = F.check_field(spec, text, state["values"], today, _after_label(form, spec))
    if check.ok:
        state["values"][spec.key] = check.value
        state["failures"].pop(spec.key, None)
        messages: list[dict[str, Any]] = []
        _maybe_recognise(form, state, lookup, today, messages)
        return _advance(form, state, messages)

    failures = state["failures"][spec.key] = state["failures"].get(spec.key, 0) + 1
    if failures >= GIVE_UP_AFTER:
        if spec.required:
            return _end(state, "stopped", _t("gave_up_required", label=spec.label, hotline=_hotline()))
        state["failures"].pop(spec.key)
        state["skipped"].append(spec.key)
        return _advance(form, state, [_msg(_t("gave_up_optional", label=spec.label))])
    if failures < HELP_AFTER:
        return Turn(state, [_msg(check.error)])
    lines = [_t("help_title", label=spec.label),
             _t("help_format", format=F.format_help(spec.type, spec.options)),
             _t("example_hint", example=spec.example),
             _t("help_options_required", hotline=_hotline()) if spec.required else _t("help_options_optional")]
    buttons = [] if spec.required else [(_t("buttons.skip"), _t("buttons.skip"))]
    buttons.append((_t("buttons.stop"), _t("buttons.stop")))
    return Turn(state, [_msg("\n".join(lines), buttons)])
