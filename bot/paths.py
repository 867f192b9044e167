"""Where the project's data lives. Every path can be overridden by an environment variable so
that tests and deployments can point at other copies."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(os.environ.get("VHTTDL_DATA_DIR", ROOT / "data"))
PROCEDURES = Path(os.environ.get("VHTTDL_PROCEDURES_DIR", DATA / "procedures"))
LEXICON = DATA / "lexicon.yml"
REPLIES = DATA / "replies.yml"
AGENCIES = DATA / "agencies.yml"
DOSSIER_TEXTS = DATA / "dossiers.yml"
# Besides the procedures, the files an answer is built from: an edit to any of them makes the
# assistant rebuild (bot.catalog.CatalogStore, bot.service).
ANSWER_FILES = (LEXICON, REPLIES, AGENCIES, DOSSIER_TEXTS)
DEPARTMENT = Path(os.environ.get("VHTTDL_DEPARTMENT_FILE", DATA / "department.yml"))
RESEARCH = ROOT / "docs" / "research" / "procedures-facts.yaml"
