"""Which procedure a long description of a situation is about, when no name is given.

    situations = SituationIndex(catalog)
    situations.search("đình làng chúng tôi là di tích cấp tỉnh, mái ngói dột nát..., người
                       đứng ra tu bổ có cần chứng chỉ gì không?")
    # [(tu-bo-di-tich, 15.6), (quang-cao-bang-ron, 7.2), ...]

bot.retrieval matches the names and aliases of procedures and scores the *share* of a message
they explain: right for "phí thẻ hdv quốc tế", too strict for a citizen who tells a whole story
and names nothing ("trường tôi muốn trưng bày tranh của học sinh ở nhà văn hóa, không bán...").
Here every procedure is one document made of its names, aliases and the facts that describe who
and what it is for (applies_to, conditions, documents, result, notes, agency), segmented into
Vietnamese words like bot/facts.py, and the whole message is ranked against them with BM25
(the `bm25s` library): a sum over the words that match, so the story's other words cost
nothing. bot.dialogue uses it only for long messages that retrieval could not place, and answers
only when one procedure clearly leads; otherwise it offers the leading ones as choices.
"""
from __future__ import annotations

import re

import bm25s
import numpy as np

from bot.catalog import Catalog, Procedure
from bot.facts import procedure_facts, segment
from bot.text import clean_input, fold, normalize, words

DESCRIBING = ("applies_to", "conditions", "documents", "result", "notes", "agency")
MAX_COMPOUND = 3
_LETTERS_RE = re.compile(r"[^\w]")


def _accented_words(text: str) -> list[str]:
    """The words of a catalog text as written, with diacritics (normalized)."""
    return [w for w in (_LETTERS_RE.sub("", c) for c in normalize(text).split()) if w and w != fold(w)]


class SituationIndex:
    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        lexicon = catalog.lexicon
        self._expand = lexicon.expand
        self._stop = {fold(w) for w in lexicon.stopwords} | {fold(w) for w in lexicon.generic_words}
        self._procedures: list[Procedure] = list(catalog)
        documents = []
        self._accented: dict[str, set[str]] = {}  # folded syllable -> how the catalog writes it
        for p in self._procedures:
            texts = [p.name, p.short_name, *p.aliases]
            texts += [f.text for f in procedure_facts(p) if f.facet in DESCRIBING]
            documents.append([t for text in texts for t in self._terms(text)])
            for text in texts:
                for word in _accented_words(text):
                    self._accented.setdefault(fold(word), set()).add(word)
        self._compounds = frozenset(t for d in documents for t in d if "_" in t)
        self._bm25 = bm25s.BM25()
        self._bm25.index(documents, show_progress=False)

    def _terms(self, text: str) -> list[str]:
        syllables = [w for w in self._expand(words(text)) if w not in self._stop]
        return syllables + list(segment(text))

    def _words(self, text: str) -> list[str]:
        """Folded words; a word typed with diacritics that the catalog writes otherwise ("Lê",
        a dynasty, is not "lễ") is another word and matches nothing."""
        out = []
        for chunk in normalize(text).split():
            folded = words(chunk)
            word = _LETTERS_RE.sub("", chunk)
            if len(folded) == 1 and word != folded[0] and folded[0] in self._accented \
                    and word not in self._accented[folded[0]]:
                out.append("#")
            else:
                out.extend(folded)
        return out

    def search(self, text: str, limit: int = 4) -> list[tuple[Procedure, float]]:
        """Procedures by how well they fit the description, best first (score > 0 only)."""
        syllables = self._expand(self._words(clean_input(text)))
        terms = [w for w in syllables if w not in self._stop]
        terms += [c for n in range(2, MAX_COMPOUND + 1) for i in range(len(syllables) - n + 1)
                  if (c := "_".join(syllables[i:i + n])) in self._compounds]
        if not terms:
            return []
        scores = self._bm25.get_scores(terms)
        order = np.argsort(-scores, kind="stable")[:limit]
        return [(self._procedures[i], float(scores[i])) for i in order if scores[i] > 0]
