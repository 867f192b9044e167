"""Custom Rasa NLU components for Vietnamese.

VietnameseTokenizer
    Splits a message into words and gives each token two forms: `text` (lowercase, with
    diacritics, tone marks unified) and `lemma` (folded: no diacritics, "đ" -> "d"). Featurizers
    choose one with `use_lemma`, so one pipeline can learn from accented words and still match a
    message typed without diacritics through folded character n-grams.
    Options: `segmenter` ("none": syllables; "pyvi" / "underthesea": multi-syllable words joined
    with "_"), `expand_abbreviations` (data/lexicon.yml: "hdv" -> "hướng dẫn viên").
    Only the first MAX_INPUT_CHARS characters are read and HTML tags are skipped, so a pasted
    5,000-character text or markup cannot slow the model down.

NoWordsClassifier
    Placed after the intent classifiers: a message with no letter or digit at all (emoji only,
    punctuation, empty) gets `nlu_fallback` instead of whatever DIET guessed.

DossierSignals
    Last in the pipeline: a message holding a one-stop dossier code (000.00.15.H30-210524-0001,
    also typed with spaces or lowercase) is a status lookup, whatever else it says; a message that
    is only 4 digits ("4 số cuối là 5678") is the second check of a lookup. Both are certain
    patterns, so they are recognised by rule and given as entities `dossier_code` / `last_digits`.
"""
from __future__ import annotations

import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.classifiers.classifier import IntentClassifier
from rasa.nlu.tokenizers.tokenizer import Token, Tokenizer
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (ENTITIES, ENTITY_ATTRIBUTE_END, ENTITY_ATTRIBUTE_START, ENTITY_ATTRIBUTE_TYPE,
                                      ENTITY_ATTRIBUTE_VALUE, EXTRACTOR, INTENT, INTENT_NAME_KEY,
                                      INTENT_RANKING_KEY, PREDICTED_CONFIDENCE_KEY, TEXT)
from rasa.shared.nlu.training_data.message import Message

from bot.lexicon import load_lexicon
from bot.text import MAX_INPUT_CHARS, fold, has_words, normalize

logger = logging.getLogger(__name__)
_WORD_RE = re.compile(r"\w+", re.UNICODE)
_TAG_RE = re.compile(r"<[^>]{0,200}>")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.MESSAGE_TOKENIZER, is_trainable=False)
class VietnameseTokenizer(Tokenizer):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {
            "intent_tokenization_flag": False,
            "intent_split_symbol": "_",
            "token_pattern": None,
            "prefix_separator_symbol": None,
            "segmenter": "none",
            "expand_abbreviations": True,
        }

    def __init__(self, config: Dict[Text, Any]) -> None:
        super().__init__(config)
        self.segmenter = config.get("segmenter", "none")
        if self.segmenter not in ("none", "pyvi", "underthesea"):
            raise ValueError(f"VietnameseTokenizer: unknown segmenter {self.segmenter!r}")
        self._segment = _segmenter(self.segmenter)
        lexicon = load_lexicon()
        self._abbreviations = (
            {fold(k): normalize(v).split() for k, v in lexicon.abbreviations.items()}
            if config.get("expand_abbreviations", True) else {}
        )

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "VietnameseTokenizer":
        return cls(config)

    def tokenize(self, message: Message, attribute: Text) -> List[Token]:
        text = message.get(attribute) or ""
        tokens: List[Token] = []
        for start, end in _readable_spans(text[:MAX_INPUT_CHARS]):
            for word_start, word_end, word in self._words(text, start, end):
                expansion = self._abbreviations.get(fold(word)) if "_" not in word else None
                for part in expansion or [word]:
                    tokens.append(Token(part, word_start, word_end, lemma=fold(part)))
        return self._apply_token_pattern(tokens)

    def _words(self, text: str, start: int, end: int) -> List[tuple]:
        """(start, end, normalized word) for text[start:end]; compounds joined with '_'.
        Offsets always refer to the original text."""
        syllables = [(start + m.start(), start + m.end(), normalize(m.group(0)))
                     for m in _WORD_RE.finditer(text[start:end])]
        if self._segment is None or len(syllables) < 2:
            return syllables
        words, i = [], 0
        for compound in self._segment(" ".join(s[2] for s in syllables)):
            n = len(_WORD_RE.findall(compound))
            group = syllables[i:i + n]
            if not group:
                continue
            words.append((group[0][0], group[-1][1], "_".join(s[2] for s in group)))
            i += n
        words += syllables[i:]  # anything the segmenter dropped
        return words


def _readable_spans(text: str) -> List[tuple]:
    """Spans of text outside HTML tags."""
    spans, pos = [], 0
    for m in _TAG_RE.finditer(text):
        if m.start() > pos:
            spans.append((pos, m.start()))
        pos = m.end()
    if pos < len(text):
        spans.append((pos, len(text)))
    return spans


def _segmenter(name: str):
    if name == "pyvi":
        from pyvi import ViTokenizer

        return lambda s: [w.replace("_", " ") for w in ViTokenizer.tokenize(s).split()]
    if name == "underthesea":
        from underthesea import word_tokenize

        return lambda s: word_tokenize(s)
    return None


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class NoWordsClassifier(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "NoWordsClassifier":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if text is None or has_words(_TAG_RE.sub(" ", text)):
                continue
            fallback = {INTENT_NAME_KEY: DEFAULT_NLU_FALLBACK_INTENT_NAME, PREDICTED_CONFIDENCE_KEY: 1.0}
            message.data[INTENT] = fallback
            message.data[INTENT_RANKING_KEY] = [fallback]
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentRefiner(GraphComponent, IntentClassifier):
    """After the model: when the message's own words show another intent than the model's
    guess (a procedure of ours described in a long message the model called off-topic, a plain
    "phí bao nhiêu" it called something else, another agency's procedure, a whole-message "dc"),
    the intent those words show (bot.dialogue.Dialogue.refine_intent). It reads the current
    catalog (reloaded when it changes), so an officer's new alias counts without retraining."""

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {"confidence": 0.95}

    def __init__(self, config: Dict[Text, Any]) -> None:
        self.confidence = float(config.get("confidence", 0.95))

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "IntentRefiner":
        return cls(config)

    @classmethod
    def load(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
             execution_context: ExecutionContext, **kwargs: Any) -> "IntentRefiner":
        """When the server loads the model (not in training): the dialogue is built now (about
        2 s), so that the first citizen does not wait for it."""
        from bot import service

        try:
            service.dialogue()
        except Exception:  # noqa: BLE001 - process() tries again and keeps the model's intent on failure
            logger.exception("IntentRefiner could not build the dialogue at load")
        return cls(config)

    def process(self, messages: List[Message]) -> List[Message]:
        from bot import service

        for message in messages:
            text: Optional[str] = message.get(TEXT)
            intent = message.get(INTENT) or {}
            if not text or text.startswith("/") or not intent.get(INTENT_NAME_KEY):
                continue
            try:
                refined = service.dialogue().refine_intent(text[:MAX_INPUT_CHARS], intent[INTENT_NAME_KEY],
                                                           float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0.0))
            except Exception:  # noqa: BLE001 - never lose a message over a refinement
                logger.exception("IntentRefiner failed; keeping the model's intent")
                continue
            if refined and refined != intent[INTENT_NAME_KEY]:
                chosen = {INTENT_NAME_KEY: refined, PREDICTED_CONFIDENCE_KEY: self.confidence}
                ranking = [r for r in message.get(INTENT_RANKING_KEY) or [] if r.get(INTENT_NAME_KEY) != refined]
                message.data[INTENT] = chosen
                message.data[INTENT_RANKING_KEY] = [chosen] + ranking
        return messages


DOSSIER_INTENT = "ask_dossier_status"
DIGITS_INTENT = "inform_last_digits"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DossierSignals(GraphComponent, IntentClassifier):
    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        return {}

    def __init__(self) -> None:
        from bot.dossiers.model import CODE_RE, find_code
        from bot.dossiers.replies import FactorReader, load_texts

        self._code_re, self._find_code = CODE_RE, find_code
        self._factor = FactorReader.from_texts(load_texts())

    @classmethod
    def create(cls, config: Dict[Text, Any], model_storage: ModelStorage, resource: Resource,
               execution_context: ExecutionContext) -> "DossierSignals":
        return cls()

    def _set(self, message: Message, intent: str, entity: str, value: str, start: int, end: int) -> None:
        chosen = {INTENT_NAME_KEY: intent, PREDICTED_CONFIDENCE_KEY: 1.0}
        message.data[INTENT] = chosen
        message.data[INTENT_RANKING_KEY] = [chosen]
        found = {ENTITY_ATTRIBUTE_TYPE: entity, ENTITY_ATTRIBUTE_VALUE: value, ENTITY_ATTRIBUTE_START: start,
                 ENTITY_ATTRIBUTE_END: end, EXTRACTOR: type(self).__name__}
        message.set(ENTITIES, [e for e in message.get(ENTITIES, []) if e.get(ENTITY_ATTRIBUTE_TYPE) != entity] + [found],
                    add_to_output=True)

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text: Optional[str] = message.get(TEXT)
            if not text or text.startswith("/"):  # button payloads are parsed by Rasa itself
                continue
            text = text[:MAX_INPUT_CHARS]
            m = self._code_re.search(text)
            if m:
                self._set(message, DOSSIER_INTENT, "dossier_code", self._find_code(m.group(0)), m.start(), m.end())
                continue
            value = self._factor.read(text)
            if value:
                start = text.find(value)
                self._set(message, DIGITS_INTENT, "last_digits", value, max(start, 0), max(start, 0) + 4)
        return messages
