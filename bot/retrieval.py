"""Find the procedure a citizen means, from free text, without any trained model.

    index = ProcedureIndex(catalog)
    match = index.search("lm thẻ hdv nội địa cần j")   # Match(kind="found", procedures=(hdv-noi-dia,))

How it works (matching is on folded text, so case, diacritics and tone placement don't matter):
1. The message is cut into words; abbreviations are expanded ("hdv" -> "huong dan vien"); stop
   phrases and stop words ("thủ tục", "bao nhiêu", "cho hỏi") are dropped; a word typed without
   diacritics that the catalog does not know is corrected to a close catalog word (typos).
2. Each procedure is scored by how much of the message its name, aliases and variant keywords
   explain, every word weighted by its rarity across procedures (IDF), plus a small bonus for
   covering one alias. A word typed with diacritics counts fully only where the catalog writes
   it the same way ("lái" is not "lại"). Generic action words ("cấp lại", "thu hồi") count
   little here: they tell variants apart, not topics. A syllable next to a word the catalog
   does not know counts half ("hộ" in "hộ chiếu" is not "căn hộ").
3. If the best candidates belong to one `group`, the variant keywords of data/lexicon.yml decide
   between its members (see `_resolve_group`); what the message leaves open is taken from the
   procedure under discussion, else the first-issue variant is answered with the others offered,
   else the citizen chooses.
"""
from __future__ import annotations

import functools
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Iterable, Literal

from rapidfuzz import fuzz, process

from bot.catalog import Catalog, Procedure
from bot.lexicon import Phrase
from bot.text import clean_input, fold, normalize, phrase_positions, untone

MatchKind = Literal["found", "ambiguous", "weak", "none"]

# A score is in [0, 1]: 0.85 x the IDF-weighted share of the message a procedure explains,
# plus 0.15 x the share of its best alias that the message covers.
FOUND_SCORE = 0.6
WEAK_SCORE = 0.4
FOUND_WEIGHT = 2.5  # IDF mass a match needs to be trusted (one rare word, or two common ones)
WEAK_WEIGHT = 1.5
STRONG_WEIGHT = 8.0  # IDF mass trusted even when the message also says other things
TIE_MARGIN = 0.08  # candidates this close to the best one are "the same" to the citizen
MAX_CHOICES = 5
LOW_SCORE_SHARE = 0.5  # a group member scoring under half the best one is not offered
DEFAULT_ACTION = "cap-moi"  # answered when a question about a group states no action
UNKNOWN_WEIGHT = 1.0  # IDF given to a message word the catalog never uses
# ... typed without diacritics: often a chat filler the stop list lacks ("chao", "het", "thi tran")
UNKNOWN_CHAT = 0.5
ACCENT_MISMATCH = 0.3  # share of a word's weight when only its unaccented form matches
AMBIGUOUS_STOP = 0.5  # share for a word typed without diacritics that may be a filler ("the")
ACTION_WORD = 0.3  # share for action keywords ("cấp lại") and generic words ("gửi") in topic scoring
ISOLATED = 0.5  # share for a syllable next to a word the catalog does not know
TYPO_MIN_LEN = 4
TYPO_SCORE = 75

_TOKEN_RE = re.compile(r"\w+(?:[.]\w+)*", re.UNICODE)
_CODE_RE = re.compile(r"\b[12]\.\d{6}\b")
_VOWELS = re.compile(r"[aeiouy]")


@dataclass(frozen=True)
class Match:
    kind: MatchKind
    procedures: tuple[Procedure, ...] = ()
    scores: tuple[float, ...] = ()
    variant_mismatch: bool = False  # the message asked for a variant no procedure has
    unknown_words: tuple[str, ...] = ()  # content words the catalog never uses ("hộ chiếu")
    other_subject: float = 0.0  # evidence that the message is about something else (>= 1: likely)
    alternatives: tuple[Procedure, ...] = ()  # with "found": other variants worth offering
    mass: float = 0.0  # IDF mass of the message words the best candidate explains (its evidence)

    @property
    def best(self) -> Procedure | None:
        return self.procedures[0] if self.procedures else None


@dataclass(frozen=True)
class _Word:
    folded: str
    accented: str | None  # as typed, when typed with diacritics
    stop: bool  # typed with diacritics and in the stop-word list


@dataclass(frozen=True)
class _Token:
    folded: str
    accented: str | None
    weight: float = 1.0


@dataclass(frozen=True)
class _Entry:
    procedure: Procedure
    aliases: tuple[frozenset[str], ...]  # folded tokens per alias
    vocabulary: frozenset[str]  # folded
    accented: frozenset[str]  # the same words as the catalog writes them
    pairs: frozenset[tuple[str, str]] = frozenset()  # adjacent folded words of its names and aliases


@dataclass(frozen=True)
class _Scored:
    score: float
    mass: float  # IDF mass of the message words this procedure explains
    top_word: str  # the most telling message word it explains


class ProcedureIndex:
    def __init__(self, catalog: Catalog, question_words: Iterable[str] = ()):
        """question_words: words used to ask rather than to name a subject ("bao giờ",
        "bưu điện"; see bot.nlu_data.question_words), written with diacritics; those the
        catalog never uses are ignored like stop words."""
        self.catalog = catalog
        self.lexicon = catalog.lexicon
        self._stop_folded = {fold(w) for w in self.lexicon.stopwords}
        self._abbreviation_keys = {fold(k) for k in self.lexicon.abbreviations}
        # Words naming a channel or a detail of the department ("bưu điện", "trực tiếp") say how
        # or where, not which procedure.
        focus = [p for table in (self.lexicon.submission_focus, self.lexicon.contact_focus) for ps in table.values() for p in ps]
        self._stop_phrases = sorted(set(self.lexicon.stop_phrases) | set(focus))
        self._generic = self.lexicon.generic_words
        self._generic_folded = {fold(w) for w in self._generic}
        action = self.lexicon.variants.get("action", {})
        self._action_phrases = sorted((kw for spec in action.values() if spec.exclusive for kw in spec.keywords),
                                      key=len, reverse=True)
        entries = []
        for p in catalog:
            alias_tokens = [self._alias_tokens(a) for a in (p.name, p.short_name, *p.aliases)]
            aliases = tuple(frozenset(t.folded for t in a) for a in alias_tokens if a)
            accented = frozenset(t.accented for a in alias_tokens for t in a if t.accented)
            pairs = frozenset((a[i].folded, a[i + 1].folded) for a in alias_tokens for i in range(len(a) - 1))
            entries.append(_Entry(p, aliases, frozenset().union(*aliases), accented, pairs))
        self._entries = entries
        self._entry = {e.procedure.id: e for e in entries}
        self._accented = frozenset().union(*(e.accented for e in entries))
        df: dict[str, int] = {}
        for e in entries:
            for t in e.vocabulary:
                df[t] = df.get(t, 0) + 1
        n = max(len(entries), 1)
        self._idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self._by_initial: dict[str, list[str]] = {}
        for t in sorted(self._idf):
            self._by_initial.setdefault(t[0], []).append(t)
        # Folded stop words that are also catalog words ("anh" = anh/ảnh, "co" = có/cổ) stay
        # meaningful when typed without diacritics.
        self._ambiguous_stop = self._stop_folded & set(self._idf)
        question = {normalize(w) for w in question_words}
        self._question_accented = frozenset(question - self._accented)
        self._question_folded = frozenset(fold(w) for w in question) - set(self._idf)
        # Words used to ask questions that the catalog has only in descriptive aliases ("mang",
        # "trước") are weak evidence: "cần mang bản gốc không?" is not about the alias
        # "mang tranh từ nước ngoài về". Words of the official and short names keep full weight.
        names = {t.folded for p in catalog for a in (p.name, p.short_name) for t in self._alias_tokens(a)}
        self._asking_accented = frozenset(w for w in question if fold(w) not in names)
        self._asking_folded = frozenset(fold(w) for w in self._asking_accented)
        self._by_code = {p.code: p for p in catalog if p.code}

    # ------------------------------------------------------------------ words and tokens

    def _words(self, text: str, synonyms: bool = True) -> list[_Word]:
        out: list[_Word] = []
        for raw in _TOKEN_RE.findall(normalize(text)):
            folded = fold(raw)
            if folded == raw or folded == raw.replace("đ", "d") and (folded in self._abbreviation_keys
                                                                      or not _VOWELS.search(folded)):
                # Typed without diacritics, or a chat abbreviation ("đc", "đkkd", "đk").
                out.extend(_Word(t, None, False) for t in self.lexicon.expand([folded]))
            else:  # typed with diacritics: the stop list can be read exactly
                out.append(_Word(folded, raw, raw in self.lexicon.stopwords))
        if not synonyms or not self.lexicon.synonyms:
            return out
        # Everyday phrases become the catalog's words, as if the citizen had typed those.
        replaced, i = [], 0
        while i < len(out):
            for phrase, replacement in self.lexicon.synonyms:
                if _matches_at(out, i, phrase):
                    replaced += [self._lexicon_word(t) for t in replacement]
                    i += len(phrase)
                    break
            else:
                replaced.append(out[i])
                i += 1
        return replaced

    def _lexicon_word(self, token: str) -> _Word:
        folded = fold(token)
        return _Word(folded, token if folded != token else None, token in self.lexicon.stopwords)

    def _content(self, words: list[_Word], is_stop) -> list[tuple[int, _Word]]:
        """(position, word) of the words left after stop phrases and stop words."""
        folded = [w.folded for w in words]
        keep = [True] * len(words)
        for phrase in self._stop_phrases:  # overlapping phrases all apply ("qua bưu" + "bưu điện")
            for i in phrase_positions(folded, phrase):
                keep[i:i + len(phrase)] = [False] * len(phrase)
        return [(i, w) for i, w in enumerate(words) if keep[i] and not is_stop(w)]

    def _alias_tokens(self, alias: str) -> list[_Token]:
        content = self._content(self._words(alias, synonyms=False), lambda w: w.stop or (w.accented is None and w.folded in self._stop_folded))
        return [_Token(w.folded, w.accented) for _, w in content]

    def _is_generic(self, w: _Word) -> bool:
        if w.accented is not None:
            return w.accented in self._generic or w.accented in self._asking_accented
        return w.folded in self._generic_folded or w.folded in self._asking_folded

    def _query_tokens(self, words: list[_Word]) -> list[_Token]:
        action_positions = {i + k for phrase in self._action_phrases for i in _positions(words, phrase)
                            for k in range(len(phrase))}
        action_positions |= {i for i, w in enumerate(words) if self._is_generic(w)}
        content = self._content(words, lambda w: w.stop or (
            w.accented in self._question_accented if w.accented else w.folded in self._question_folded) or (
            w.accented is None and w.folded in self._stop_folded and w.folded not in self._ambiguous_stop))
        tokens = []
        for i, w in content:
            t = w.folded
            # Only words typed without diacritics are corrected: a word typed with them that
            # the catalog does not know ("chiếu") is another word, not a typo; so is a real
            # Vietnamese syllable typed without them ("trieu" is triệu, not "tieu"). Typos rarely
            # change the first letter.
            if (w.accented is None and t not in self._idf and len(t) >= TYPO_MIN_LEN and not t.isdigit()
                    and t not in vietnamese_syllables()):
                hit = process.extractOne(t, self._by_initial.get(t[0], ()), scorer=fuzz.ratio, score_cutoff=TYPO_SCORE)
                if hit:
                    t = hit[0]
            weight = ACTION_WORD if i in action_positions else 1.0
            tokens.append(_Token(t, w.accented, weight))
        known = [t.folded in self._idf for t in tokens]
        return [replace(t, weight=t.weight * ISOLATED)
                if known[k] and ((k > 0 and not known[k - 1]) or (k + 1 < len(tokens) and not known[k + 1])) else t
                for k, t in enumerate(tokens)]

    # ------------------------------------------------------------------ scoring

    def _score(self, tokens: list[_Token]) -> dict[str, _Scored]:
        unique = list({(t.folded, t.accented): t for t in tokens}.values())
        total = sum(t.weight * self._idf.get(t.folded, _unknown_weight(t)) for t in unique)
        known = {t.folded for t in unique if t.folded in self._idf}
        if not known:
            return {}
        out = {}
        for e in self._entries:
            mass, top, top_w, solid = 0.0, "", 0.0, False
            for t in unique:
                if t.folded not in e.vocabulary:
                    continue
                if t.accented is not None:
                    exact = t.accented in e.accented
                    w = 1.0 if exact else ACCENT_MISMATCH
                else:
                    exact = t.folded not in self._ambiguous_stop
                    w = 1.0 if exact else AMBIGUOUS_STOP
                # Only a word that surely is the catalog's word, and is not a generic action
                # word, can make a procedure a candidate at all.
                solid = solid or (exact and t.weight > ACTION_WORD)
                w *= t.weight * self._idf[t.folded]
                mass += w
                if w > top_w:
                    top, top_w = t.folded, w
            if mass and solid:
                cover = max(sum(self._idf[t] for t in a & known) / sum(self._idf[t] for t in a) for a in e.aliases)
                out[e.procedure.id] = _Scored(0.85 * mass / total + 0.15 * cover, mass, top)
        return out

    # ------------------------------------------------------------------ variants

    def _detect_variants(self, words: list[_Word], members: list[Procedure]) -> dict[str, set[str]]:
        """Variant values stated in the message, for the dimensions the members differ on.

        Keywords of every value are matched together, longest first ("thay đổi" is dieu-chinh,
        so its "đổi" is not cap-doi). A value of the group wins; else an `exclusive` value from
        outside the group (it rules the members out); else the group's weak keywords.
        """
        stated: dict[str, set[str]] = {}
        for dim in {d for p in members for d in p.variant}:
            group_values = {v for p in members for v in p.variant.get(dim, ())}
            specs = self.lexicon.variants.get(dim, {})
            strong = _find_phrases(words, [(kw, s.value) for s in specs.values() for kw in s.keywords])
            inside = strong & group_values
            outside = {v for v in strong - group_values if specs[v].exclusive}
            weak = _find_phrases(words, [(kw, v) for v in group_values for kw in specs[v].weak_keywords])
            found = inside or outside or weak
            if found:
                stated[dim] = found
        return stated

    def _resolve_group(self, words: list[_Word], members: list[Procedure], scores: dict[str, float],
                       context: Procedure | None) -> Match:
        """Which member(s) of one group the message means."""
        stated = self._detect_variants(words, members)
        wanted = dict(stated)
        if context is not None and context in members:
            # "còn thẻ quốc tế?" after "thẻ nội địa": keep what the message does not change.
            for dim, values in context.variant.items():
                wanted.setdefault(dim, set(values))

        def fits(p: Procedure) -> bool:
            return all(dim not in p.variant or set(p.variant[dim]) & values for dim, values in wanted.items())

        def explicit(p: Procedure) -> int:
            return sum(1 for d, v in wanted.items() if set(p.variant.get(d, ())) & v)

        def score(p: Procedure) -> float:
            return scores.get(p.id, 0.0)

        fitting = [p for p in members if fits(p)]
        if not fitting:
            ranked = sorted(members, key=score, reverse=True)[:MAX_CHOICES]
            return Match("ambiguous", tuple(ranked), tuple(map(score, ranked)), variant_mismatch=True)
        chosen = fitting
        if len(chosen) > 1 and wanted:
            # A procedure that names what the message states beats one that merely allows it:
            # "thẻ hdv tại điểm" is the tại-điểm card, not "cấp lại" (which fits any card).
            top = max(map(explicit, chosen))
            chosen = [p for p in chosen if explicit(p) == top]
        if len(chosen) > 1 and scores:
            best = max(map(score, chosen))
            chosen = [p for p in chosen if score(p) >= best * LOW_SCORE_SHARE] or chosen
        if len(chosen) > 1 and "action" not in wanted:
            # No action stated ("giấy phép lữ hành"): answer the first issue, the usual case,
            # and offer the group's other procedures that fit what was said.
            first = [p for p in chosen if DEFAULT_ACTION in p.variant.get("action", ())]
            if len(first) == 1:
                chosen = first
        if len(chosen) == 1:
            others = sorted((p for p in fitting if p is not chosen[0]), key=score, reverse=True)
            return Match("found", (chosen[0],), (score(chosen[0]),), alternatives=tuple(others[:MAX_CHOICES - 1]))
        ranked = sorted(chosen, key=score, reverse=True)[:MAX_CHOICES]
        return Match("ambiguous", tuple(ranked), tuple(map(score, ranked)))

    # ------------------------------------------------------------------ search

    def search(self, text: str, context: str | None = None, within: Iterable[str] | None = None) -> Match:
        """What procedure `text` is about.

        context: id of the procedure under discussion (for follow-ups).
        within: restrict the search to these ids (the choices just offered to the citizen).
        """
        text = clean_input(text)
        code = _CODE_RE.search(text)
        if code and code.group(0) in self._by_code:
            return Match("found", (self._by_code[code.group(0)],), (1.0,))
        words = self._words(text)
        tokens = self._query_tokens(words)
        # Words the catalog never uses, including words typed with diacritics that it only
        # has with other ones ("chiếu" where it has "chiều"). Typed with diacritics, such a
        # word is a different subject; typed without, it may be a filler or a typo.
        unknown = {t.folded: (1.0 if t.accented else 0.5) for t in tokens
                   if len(t.folded) > 1 and not t.folded.isdigit() and t.weight > ACTION_WORD
                   and (t.folded not in self._idf or (t.accented is not None and t.accented not in self._accented))}
        match = self._search(words, tokens, self.catalog.get(context) if context else None,
                             set(within) if within is not None else None)
        return replace(match, unknown_words=tuple(unknown), other_subject=sum(unknown.values()))

    def _search(self, words: list[_Word], tokens: list[_Token], context: Procedure | None,
                allowed: set[str] | None) -> Match:
        scored = {pid: s for pid, s in self._score(tokens).items() if allowed is None or pid in allowed}
        if allowed is not None:
            # A reply to the choice just offered may name only the variant ("cấp đổi", "quốc tế").
            members = [p for pid in sorted(allowed) if (p := self.catalog.get(pid))]
            if members and self._detect_variants(words, members):
                m = self._resolve_group(words, members, {pid: s.score for pid, s in scored.items()}, None)
                if m.kind == "found":
                    return replace(m, alternatives=())
        if not scored:
            return Match("none")
        best_id, best = max(scored.items(), key=lambda kv: kv[1].score)
        return replace(self._decide(words, tokens, scored, best_id, best, context, allowed), mass=best.mass)

    def _decide(self, words: list[_Word], tokens: list[_Token], scored: dict[str, _Scored], best_id: str,
                best: _Scored, context: Procedure | None, allowed: set[str] | None) -> Match:
        strong = best.mass >= STRONG_WEIGHT and best.score >= WEAK_SCORE
        # A word only one procedure (or group) uses ("karaoke") names it, however much chat
        # surrounds it ("chao ad, e dang tinh mo quan karaoke 5 phong o thi tran...").
        strong = strong or (best.score >= WEAK_SCORE and best.mass >= FOUND_WEIGHT and self.distinctive(best_id, best.top_word))
        if not strong and (best.score < WEAK_SCORE or best.mass < WEAK_WEIGHT):
            return Match("none")
        if not strong and (best.score < FOUND_SCORE or best.mass < FOUND_WEIGHT):
            return Match("weak", (self.catalog.get(best_id),), (best.score,))

        # Candidates as good as the best, which also explain its most telling word, are the
        # same to the citizen; "karaoke" is not tied with a licence that lacks that word.
        scores = {pid: s.score for pid, s in scored.items()}
        close = [pid for pid, s in scored.items()
                 if s.score >= best.score - TIE_MARGIN and (pid == best_id or self._explains(pid, best.top_word))]
        if len({self._unit(pid) for pid in close}) > 1:
            # Typed without diacritics, words of different procedures fold alike ("du lich" /
            # "đủ"): the candidates whose names hold the message's word pairs ("điểm du lịch")
            # are the ones meant.
            pairs = {(a.folded, b.folded) for a, b in zip(tokens, tokens[1:])}
            overlap = {pid: len(pairs & self._entry[pid].pairs) for pid in close}
            top = max(overlap.values())
            if top > 0:
                close = [pid for pid in close if overlap[pid] == top]
        units = {self._unit(pid) for pid in close}
        if len(units) == 1:
            unit = units.pop()
            if unit.startswith("group:"):
                members = [p for p in self.catalog.group(unit[6:]) if allowed is None or p.id in allowed]
                return self._resolve_group(words, members, scores, context)
            p = self.catalog.get(unit[3:])
            return Match("found", (p,), (scores[p.id],))
        # Several unrelated procedures fit equally well: offer the best of each.
        picked: dict[str, str] = {}
        for pid in sorted(close, key=lambda pid: -scores[pid]):
            picked.setdefault(self._unit(pid), pid)
        ids = list(picked.values())[:MAX_CHOICES]
        return Match("ambiguous", tuple(self.catalog.get(pid) for pid in ids), tuple(scores[pid] for pid in ids))

    def distinctive(self, pid: str, word: str) -> bool:
        """Whether only this procedure's unit (itself, or its group) uses `word` (folded)."""
        return len({self._unit(e.procedure.id) for e in self._entries if word in e.vocabulary}) == 1

    def knows(self, procedure_id: str, words: Iterable[str]) -> bool:
        """Whether every (folded) word is one of the procedure's own words."""
        entry = self._entry.get(procedure_id)
        return entry is not None and all(w in entry.vocabulary for w in words)

    def own_words(self, procedure_id: str, text: str) -> set[str]:
        """The message's content words (folded) that are the procedure's own words (names,
        aliases): what in the message names it."""
        entry = self._entry.get(procedure_id)
        if entry is None:
            return set()
        tokens = self._query_tokens(self._words(clean_input(text)))
        # a word typed with diacritics must be the catalog's word ("ảnh" does not name "anh")
        return {t.folded for t in tokens if t.folded in entry.vocabulary and t.weight > ACTION_WORD
                and (t.accented is None or t.accented in entry.accented)}

    def _explains(self, pid: str, word: str) -> bool:
        return word in self._entry[pid].vocabulary

    def _unit(self, pid: str) -> str:
        p = self.catalog.get(pid)
        return f"group:{p.group}" if p.group else f"id:{p.id}"


def _unknown_weight(t: _Token) -> float:
    """How much a word the catalog never uses counts against a match: a number ("5 phòng")
    nothing, a word typed without diacritics (often a chat filler) half."""
    if t.folded.isdigit():
        return 0.0
    return UNKNOWN_WEIGHT if t.accented else UNKNOWN_CHAT


@functools.lru_cache(maxsize=1)
def vietnamese_syllables() -> frozenset[str]:
    """Every Vietnamese syllable, folded (from the word list pyvi ships): a word typed without
    diacritics that is one of them is a real word, not a typo."""
    import pyvi

    path = Path(pyvi.__file__).parent / "models" / "words.txt"
    return frozenset(s for line in path.read_text(encoding="utf-8").splitlines() for s in fold(line).split())


def _same(word: _Word, token: str, in_phrase: bool) -> bool:
    """A message word equals a lexicon word. Typed without diacritics: by folded form. Typed
    with them: exactly for a one-word keyword ("rạch" is not "rách", "đôi" is not "đổi"); inside
    a longer phrase a wrong tone mark is forgiven, the other words make it clear ("nôi địa")."""
    if word.accented is None:
        return word.folded == fold(token)
    return word.accented == token or (in_phrase and untone(word.accented) == untone(token))


def _matches_at(words: list[_Word], i: int, phrase: Phrase) -> bool:
    long = len(phrase) > 1
    return i + len(phrase) <= len(words) and all(_same(words[i + k], t, long) for k, t in enumerate(phrase))


def _positions(words: list[_Word], phrase: Phrase) -> list[int]:
    return [i for i in range(len(words) - len(phrase) + 1) if _matches_at(words, i, phrase)]


def _find_phrases(words: list[_Word], phrases: list[tuple[Phrase, str]]) -> set[str]:
    """Values whose phrases occur in the message, longest phrase first, without overlaps."""
    used = [False] * len(words)
    found: set[str] = set()
    for phrase, value in sorted(phrases, key=lambda kv: len(kv[0]), reverse=True):
        k = len(phrase)
        for i in _positions(words, phrase):
            if not any(used[i:i + k]):
                used[i:i + k] = [True] * k
                found.add(value)
    return found
