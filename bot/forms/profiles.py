"""The citizen profile: what a consenting citizen told us, so a returning citizen types nothing
already known ("công dân không viết").

Stored in the shared database (bot/shared_state.py): `$VHTTDL_PROFILES_DB` (a path or URL), else
`$VHTTDL_SHARED_DB_URL`, else the SQLite file `.var/profiles.db` (mode 0600). Table `profiles`:

    cccd        TEXT PRIMARY KEY   12-digit citizen identity number (the key the citizen gives)
    data        TEXT               JSON object: profile key -> normalised value, e.g.
                                   {"full_name": "Nguyễn Thị Hường", "birth_date": "1990-03-15",
                                    "phone": "0912345678", "permanent_address": "...", ...}
    consent_at  TEXT               UTC time (ISO 8601) the citizen last agreed to be remembered
    updated_at  TEXT               UTC time of the last change

Rules: nothing is written without explicit consent (`save(..., consent=True)`); a stored profile
is handed back only when the caller also proves a second fact (birth date or phone) that matches
(`recognise`), so knowing someone's CCCD number alone reveals nothing. Tries of a second fact
against one CCCD are limited like the dossier lookup's second check (bot/dossiers/guard.py, rule
CCCD: 5 failed tries within 15 minutes or 10 within 24 hours stop recognition of that CCCD for a
while); a failed try counts the same whether a profile exists or not, and a stopped recognition
looks like no match. `forget(cccd, proof)` removes everything ("xoá thông tin của tôi" with the
stored phone), even while tries are stopped; `delete(cccd)` without proof. Values shown in the
chat after a match are masked (`mask_shown`). This module never logs: values are personal data.
"""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any, Mapping

import sqlalchemy as sa

from bot import paths, shared_state
from bot.dossiers.guard import LookupGuard

PROOF_KEYS = ("birth_date", "phone")
_CCCD_RE = re.compile(r"^\d{12}$")

metadata = sa.MetaData()
profiles = sa.Table(
    "profiles", metadata,
    sa.Column("cccd", sa.String(12), primary_key=True),
    sa.Column("data", sa.Text, nullable=False),
    sa.Column("consent_at", sa.String(32)),
    sa.Column("updated_at", sa.String(32)),
)
TABLE = profiles.name


def default_path() -> str:
    """VHTTDL_PROFILES_DB, else VHTTDL_SHARED_DB_URL, else .var/profiles.db."""
    return shared_state.location(paths.ROOT / ".var" / "profiles.db", "VHTTDL_PROFILES_DB")


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class ProfileStore:
    """Profiles keyed by CCCD. Each call runs in its own short transaction, so one store can be
    shared by threads, and processes or replicas can share the database. `guard` limits tries
    (by default its tables live in the same database)."""

    def __init__(self, path: Path | str | None = None, guard: LookupGuard | None = None):
        self.url = shared_state.as_url(path or default_path())
        self.path = shared_state.sqlite_file(self.url)
        self.guard = guard or LookupGuard(self.url)

    @property
    def engine(self) -> sa.engine.Engine:
        return shared_state.engine(self.url, metadata)  # made (and the table created) on first use

    def save(self, cccd: str, values: Mapping[str, Any], consent: bool, may_update: bool = False) -> bool:
        """Remember `values` (profile key -> value) for this CCCD. Without consent nothing is
        written. An existing profile is only updated (merged) when `may_update`: the citizen was
        recognised by it in this session; otherwise anyone typing a stranger's CCCD could set
        the proof (phone) and read the rest later. Returns whether it was written."""
        if not consent or not _CCCD_RE.match(cccd or ""):
            return False
        data = {k: v for k, v in values.items() if v not in (None, "")}
        with shared_state.transaction(self.engine, f"profile:{cccd}") as conn:
            row = conn.execute(sa.select(profiles.c.data).where(profiles.c.cccd == cccd)).first()
            if row is not None:
                if not may_update:
                    return False
                data = {**json.loads(row.data), **data}
            now = _now()
            values = {"data": json.dumps(data, ensure_ascii=False), "consent_at": now, "updated_at": now}
            conn.execute(shared_state.insert(conn, profiles).values(cccd=cccd, **values)
                         .on_conflict_do_update(index_elements=[profiles.c.cccd], set_=values))
        return True

    def get(self, cccd: str) -> dict[str, Any] | None:
        """The stored profile, or None. For the citizen's own use (after they identified
        themselves); a conversation should use `recognise`."""
        if not _CCCD_RE.match(cccd or ""):
            return None
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(profiles.c.data).where(profiles.c.cccd == cccd)).first()
        return json.loads(row.data) if row else None

    def recognise(self, cccd: str, proof: Mapping[str, Any]) -> dict[str, Any] | None:
        """The profile, only if the proof matches: the phone when one is stored (a birth date
        alone is guessable, the CCCD holds the birth year), and every other proof given. A
        failed try is counted against the CCCD (whether a profile exists or not); while the
        CCCD's tries are stopped, nothing matches."""
        if not _CCCD_RE.match(cccd or "") or not any(k in proof for k in PROOF_KEYS):
            return None
        if self.guard.target_locked("cccd", cccd):
            return None
        profile = self.get(cccd)
        if profile and _proves(profile, proof):
            return profile
        self.guard.record_target_failure("cccd", cccd)
        return None

    def forget(self, cccd: str, proof: Mapping[str, Any]) -> bool:
        """Delete the profile if the proof matches ("xoá thông tin của tôi <CCCD> <phone>"). Not
        stopped by the limit on tries, so a stranger's wrong tries cannot keep the owner from
        deleting, and not counted: its caller answers the same whatever happened, so it tells
        nothing to someone who tries phones with it."""
        profile = self.get(cccd)
        return bool(profile and _proves(profile, proof)) and self.delete(cccd)

    def delete(self, cccd: str) -> bool:
        """Forget everything stored for this CCCD; True if there was something."""
        if not _CCCD_RE.match(cccd or ""):
            return False
        with shared_state.transaction(self.engine, f"profile:{cccd}") as conn:
            return conn.execute(profiles.delete().where(profiles.c.cccd == cccd)).rowcount > 0

    def count(self) -> int:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(profiles)).scalar()


def mask_shown(text: str) -> str:
    """A value as the chat may show it once it came from a stored profile: the first letter of a
    text ("Nguyễn Thị Hường" -> "N…"), the last 3 digits of a number or date
    ("0912 345 678" -> "•••• ••• 678", "15/03/1990" -> "••/••/•990")."""
    if any(c.isalpha() for c in text):
        return text[:1] + "…"
    digits = sum(c.isdigit() for c in text)
    out, seen = [], 0
    for c in text:
        if c.isdigit():
            seen += 1
            c = c if seen > digits - 3 else "•"
        out.append(c)
    return "".join(out)


def _proves(profile: Mapping[str, Any], proof: Mapping[str, Any]) -> bool:
    matched = [k for k in PROOF_KEYS if k in proof and k in profile]
    if "phone" in profile and "phone" not in matched:
        return False
    return bool(matched) and all(str(proof[k]) == str(profile[k]) for k in matched)
