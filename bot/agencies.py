"""Procedures of other agencies (data/agencies.yml): who handles what the department does not.

    agencies = load_agencies(lexicon)
    found = agencies.match("làm hộ chiếu ở đâu vậy")   # AgencyMatch(agency=<ho-chieu>, length=2)

A citizen who asks the department's assistant about a passport or a marriage should learn where
to go, not only that the question is out of scope. The table is data: keywords are matched like
the catalog's aliases (a word typed with diacritics must be the same word, one typed without
them matches its unaccented form); the longest keyword found wins.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import paths
from bot.lexicon import Lexicon, Phrase, find_phrase, tokens

AGENCIES = paths.AGENCIES


@dataclass(frozen=True)
class Agency:
    id: str
    name: str
    agency: str
    keywords: tuple[Phrase, ...]
    how: str | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class AgencyMatch:
    agency: Agency
    keyword: Phrase  # the keyword found (as written in the table)

    @property
    def length(self) -> int:
        """Words in the keyword found: longer is surer."""
        return len(self.keyword)


class AgencyTable:
    def __init__(self, agencies: list[Agency], lexicon: Lexicon):
        self.agencies = agencies
        self.lexicon = lexicon

    def match(self, text: str) -> AgencyMatch | None:
        """The agency whose longest keyword the message contains, if any."""
        typed = self.lexicon.typed(text)
        best: AgencyMatch | None = None
        for a in self.agencies:
            for kw in a.keywords:
                if (best is None or len(kw) > best.length) and find_phrase(typed, kw):
                    best = AgencyMatch(a, kw)
        return best


class AgencyError(ValueError):
    pass


def load_agencies(lexicon: Lexicon, path: Path | None = None) -> AgencyTable:
    """Read and check data/agencies.yml; raises AgencyError naming every bad entry."""
    path = path or AGENCIES
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    problems, out, seen = [], [], set()
    for i, entry in enumerate(raw.get("agencies") or []):
        where = f"{path.name}: agencies[{i}]"
        if not isinstance(entry, dict):
            problems.append(f"{where}: must be a mapping")
            continue
        unknown = set(entry) - {"id", "name", "keywords", "agency", "how", "uncertain"}
        if unknown:
            problems.append(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
        missing = [k for k in ("id", "name", "agency", "keywords") if not entry.get(k)]
        if missing:
            problems.append(f"{where}: {', '.join(missing)} required")
            continue
        if entry["id"] in seen:
            problems.append(f"{where}: id {entry['id']!r} used twice")
        seen.add(entry["id"])
        keywords = tuple(t for kw in entry["keywords"] if (t := tokens(str(kw))))
        out.append(Agency(str(entry["id"]), str(entry["name"]), " ".join(str(entry["agency"]).split()), keywords,
                          " ".join(str(entry["how"]).split()) if entry.get("how") else None,
                          entry.get("uncertain") is True))
    if problems:
        raise AgencyError("\n".join(problems))
    return AgencyTable(out, lexicon)
