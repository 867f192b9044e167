"""Where dossiers come from: the interface every source implements, and the configured choice.

    source = open_source()          # from the environment, SQLite by default
    dossier = source.get(code)      # a Dossier, None if unknown; SourceUnavailable if down

Configuration (environment variables, all optional):
    VHTTDL_DOSSIER_SOURCE     sqlite (default) or http
    VHTTDL_DOSSIER_DB         SQLite file (default .var/dossiers.db)
    VHTTDL_DOSSIER_API_URL    base URL of the one-stop system's API (http source)
    VHTTDL_DOSSIER_API_TOKEN  its bearer token (keep it out of files under version control)
    VHTTDL_DOSSIER_API_TIMEOUT  seconds for one lookup, retries included (default 4)
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Protocol

from bot import paths
from bot.dossiers.model import Dossier


class SourceUnavailable(RuntimeError):
    """The one-stop system could not answer (down, slow, or an answer outside the contract)."""


class DossierSource(Protocol):
    def get(self, code: str) -> Dossier | None:
        """The dossier with this canonical code, or None if there is none."""


def default_db_path() -> Path:
    return Path(os.environ.get("VHTTDL_DOSSIER_DB", paths.ROOT / ".var" / "dossiers.db"))


def open_source() -> DossierSource:
    kind = os.environ.get("VHTTDL_DOSSIER_SOURCE", "sqlite").strip().lower()
    if kind == "sqlite":
        from bot.dossiers.sqlite_source import SqliteSource

        return SqliteSource(default_db_path())
    if kind == "http":
        from bot.dossiers.http_source import HttpSource

        url = os.environ.get("VHTTDL_DOSSIER_API_URL", "")
        if not url:
            raise ValueError("VHTTDL_DOSSIER_SOURCE=http needs VHTTDL_DOSSIER_API_URL")
        return HttpSource(url, token=os.environ.get("VHTTDL_DOSSIER_API_TOKEN", ""),
                          budget=float(os.environ.get("VHTTDL_DOSSIER_API_TIMEOUT", "4")))
    raise ValueError(f"VHTTDL_DOSSIER_SOURCE: unknown source {kind!r} (sqlite or http)")
