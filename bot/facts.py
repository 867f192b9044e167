"""Detail questions answered from single facts of the catalog, ranked with BM25.

    index = FactIndex(catalog)
    found = index.search("phòng hát phải rộng bao nhiêu", procedure="karaoke")
    found.confident, found.hits[0].fact.text   # True, "Phòng hát có diện tích từ 20 m² trở lên ..."

The facet intents answer the usual questions (documents, fees, time...). Citizens also ask
about one detail that no intent names: a room's size, the deposit, a photo's size, how long a
re-issued card is valid, which standard a hotel is assessed against. Every procedure is cut into
single facts (one document line, one condition, one fee line, one note...), and a question is
matched against them:

1. Words. Facts are segmented into Vietnamese words with pyvi ("diện_tích", "ký_quỹ"); all
   matching is on folded text (no diacritics), so a message typed without diacritics is
   segmented by looking its adjacent syllables up among those words. Every syllable is a term
   too, so a word pyvi did not join still counts.
2. The question's words are expanded with the lexicon: abbreviations ("hdv"), everyday synonyms
   ("quán hát" -> karaoke) and `detail_synonyms` ("rộng" -> "diện tích", "cọc" -> "ký quỹ").
3. Ranking is BM25 (the `bm25s` library) over all facts of the catalog.
4. Confidence is not BM25's score (it has no scale) but how much of what the question asks the
   best fact explains: the IDF-weighted share of the question's *informative* terms it
   contains. Informative terms are what is left after stop words, the words that say which
   facet is asked ("phí", "hồ sơ", "bao lâu") and the words naming the procedure itself.
   A question with no informative term is a facet question, not a detail question.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Iterator

import bm25s
import numpy as np

from bot.catalog import Catalog, Procedure
from bot.lexicon import Lexicon, find_phrase
from bot.text import clean_input, fold, normalize, phrase_positions as _positions, words

MAX_COMPOUND = 4  # syllables in the longest word looked up in a question
CONFIDENT = 0.6  # share of the question's informative weight a fact must explain
MIN_WEIGHT = 3.5  # informative IDF mass a confident match needs (one rare word, or two common ones)
RECENT_SEARCHES = 64  # questions whose answers FactIndex.search keeps
SECOND_HIT = 0.85  # a second fact is shown when it explains nearly as much as the best one
_DIGIT_RE = re.compile(r"\d")

RESULT_PHRASES = (("ket", "qua"), ("nhan", "ket", "qua"))  # "when is the result ready": no detail of its own


@dataclass(frozen=True)
class FactEntry:
    """One fact of one procedure. `facet` says which answer it belongs to; `source` is the
    catalog object (a Document, Fee, Channel or Fact) so answers can render it their way."""

    procedure_id: str
    facet: str
    text: str
    uncertain: bool
    source: Any


@dataclass(frozen=True)
class FactHit:
    fact: FactEntry
    score: float  # BM25
    coverage: float  # share of the question's informative weight this fact explains
    weight: float  # informative IDF mass it explains


@dataclass(frozen=True)
class FactSearch:
    hits: tuple[FactHit, ...] = ()
    informative: tuple[str, ...] = ()  # the question's informative terms
    informative_weight: float = 0.0

    @property
    def confident(self) -> bool:
        return bool(self.hits) and self.hits[0].coverage >= CONFIDENT and self.hits[0].weight >= MIN_WEIGHT

    @property
    def best(self) -> FactHit | None:
        return self.hits[0] if self.hits else None

    def shown(self) -> list[FactHit]:
        """The facts worth showing: the best one, and the next when it is about as good."""
        if not self.confident:
            return []
        best = self.hits[0]
        return [best] + [h for h in self.hits[1:2] if h.coverage >= best.coverage * SECOND_HIT
                         and h.fact.procedure_id == best.fact.procedure_id]


def procedure_facts(p: Procedure) -> Iterator[FactEntry]:
    """Every fact of a procedure, one per document line, condition, fee, channel, note..."""
    def entry(facet: str, text: str | None, uncertain: bool, source: Any) -> Iterator[FactEntry]:
        if text:
            yield FactEntry(p.id, facet, text, uncertain, source)

    if normalize(p.level) != "cấp tỉnh":  # "Cấp tỉnh (hạng 4 sao, 5 sao do cơ quan du lịch trung ương...)"
        yield from entry("level", p.level, False, p.level)
    if p.agency:
        yield from entry("agency", p.agency.text, p.agency.uncertain, p.agency)
    if p.applies_to:
        yield from entry("applies_to", p.applies_to.text, p.applies_to.uncertain, p.applies_to)
    if p.documents:
        for d in p.documents.items:
            yield from entry("documents", d.name + (f" ({d.form})" if d.form else ""),
                             d.uncertain or p.documents.uncertain, d)
        if p.documents.note:
            yield from entry("documents_note", p.documents.note, p.documents.uncertain, p.documents)
    if p.processing_time:
        t = p.processing_time
        yield from entry("processing_time", t.text + (f". {t.note}" if t.note else ""), t.uncertain, t)
    if p.fees:
        for f in p.fees.items:
            amount = f"{f.amount} đồng" if f.amount is not None else ""
            text = " ".join(x for x in (f.name, amount, f.unit or "", f.condition or "", f.text or "") if x)
            yield from entry("fees", text, f.uncertain or p.fees.uncertain, f)
        if p.fees.note:
            yield from entry("fees_note", p.fees.note, p.fees.uncertain, p.fees)
    if p.channels:
        for c in p.channels.items:
            yield from entry("submission", c.text, c.uncertain or p.channels.uncertain, c)
        if p.channels.note:
            yield from entry("submission_note", p.channels.note, p.channels.uncertain, p.channels)
    if p.result:
        yield from entry("result", p.result.text, p.result.uncertain, p.result)
    if p.conditions:
        for c in p.conditions.items:
            yield from entry("conditions", c.text + (f". {c.note}" if c.note else ""),
                             c.uncertain or p.conditions.uncertain, c)
        if p.conditions.note:
            yield from entry("conditions_note", p.conditions.note, p.conditions.uncertain, p.conditions)
    if p.forms:
        for f in p.forms.items:
            yield from entry("forms", f.name + (f" — {f.ref}" if f.ref else ""), f.uncertain or p.forms.uncertain, f)
    if p.lien_thong:
        yield from entry("lien_thong", p.lien_thong.text, p.lien_thong.uncertain, p.lien_thong)
    for group, facts in (("related", p.related), ("notes", p.notes)):
        for f in facts:
            yield from entry(group, f.text, f.uncertain, f)
    for m in p.common_mistakes:
        yield from entry("common_mistakes", m.text, m.uncertain, m)


@lru_cache(maxsize=4096)
def segment(text: str) -> tuple[str, ...]:
    """pyvi's words of an accented text, folded, multi-syllable ones only ("dien_tich")."""
    from pyvi import ViTokenizer

    return tuple(w for w in (fold(t) for t in ViTokenizer.tokenize(text).split()) if "_" in w)


class FactIndex:
    def __init__(self, catalog: Catalog, document_kinds: dict[str, str] | None = None,
                 labels: dict[str, str] | None = None):
        """document_kinds: the words for a document's kind ("bản sao có chứng thực"), so that
        "có cần công chứng không" finds the documents that must be certified copies. labels:
        the words naming each kind of fact ("Kết quả", "Cơ quan giải quyết"), indexed with it, so
        that "kết quả là giấy gì" finds the result."""
        self.catalog = catalog
        self.lexicon: Lexicon = catalog.lexicon
        self.facts: list[FactEntry] = [f for p in catalog for f in procedure_facts(p)]
        self._recent = lru_cache(maxsize=RECENT_SEARCHES)(self._search)  # thread-safe, per index
        kinds, labels = document_kinds or {}, labels or {}

        def indexed(f: FactEntry) -> str:
            kind = f" {kinds.get(f.source.kind, '')}" if f.facet == "documents" and f.source.kind else ""
            return f"{labels.get(f.facet, '')} {f.text}{kind}"

        documents = [self._fact_terms(indexed(f)) for f in self.facts]
        self._compounds = frozenset(t for d in documents for t in d if "_" in t)
        n = len(documents)
        df: dict[str, int] = {}
        for d in documents:
            for t in set(d):
                df[t] = df.get(t, 0) + 1
        self._idf = {t: math.log(1 + (n - c + 0.5) / (c + 0.5)) for t, c in df.items()}
        self._bm25 = bm25s.BM25()
        self._bm25.index(documents, show_progress=False)
        self._terms = [frozenset(d) for d in documents]
        rows: dict[str, list[int]] = {}
        for i, f in enumerate(self.facts):
            rows.setdefault(f.procedure_id, []).append(i)
        self._rows = {k: np.array(v) for k, v in rows.items()}
        self._all_rows = np.arange(len(self.facts))
        lexicon = self.lexicon
        # Action keywords ("mất thẻ", "thêm phòng") say which variant, not which detail; the
        # other dimensions' keywords often are the detail ("ielts", "treo").
        variant_phrases = [tuple(fold(w) for w in kw) for v in lexicon.variants.get("action", {}).values()
                           for kw in v.keywords]
        # Conditions' and authority's focus words ("diện tích", "khoảng cách", "ra quyết định")
        # are details; the other facets' focus words only say which facet is asked.
        focus = [p for table in (lexicon.submission_focus, lexicon.contact_focus) for ps in table.values() for p in ps]
        focus += [p for name, ps in lexicon.question_focus.items() if name not in ("conditions", "authority") for p in ps]
        # "Thủ tục nào nộp qua bưu điện", "kết quả": which channel or property is asked, no detail.
        focus += [tuple(fold(w) for w in p) for ps in lexicon.catalogue_properties.values() for p in ps]
        focus += list(RESULT_PHRASES)
        self._dull_phrases = sorted(set(lexicon.facet_words) | set(variant_phrases) | set(focus), key=len, reverse=True)
        self._stop = lexicon.stopwords | lexicon.generic_words
        self._stop_folded = frozenset(fold(w) for w in self._stop)
        # Words naming any variant of a procedure's group ("nội địa", "tại điểm") say which
        # procedure is meant, not which detail.
        own = {p.id: frozenset(w for a in (p.name, p.short_name) for w in words(a)) for p in catalog}
        self._naming = {p.id: own[p.id].union(*(own[m.id] for m in catalog.group(p.group))) if p.group else own[p.id]
                        for p in catalog}

    # ------------------------------------------------------------------ terms

    @staticmethod
    def _fact_terms(text: str) -> list[str]:
        return words(text) + list(segment(text))

    def _concepts(self, text: str, naming: frozenset[str]) -> list[_Concept]:
        """What the question asks, as concepts: each informative word (or catalog word made of
        adjacent syllables), with the catalog's words that synonyms give for it.

        A syllable is dull when it only says which facet or variant is asked (data/lexicon.yml:
        facet_words, the focus lists, action keywords), is a stop word, names the procedure
        itself, or is a number. A word typed with diacritics is read exactly ("ảnh" is not the
        stop word "anh"); one typed without them by its folded form. A synonym ("rộng" ->
        "diện tích") adds alternatives to the words it covers: the concept is explained by a
        fact that holds the word or any alternative, so a synonym never lowers confidence."""
        typed = self.lexicon.typed(text)
        syllables = [t.folded for t in typed]
        plain = [not (t.accented in self._stop if t.accented else t.folded in self._stop_folded)
                 and t.folded not in naming and not t.folded.isdigit() for t in typed]
        for phrase in self._dull_phrases:
            for i in _positions(syllables, phrase):
                plain[i:i + len(phrase)] = [False] * len(phrase)
        said = list(plain)  # plain in the message itself (a synonym may make more positions count)
        alternatives: list[set[tuple[str, ...]]] = [set() for _ in typed]
        # Only the detail synonyms: the lexicon's other synonyms turn everyday words into the
        # procedures' names ("3 sao" -> "xếp hạng"), which say which procedure, not which detail.
        for phrase, options in self.lexicon.detail_synonyms:
            # Each alternative is a phrase: it counts when all its words are there ("chứng
            # thực", not any "chứng"); words the catalog never uses are left out of it. The
            # procedure's name may be part of one ("hộ kinh doanh" for the travel licence).
            added = {words_ for option in options
                     if (words_ := tuple(w for w in (fold(x) for x in option) if w in self._idf))}
            if added:
                for start in find_phrase(typed, phrase):
                    for i in range(start, start + len(phrase)):
                        alternatives[i] |= added
                        plain[i] = plain[i] or bool(added)  # "cỡ ảnh": the synonym makes it a detail
        concepts = []
        for i, s in enumerate(syllables):
            if plain[i] and (s in self._idf or alternatives[i]):
                concepts.append(_Concept(s if s in self._idf and said[i] else None, frozenset(alternatives[i])))
        for n in range(2, MAX_COMPOUND + 1):
            for i in range(len(syllables) - n + 1):
                c = "_".join(syllables[i:i + n])
                if c in self._compounds and any(said[i:i + n]):
                    concepts.append(_Concept(c, frozenset(a for j in range(i, i + n) for a in alternatives[j])))
        return list(dict.fromkeys(concepts))

    def _weight(self, c: "_Concept") -> float:
        own = self._idf[c.term] if c.term else 0.0
        options = [sum(self._idf[w] for w in a) for a in c.alternatives]
        return max(own, min(options)) if options else own

    def mentions(self, procedure_id: str, phrase) -> bool:
        """Whether one of the procedure's facts contains `phrase` (words with diacritics, as in
        the lexicon; compared without them): "hộ kinh doanh" in the travel licence's conditions."""
        folded = [fold(w) for w in phrase]
        return any(_positions(words(self.facts[i].text), tuple(folded)) for i in self._rows.get(procedure_id, ()))

    # ------------------------------------------------------------------ search

    def search(self, text: str, procedure: str | None = None, limit: int = 5) -> FactSearch:
        """The facts that answer `text`, best first; within one procedure when given. The
        dialogue asks the same question of the same procedure from several rules in one turn:
        answers are kept for the last few questions (the index never changes once built)."""
        return self._recent(clean_input(text), procedure, limit)

    def _search(self, text: str, procedure: str | None, limit: int) -> FactSearch:
        naming = self._naming.get(procedure, frozenset()) if procedure else frozenset()
        concepts = self._concepts(text, naming)
        weights = [self._weight(c) for c in concepts]
        weight = sum(weights)
        terms = list(dict.fromkeys(t for c in concepts
                                   for t in ((c.term,) if c.term else ()) + tuple(w for a in c.alternatives for w in a)))
        rows = self._rows.get(procedure) if procedure is not None else self._all_rows
        if not terms or rows is None or weight <= 0:
            return FactSearch((), tuple(terms), weight)
        scores = self._bm25.get_scores(terms)
        order = rows[np.argsort(-scores[rows], kind="stable")][: max(limit * 3, 10)]
        folded = " ".join(words(text))
        asks_amount = any(f" {w} " in f" {folded} " for w in _AMOUNT_WORDS)
        hits = []
        for i in order:
            if scores[i] <= 0:
                break
            held = self._terms[i]
            explained = sum(w for c, w in zip(concepts, weights)
                            if c.term in held or any(held.issuperset(a) for a in c.alternatives))
            hits.append(FactHit(self.facts[i], float(scores[i]), explained / weight, explained))
        # Among facts explaining about as much, one with a number answers "bao nhiêu" better.
        # The catalog's own facts before the derived "points to check" that repeat them.
        hits.sort(key=lambda h: (-round(h.coverage, 1), -(asks_amount and bool(_DIGIT_RE.search(h.fact.text))),
                                 h.fact.facet == "common_mistakes", -h.score))
        return FactSearch(tuple(hits[:limit]), tuple(terms), weight)


@dataclass(frozen=True)
class _Concept:
    term: str | None  # the question's word (folded; "_" joins a multi-syllable one), if the catalog uses it
    alternatives: frozenset[tuple[str, ...]] = frozenset()  # the catalog's words synonyms give for it


# Folded words that ask "how much / how many / how big" (a number answers them).
_AMOUNT_WORDS = ("bao nhieu", "bn", "bnhieu", "may", "toi thieu", "toi da", "rong", "bao xa", "kich thuoc")
