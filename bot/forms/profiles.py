"""The citizen profile: what a consenting citizen told us, so a returning citizen types nothing
already known ("công dân không viết").

Stored with sqlite-utils in one SQLite file (default `.var/profiles.db`, or the path given, or
$VHTTDL_PROFILES_DB). Schema, table `profiles`:

    cccd        TEXT PRIMARY KEY   12-digit citizen identity number (the key the citizen gives)
    data        TEXT               JSON object: profile key -> normalised value, e.g.
                                   {"full_name": "Nguyễn Thị Hường", "birth_date": "1990-03-15",
                                    "phone": "0912345678", "permanent_address": "...", ...}
    consent_at  TEXT               UTC time (ISO 8601) the citizen last agreed to be remembered
    updated_at  TEXT               UTC time of the last change

Rules: nothing is written without explicit consent (`save(..., consent=True)`); a stored profile
is handed back only when the caller also proves a second fact (birth date or phone) that matches
(`recognise`), so knowing someone's CCCD number alone reveals nothing; `delete(cccd)` removes
everything ("xoá thông tin của tôi"). This module never logs: values are personal data.
"""
from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path
from typing import Any, Mapping

import sqlite_utils

from bot import paths
from bot.storage import database

TABLE = "profiles"
PROOF_KEYS = ("birth_date", "phone")
_CCCD_RE = re.compile(r"^\d{12}$")


def default_path() -> Path:
    return Path(os.environ.get("VHTTDL_PROFILES_DB", paths.ROOT / ".var" / "profiles.db"))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ProfileStore:
    """Profiles keyed by CCCD in a SQLite file. Each call opens its own connection, so one store
    can be shared by threads and several processes can use the same file."""

    def __init__(self, path: Path | str | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db[TABLE].create({"cccd": str, "data": str, "consent_at": str, "updated_at": str}, pk="cccd",
                             if_not_exists=True)

    def _db(self):
        return database(self.path)

    def save(self, cccd: str, values: Mapping[str, Any], consent: bool, may_update: bool = False) -> bool:
        """Remember `values` (profile key -> value) for this CCCD. Without consent nothing is
        written. An existing profile is only updated (merged) when `may_update`: the citizen was
        recognised by it in this session; otherwise anyone typing a stranger's CCCD could set
        the proof (phone) and read the rest later. Returns whether it was written."""
        if not consent or not _CCCD_RE.match(cccd or ""):
            return False
        data = {k: v for k, v in values.items() if v not in (None, "")}
        with self._db() as db:
            table = db[TABLE]
            try:
                stored = json.loads(table.get(cccd)["data"])
            except sqlite_utils.db.NotFoundError:
                stored = None
            if stored is not None:
                if not may_update:
                    return False
                data = {**stored, **data}
            now = _now()
            table.upsert({"cccd": cccd, "data": json.dumps(data, ensure_ascii=False), "consent_at": now,
                          "updated_at": now}, pk="cccd")
        return True

    def get(self, cccd: str) -> dict[str, Any] | None:
        """The stored profile, or None. For the citizen's own use (after they identified
        themselves); a conversation should use `recognise`."""
        if not _CCCD_RE.match(cccd or ""):
            return None
        with self._db() as db:
            try:
                return json.loads(db[TABLE].get(cccd)["data"])
            except sqlite_utils.db.NotFoundError:
                return None

    def recognise(self, cccd: str, proof: Mapping[str, Any]) -> dict[str, Any] | None:
        """The profile, only if the proof matches: the phone when one is stored (a birth date
        alone is guessable, the CCCD holds the birth year), and every other proof given."""
        profile = self.get(cccd)
        if not profile:
            return None
        matched = [k for k in PROOF_KEYS if k in proof and k in profile]
        if "phone" in profile and "phone" not in matched:
            return None
        if matched and all(str(proof[k]) == str(profile[k]) for k in matched):
            return profile
        return None

    def delete(self, cccd: str) -> bool:
        """Forget everything stored for this CCCD; True if there was something."""
        if not _CCCD_RE.match(cccd or ""):
            return False
        with self._db() as db:
            cursor = db.execute(f"DELETE FROM [{TABLE}] WHERE cccd = ?", [cccd])
            return cursor.rowcount > 0

    def count(self) -> int:
        with self._db() as db:
            return db[TABLE].count
