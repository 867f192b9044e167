"""The link between NLU intents and the facets of a procedure the assistant answers about."""
from __future__ import annotations

import json

FACET_INTENTS = {
    "overview": "ask_procedure",
    "documents": "ask_documents",
    "fees": "ask_fee",
    "processing_time": "ask_time",
    "submission": "ask_submission",
    "forms": "ask_forms",
    "conditions": "ask_conditions",
    "legal_basis": "ask_legal_basis",
}
INTENT_FACETS = {intent: facet for facet, intent in FACET_INTENTS.items()}
PROCEDURE_ENTITY = "procedure"


FORM_INTENT = "request_form"  # "điền đơn giúp tôi": the form filler (bot/forms)
CHECK_INTENT = "check_dossier"  # "kiểm tra giúp hồ sơ của tôi đủ chưa": the pre-submission check (bot/precheck)


def form_payload(procedure_id: str) -> str:
    """The button that starts filling the procedure's form: /request_form{"procedure":"karaoke"}."""
    return f"/{FORM_INTENT}{json.dumps({PROCEDURE_ENTITY: procedure_id}, separators=(',', ':'))}"


def check_payload(procedure_id: str) -> str:
    """The button that starts the pre-submission check: /check_dossier{"procedure":"karaoke"}."""
    return f"/{CHECK_INTENT}{json.dumps({PROCEDURE_ENTITY: procedure_id}, separators=(',', ':'))}"


def payload(facet: str, procedure_id: str) -> str:
    """A button payload Rasa understands without NLU: /ask_fee{"procedure":"karaoke"}."""
    return f"/{FACET_INTENTS[facet]}{json.dumps({PROCEDURE_ENTITY: procedure_id}, separators=(',', ':'))}"
