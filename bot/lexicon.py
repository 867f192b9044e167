"""Word knowledge from data/lexicon.yml: abbreviations, stop words and variant keywords."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from bot import paths
from bot.text import fold, normalize, words

Phrase = tuple[str, ...]  # folded tokens


@dataclass(frozen=True)
class VariantValue:
    """One value of a variant dimension, e.g. action=cap-doi ("Cấp đổi")."""

    dimension: str
    value: str
    label: str
    keywords: tuple[Phrase, ...]
    weak_keywords: tuple[Phrase, ...]
    exclusive: bool = False  # stated, it rules out procedures without this value


@dataclass(frozen=True)
class Lexicon:
    abbreviations: dict[str, str]  # short form as typed -> full form with diacritics
    stop_phrases: tuple[Phrase, ...]  # folded, longest first
    stopwords: frozenset[str]  # normalized, with diacritics
    generic_words: frozenset[str]  # normalized, with diacritics
    variants: dict[str, dict[str, VariantValue]]  # dimension -> value -> definition
    synonyms: tuple[tuple[Phrase, Phrase], ...] = ()  # everyday phrase -> catalog words, folded, longest first

    def expand(self, tokens: list[str]) -> list[str]:
        """Replace abbreviation tokens (folded) by the folded tokens of their full form."""
        out: list[str] = []
        for t in tokens:
            full = self._folded_abbreviations.get(t)
            out.extend(full if full else (t,))
        return out

    @property
    def _folded_abbreviations(self) -> dict[str, Phrase]:
        cached = self.__dict__.get("_fa")
        if cached is None:
            cached = {fold(k): tuple(words(v)) for k, v in self.abbreviations.items()}
            object.__setattr__(self, "_fa", cached)
        return cached

    def replace_synonyms(self, tokens: list[str]) -> list[tuple[str, bool]]:
        """(folded token, came from a synonym?) with everyday phrases ("khách tây") replaced by
        the catalog's words ("khách quốc tế"), longest phrase first."""
        out: list[tuple[str, bool]] = []
        i = 0
        while i < len(tokens):
            for phrase, replacement in self.synonyms:
                if tuple(tokens[i:i + len(phrase)]) == phrase:
                    out.extend((t, True) for t in replacement)
                    i += len(phrase)
                    break
            else:
                out.append((tokens[i], False))
                i += 1
        return out

    def variant(self, dimension: str, value: str) -> VariantValue | None:
        return self.variants.get(dimension, {}).get(value)


def _phrases(items: list[str] | None) -> tuple[Phrase, ...]:
    return tuple(tuple(words(p)) for p in items or [] if words(p))


def load_lexicon(path: Path | None = None) -> Lexicon:
    """Read the lexicon file (default: data/lexicon.yml)."""
    raw = yaml.safe_load((path or paths.LEXICON).read_text(encoding="utf-8")) or {}
    variants: dict[str, dict[str, VariantValue]] = {}
    for dim, values in (raw.get("variants") or {}).items():
        variants[dim] = {
            value: VariantValue(
                dimension=dim,
                value=value,
                label=spec["label"],
                keywords=_phrases(spec.get("keywords")),
                weak_keywords=_phrases(spec.get("weak_keywords")),
                exclusive=bool(spec.get("exclusive", False)),
            )
            for value, spec in values.items()
        }
    return Lexicon(
        abbreviations={str(k).lower(): str(v) for k, v in (raw.get("abbreviations") or {}).items()},
        stop_phrases=tuple(sorted(_phrases(raw.get("stop_phrases")), key=len, reverse=True)),
        stopwords=frozenset(normalize(w) for w in raw.get("stopwords") or []),
        generic_words=frozenset(normalize(w) for w in raw.get("generic_words") or []),
        synonyms=tuple(sorted(((tuple(words(k)), tuple(words(v))) for k, v in (raw.get("synonyms") or {}).items()
                               if words(k) and words(v)), key=lambda kv: len(kv[0]), reverse=True)),
        variants=variants,
    )
