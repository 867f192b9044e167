"""Word knowledge from data/lexicon.yml: abbreviations, stop words and variant keywords."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from bot import paths
from bot.text import fold, normalize, words

Phrase = tuple[str, ...]  # tokens: with diacritics as written in the lexicon, or folded where said
_TYPED_RE = re.compile(r"\w+(?:[.]\w+)*", re.UNICODE)


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
    department_words: tuple[Phrase, ...] = ()  # "sở", "bộ phận một cửa": the department itself
    question_focus: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # facet -> folded phrases
    follow_up_markers: tuple[Phrase, ...] = ()  # folded phrases
    facet_words: tuple[Phrase, ...] = ()  # folded: words that only say which facet is asked
    detail_synonyms: tuple[tuple[Phrase, tuple[Phrase, ...]], ...] = ()  # a detail in everyday words -> catalog phrases
    catalogue_list: tuple[Phrase, ...] = ()  # "thủ tục nào": a question about the whole catalogue
    catalogue_properties: dict[str, tuple[Phrase, ...]] = field(default_factory=dict)  # in order of precedence
    catalogue_where: tuple[Phrase, ...] = ()  # "ở đâu" beside a list word: where all procedures are submitted
    yes_words: tuple[Phrase, ...] = ()  # whole-message answers to a yes/no question
    no_words: tuple[Phrase, ...] = ()
    yes_no_particles: tuple[Phrase, ...] = ()
    need_words: tuple[Phrase, ...] = ()  # a message describing a need ("muốn", "phải xin")
    advice_words: tuple[Phrase, ...] = ()  # "vì sao hay bị yêu cầu bổ sung"
    legal_value_words: tuple[Phrase, ...] = ()  # "có giá trị như bản giấy không"
    name_phrases: tuple[Phrase, ...] = ()  # folded: parts of procedures' names, not questions

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

    def typed(self, text: str) -> list[Typed]:
        """The words of a message as typed: abbreviations typed without diacritics are expanded
        ("hdv" -> huong dan vien); a word typed with diacritics keeps them, to be read exactly."""
        out: list[Typed] = []
        for raw in _TYPED_RE.findall(normalize(text)):
            folded = fold(raw)
            if folded == raw or folded == raw.replace("đ", "d"):
                out += [Typed(t, None) for t in self.expand([folded])]
            else:
                out.append(Typed(folded, raw))
        return out


@dataclass(frozen=True)
class Typed:
    """One word of a message: folded, and as typed when typed with diacritics."""

    folded: str
    accented: str | None = None


def contains_any(typed: list[Typed], phrases: tuple[Phrase, ...]) -> bool:
    return any(find_phrase(typed, p) for p in phrases)


def find_phrase(typed: list[Typed], phrase: Phrase) -> list[int]:
    """Where `phrase` (as written in the lexicon, with diacritics) occurs in the message: a word
    typed with diacritics must be the same word ("ảnh" is not "anh"), one typed without them
    matches by its folded form."""
    folded = tuple(fold(w) for w in phrase)
    k = len(folded)
    return [i for i in range(len(typed) - k + 1)
            if all(t.folded == f and (t.accented is None or t.accented == w)
                   for t, f, w in zip(typed[i:i + k], folded, phrase))]


def _phrases(items: list[str] | None) -> tuple[Phrase, ...]:
    """Phrases as written (normalized, diacritics kept): a word typed with diacritics must match
    exactly ("rạch" is not "rách"), one typed without matches its folded form."""
    return tuple(t for p in items or [] if (t := tokens(p)))


def _folded_phrases(items: list[str] | None) -> tuple[Phrase, ...]:
    return tuple(tuple(words(p)) for p in items or [] if words(p))


def _synonyms(table: dict | None) -> tuple[tuple[Phrase, Phrase], ...]:
    """(phrase, replacement) token pairs, longest phrase first."""
    pairs = ((tokens(str(k)), tokens(str(v))) for k, v in (table or {}).items())
    return tuple(sorted(((k, v) for k, v in pairs if k and v), key=lambda kv: len(kv[0]), reverse=True))


def _alternatives(table: dict | None) -> tuple[tuple[Phrase, tuple[Phrase, ...]], ...]:
    """(phrase, its alternatives): a value is one phrase or a list of phrases."""
    out = []
    for k, v in (table or {}).items():
        options = tuple(t for x in (v if isinstance(v, list) else [v]) if (t := tokens(str(x))))
        if tokens(str(k)) and options:
            out.append((tokens(str(k)), options))
    return tuple(sorted(out, key=lambda kv: len(kv[0]), reverse=True))


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
        synonyms=_synonyms(raw.get("synonyms")),
        submission_focus={k: _folded_phrases(v) for k, v in (raw.get("submission_focus") or {}).items()},
        contact_focus={k: _folded_phrases(v) for k, v in (raw.get("contact_focus") or {}).items()},
        department_words=_phrases(raw.get("department_words")),
        question_focus={k: _folded_phrases(v) for k, v in (raw.get("question_focus") or {}).items()},
        follow_up_markers=_folded_phrases(raw.get("follow_up_markers")),
        facet_words=_folded_phrases(raw.get("facet_words")),
        detail_synonyms=_alternatives(raw.get("detail_synonyms")),
        catalogue_list=_phrases((raw.get("catalogue") or {}).get("list_words")),
        catalogue_properties={k: _phrases(v) for k, v in ((raw.get("catalogue") or {}).get("properties") or {}).items()},
        catalogue_where=_phrases((raw.get("catalogue") or {}).get("where_words")),
        yes_words=_phrases((raw.get("yes_no") or {}).get("affirm")),
        no_words=_phrases((raw.get("yes_no") or {}).get("deny")),
        yes_no_particles=_phrases((raw.get("yes_no") or {}).get("particles")),
        need_words=_phrases(raw.get("need_words")),
        advice_words=_phrases(raw.get("advice_words")),
        legal_value_words=_phrases(raw.get("legal_value_words")),
        name_phrases=_folded_phrases(raw.get("name_phrases")),
        variants=variants,
    )
