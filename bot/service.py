"""The assistant's long-lived parts, built once per process and rebuilt when the catalog changes.

Actions call `dialogue()` on every turn: it costs a dictionary lookup, plus a stat() of the
catalog files every two seconds. Nothing here holds conversation state.
"""
from __future__ import annotations

import logging
import threading

from bot.answers import Answerer, load_replies
from bot.catalog import CatalogError, CatalogStore
from bot.department import load_department
from bot.dialogue import Dialogue
from bot.nlu_data import question_words
from bot.retrieval import ProcedureIndex

log = logging.getLogger(__name__)
_lock = threading.Lock()
_store: CatalogStore | None = None
_built: tuple[object, Dialogue] | None = None


def _report(error: CatalogError) -> None:
    log.error("Catalog change rejected, still serving the previous version:\n%s", error)


def dialogue() -> Dialogue:
    """The Dialogue for the current catalog."""
    global _store, _built
    with _lock:
        if _store is None:
            _store = CatalogStore(on_error=_report)
        catalog = _store.get()
        if _built is None or _built[0] is not catalog:
            department = load_department()
            if department.example:
                log.warning("data/department.yml still holds EXAMPLE contact details; replace them before going live.")
            answerer = Answerer(catalog, department, load_replies())
            index = ProcedureIndex(catalog, question_words())
            _built = (catalog, Dialogue(answerer, index))
            log.info("Catalog loaded: %d procedures", len(catalog))
        return _built[1]
