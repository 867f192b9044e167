"""Word knowledge from data/lexicon.yml: abbreviations, stop words and variant keywords."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import paths
from bot.text import fold, normalize, words

Phrase = tuple[str, ...]  # tokens: with diacritics as written in the lexicon, or folded where said


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
    synonyms: tuple[tuple[Phrase, Phrase], ...] = ()  # everyday phrase -> catalog words, longest first
    submission_focus: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # channel -> folded phrases
    contact_focus: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # detail -> folded phrases
    question_focus: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # facet -> folded phrases
    follow_up_markers: tuple[Phrase, ...] = ()  # folded phrases

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

    def variant(self, dimension: str, value: str) -> VariantValue | None:
        return self.variants.get(dimension, {}).get(value)


def _phrases(items: list[str] | None) -> tuple[Phrase, ...]:
    """Phrases as written (normalized, diacritics kept): a word typed with diacritics must match
    exactly ("rạch" is not "rách"), one typed without matches its folded form."""
    return tuple(t for p in items or [] if (t := tokens(p)))


def _folded_phrases(items: list[str] | None) -> tuple[Phrase, ...]:
    return tuple(tuple(words(p)) for p in items or [] if words(p))


def tokens(text: str) -> Phrase:
    """Normalized words with their diacritics."""
    return tuple(re.findall(r"\w+", normalize(text)))


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
        stop_phrases=tuple(sorted(_folded_phrases(raw.get("stop_phrases")), key=len, reverse=True)),
        stopwords=frozenset(normalize(w) for w in raw.get("stopwords") or []),
        generic_words=frozenset(normalize(w) for w in raw.get("generic_words") or []),
        synonyms=tuple(sorted(((tokens(k), tokens(v)) for k, v in (raw.get("synonyms") or {}).items()
                               if tokens(k) and tokens(v)), key=lambda kv: len(kv[0]), reverse=True)),
        submission_focus={k: _folded_phrases(v) for k, v in (raw.get("submission_focus") or {}).items()},
        contact_focus={k: _folded_phrases(v) for k, v in (raw.get("contact_focus") or {}).items()},
        question_focus={k: _folded_phrases(v) for k, v in (raw.get("question_focus") or {}).items()},
        follow_up_markers=_folded_phrases(raw.get("follow_up_markers")),
        variants=variants,
    )
