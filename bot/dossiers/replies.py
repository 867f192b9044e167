"""Dossier replies from data/dossiers.yml: the status card and the sentences of the check."""
from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from bot import paths
from bot.answers import Reply, date_vn
from bot.catalog import Catalog
from bot.department import Department
from bot.dossiers.model import FINISHED, STATUSES, Dossier, mask_name
from bot.lexicon import Phrase, Typed, find_phrase, tokens
from bot.text import fold

TEXTS = paths.DOSSIER_TEXTS
# How a follow-up about the result date reads each status.
WITH_RESULT = frozenset({"co_ket_qua", "da_tra_ket_qua"})
CLOSED = frozenset({"tu_choi", "da_rut"})  # ended without a result to hand over
RUNNING = frozenset({"moi_tiep_nhan", "dang_xu_ly"})  # the due date holds; past it, the dossier is late
PAUSED = frozenset({"yeu_cau_bo_sung", "tam_dung"})  # waiting on the citizen or another body


def load_texts(path: Path | None = None) -> dict[str, Any]:
    texts = yaml.safe_load((path or TEXTS).read_text(encoding="utf-8"))
    missing = [s for s in STATUSES if s not in texts.get("statuses", {})]
    if missing:
        raise ValueError(f"{path or TEXTS}: statuses without texts: {', '.join(missing)}")
    return texts


_FACTOR_CHARS = re.compile(r"[\w\s:,.!\-]*")


@dataclass(frozen=True)
class FactorReader:
    """Reads the 4 digits from a (folded) message that says nothing else: the digits once plus
    words from `factor_words` ("4 số cuối là 5678 ạ"). Word-by-word, so its cost is linear in
    the message and never depends on how the filler words combine."""

    phrases: frozenset[tuple[str, ...]]
    longest: int
    max_words: int = 40

    @classmethod
    def from_texts(cls, texts: dict[str, Any]) -> "FactorReader":
        phrases = frozenset(tuple(fold(w).split()) for w in texts.get("factor_words", []) if fold(w).strip())
        return cls(phrases, max((len(p) for p in phrases), default=1))

    def read(self, text: str) -> str | None:
        # NFKC: fullwidth digits ("５６７８") are the ASCII ones; the digits returned are ASCII.
        folded = " ".join(fold(unicodedata.normalize("NFKC", text)).split())
        if not _FACTOR_CHARS.fullmatch(folded):
            return None
        words = re.findall(r"\w+", folded)
        if not words or len(words) > self.max_words:
            return None
        digits = [w for w in words if len(w) == 4 and w.isascii() and w.isdigit()]
        if len(digits) != 1:
            return None
        # reach[i]: words[:i] is the digits plus filler phrases
        reach = [True] + [False] * len(words)
        for i in range(len(words)):
            if not reach[i]:
                continue
            if words[i] == digits[0]:
                reach[i + 1] = True
            for n in range(1, min(self.longest, len(words) - i) + 1):
                if tuple(words[i:i + n]) in self.phrases:
                    reach[i + n] = True
        return digits[0] if reach[-1] else None


@dataclass
class DossierReplies:
    texts: dict[str, Any]
    department: Department
    catalog: Catalog

    def _t(self, key: str, **values: Any) -> str:
        node: Any = self.texts
        for part in key.split("."):
            node = node[part]
        return " ".join(str(node).split()).format(**values) if values else " ".join(str(node).split())

    def _dept(self) -> dict[str, str]:
        d = self.department
        return {"hotline": d.hotline, "centre_name": d.centre_name, "centre_address": d.centre_address,
                "postal_address": d.postal_address, "portal": d.provincial_portal or d.national_portal}

    def simple(self, key: str, **values: Any) -> Reply:
        return Reply(self._t(key, **{**self._dept(), **values}))

    def status(self, dossier: Dossier, today: dt.date) -> Reply:
        info = self.texts["statuses"][dossier.status]
        dept = self._dept()
        procedure = self.catalog.get(dossier.procedure_id)
        name = (procedure.short_name if procedure else dossier.procedure_name) or \
            self._t("status.unknown_procedure", id=dossier.procedure_id)
        lines = [
            self._t("status.title", code=dossier.code),
            self._t("status.procedure", procedure=name),
            self._t("status.applicant", name=mask_name(dossier.applicant_name)),
            self._t("status.received", date=date_vn(dossier.received_at)),
            self._t("status.state", label=info["label"], meaning=info["meaning"]),
        ]
        if dossier.current_step and dossier.status not in FINISHED:
            key = "status.step_unit" if dossier.current_unit else "status.step"
            lines.append(self._t(key, step=dossier.current_step, unit=dossier.current_unit))
        if dossier.status in FINISHED or dossier.status == "co_ket_qua":
            lines.append(self._t("status.due_finished", date=date_vn(dossier.due_at)))
        else:
            lines.append(self._t("status.due", date=date_vn(dossier.due_at), days=self._days(dossier.due_at, today)))
        if dossier.status == "yeu_cau_bo_sung" and dossier.supplement_items:
            lines.append(self._t("status.supplement"))
            lines += [f"• {item}" for item in dossier.supplement_items]
            lines.append(self._t("status.supplement_how", channels=self._supplement_channels(procedure, dept)))
        if dossier.result_ready_at and dossier.status in ("co_ket_qua", "da_tra_ket_qua"):
            lines.append(self._t("status.result_ready", date=date_vn(dossier.result_ready_at)))
        if dossier.status not in ("tu_choi", "da_rut"):
            method = self.texts["return_methods"].get(dossier.return_method, self.texts["return_methods"]["tai_trung_tam"])
            lines.append(self._t("status.return", method=" ".join(method.split()).format(**dept)))
        lines.append(self._t("status.next", next=" ".join(info["next"].split()).format(**dept)))
        return Reply("\n".join(lines))

    # ------------------------------------------------------------------ follow-ups

    def _phrases(self, key: str) -> dict[str, tuple[Phrase, ...]]:
        cached = self.__dict__.setdefault("_phrase_cache", {})
        if key not in cached:
            table = self.texts.get(key) or {}
            if isinstance(table, list):
                table = {key: table}
            cached[key] = {k: tuple(t for p in v if (t := tokens(p))) for k, v in table.items()}
        return cached[key]

    def follow_up_focus(self, typed: list[Typed]) -> set[str]:
        """What a message asks about the dossier under discussion: supplement, due, return, status.
        "Due" is also a time word with a result word anywhere in the message ("bao giờ e lấy
        được": `due_when` + `due_what`)."""
        foci = {k for k, phrases in self._phrases("follow_up_focus").items() if any(find_phrase(typed, p) for p in phrases)}
        if all(any(find_phrase(typed, p) for p in self._phrases(key)[key]) for key in ("due_when", "due_what")):
            foci.add("due")
        return foci

    def about_own_dossier(self, typed: list[Typed]) -> bool:
        """"hồ sơ của tôi đến đâu rồi": the citizen's own dossier, not a procedure in general."""
        if any(find_phrase(typed, p) for p in self._phrases("lookup_words")["lookup_words"]):
            return True
        def has(key: str) -> bool:
            return any(find_phrase(typed, p) for p in self._phrases(key)[key])

        own = has("own_dossier_words") or (has("dossier_words") and has("person_words"))
        return own and bool(self.follow_up_focus(typed))

    def follow_up(self, dossier: Dossier, foci: set[str], today: dt.date, channel: str | None = None) -> Reply:
        """The answer about one aspect of a verified dossier ("khi nào có kết quả" -> its due
        date); `channel` ("post", "online") when the citizen asks whether it can be used."""
        if foci <= {"status"}:
            return self.status(dossier, today)
        dept = self._dept()
        info = self.texts["statuses"][dossier.status]
        procedure = self.catalog.get(dossier.procedure_id)
        name = (procedure.short_name if procedure else dossier.procedure_name) or dossier.procedure_id
        lines = [self._t("follow_up.title", code=dossier.code, procedure=name)]
        status = dossier.status
        has_result = status in WITH_RESULT
        if "supplement" in foci:
            if status == "yeu_cau_bo_sung" and dossier.supplement_items:
                lines.append(self._t("status.supplement"))
                lines += [f"• {item}" for item in dossier.supplement_items]
                how = self._supplement_channels(procedure, dept)
                channels = procedure.channels if procedure else None
                if channel in ("post", "online") and channels is not None:
                    allowed = {c.kind for c in channels.items}
                    key = f"follow_up.supplement_{channel}_{'yes' if channel in allowed else 'no'}"
                    line = self._t(key, how=how)
                    lines.append(f"{line} {self._t('follow_up.uncertain')}" if channels.uncertain else line)
                else:
                    lines.append(self._t("status.supplement_how", channels=how))
            else:
                lines.append(self._t("follow_up.no_supplement"))
        if "due" in foci or ("return" in foci and has_result):
            if has_result:
                ready = " " + self._t("follow_up.ready", date=date_vn(dossier.result_ready_at)) if dossier.result_ready_at else ""
                lines.append(self._t("follow_up.due_finished", ready=ready))
                if status == "co_ket_qua":
                    lines.append(self._t("follow_up.waiting", date=date_vn(dossier.due_at)))
            elif status in CLOSED:
                lines.append(self._t("follow_up.closed", meaning=self._t(f"statuses.{status}.meaning")))
            elif status == "qua_han" or (status in RUNNING and dossier.due_at < today):
                lines.append(self._t("follow_up.overdue", **dept))
            elif status in PAUSED:
                lines.append(self._t("follow_up.due_paused", date=date_vn(dossier.due_at), **dept))
            else:
                lines.append(self._t("follow_up.due", date=date_vn(dossier.due_at), days=self._days(dossier.due_at, today)))
        if ("return" in foci or "due" in foci) and status not in CLOSED:
            method = self.texts["return_methods"].get(dossier.return_method, self.texts["return_methods"]["tai_trung_tam"])
            lines.append(self._t("status.return", method=" ".join(method.split()).format(**dept)))
        lines.append(self._t("follow_up.state", label=info["label"]))
        return Reply("\n".join(lines))

    def _days(self, due: dt.date, today: dt.date) -> str:
        days = (due - today).days
        if days > 0:
            return self._t("status.days_left", days=days)
        if days == 0:
            return self._t("status.due_today")
        return self._t("status.days_overdue", days=-days)

    def _supplement_channels(self, procedure, dept: dict[str, str]) -> str:
        allowed = {c.kind for c in procedure.channels.items} if procedure and procedure.channels else set()
        table = self.texts["supplement_channels"]
        kinds = [k for k in table if not allowed or k in allowed]
        return "; ".join(" ".join(table[k].split()).format(**dept) for k in kinds)
