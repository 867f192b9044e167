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
_failed: object | None = None  # a catalog version whose build failed: not retried on every turn


def _report(error: CatalogError) -> None:
    log.error("Catalog change rejected, still serving the previous version:\n%s", error)


def build_dialogue(catalog, department, today=None) -> Dialogue:
    """The Dialogue with every part it consults, for one version of the catalog. `today`: a
    fixed date for tests."""
    from bot.agencies import load_agencies
    from bot.catalogue import Catalogue
    from bot.dossiers.replies import DossierReplies, load_texts
    from bot.facts import FactIndex
    from bot.forms.templates import form_for_procedure
    from bot.situations import SituationIndex

    replies = load_replies()
    answerer = Answerer(catalog, department, replies, today=today)
    return Dialogue(answerer, ProcedureIndex(catalog, question_words()),
                    has_form=lambda pid: form_for_procedure(pid) is not None,
                    facts=FactIndex(catalog, replies["documents"]["kinds"], replies["detail"]["labels"]),
                    agencies=load_agencies(catalog.lexicon),
                    catalogue=Catalogue(answerer),
                    dossiers=DossierReplies(load_texts(), department, catalog),
                    situations=SituationIndex(catalog))


def dialogue() -> Dialogue:
    """The Dialogue for the current catalog. A version that loads but cannot be built (say, an
    agencies.yml entry the table rejects) is reported once and the previous build keeps serving
    until the next edit; with no previous build, every turn tries again and the actions answer
    with their polite error."""
    global _store, _built, _failed
    with _lock:
        if _store is None:
            _store = CatalogStore(on_error=_report)
        catalog = _store.get()
        if _built is None or (_built[0] is not catalog and _failed is not catalog):
            department = load_department()
            if department.example:
                log.warning("data/department.yml still holds EXAMPLE contact details; replace them before going live.")
            try:
                _built = (catalog, build_dialogue(catalog, department))
            except Exception:
                if _built is None:
                    raise  # nothing to fall back on: the actions answer with their polite error
                _failed = catalog
                log.exception("Catalog change could not be built, still serving the previous version")
                return _built[1]
            log.info("Catalog loaded: %d procedures", len(catalog))
        return _built[1]


_desk = None


def dossier_desk():
    """The dossier lookup desk: the configured source, the guard file and the texts. Rebuilt
    only when the catalog is (procedure names come from it)."""
    global _desk
    from bot.dossiers.conversation import DossierDesk
    from bot.dossiers.guard import LookupGuard, default_guard_path
    from bot.dossiers.source import open_source

    current = dialogue()
    with _lock:
        if _desk is None or _desk[0] is not current.catalog:
            _desk = (current.catalog, DossierDesk(open_source(), LookupGuard(default_guard_path()), current.dossiers))
        return _desk[1]


_forms = None


def form_desk():
    """The form filler: the catalog's dialogue (to find the procedure), the file store behind the
    download links and the citizen profiles (both SQLite/disk, never process memory)."""
    global _forms
    from bot.forms.delivery import FileStore
    from bot.forms.intake import FormDesk
    from bot.forms.profiles import ProfileStore

    current = dialogue()
    with _lock:
        if _forms is None or _forms.dialogue is not current:
            _forms = FormDesk(current, FileStore(), ProfileStore())
        return _forms
