"""Limits on guessing the second check (the last 4 digits of a dossier's phone or CCCD), and on
trying phone numbers against a stored profile (bot/forms/profiles.py).

Failed checks are counted per guessing party and per target; a lock is kept on the key whose
count ran over, so it stops that party, not everyone:

- per sender, over all codes: 5 failures within 15 minutes lock it for 15 minutes, each new lock
  within a day of the previous one twice as long (30, 60 ... up to 24 h); 10 failures within
  24 hours lock it for 24 hours. Stops that conversation.
- per client, over all codes: the same with 10 and 20. Stops every sender from that address.
- per code: 30 failures within 24 hours, from any number of parties, lock it for 24 hours, each
  new lock within a week twice as long (up to 7 days). Stops everyone, the owner included (the
  reply gives the hotline).
- per CCCD (tries of a phone or birth date against a profile): as per sender. Stops recognition
  of that CCCD, silently (bot/forms/profiles.py).

- The client is the gateway's keyed hash of the browser's address; the gateway sends it only when
  the address is the citizen's own (not that of a reverse proxy it does not trust, which every
  citizen would share: bot/gateway/web.py). Its limits are twice the sender's, for addresses that
  a few citizens share (mobile networks), and bound a browser that invents a new sender id for
  every guess. Telegram and Zalo send no client: their sender ids cost an account each.
- So a stranger's wrong tries lock the stranger (sender, client), and the owner coming from
  another conversation and address still gets in with the right digits. Only the per-code cap
  stops the owner, and it needs at least three senders (or two clients) guessing one code.
- Guessing stays bounded: 30 tries a day on one code at 1 chance in 5,000 each (phone or CCCD),
  and fewer as the code's locks grow to a week; one sender gets 10 a day over all codes.
- Unknown codes and wrong digits are counted alike: the caller cannot tell them apart.

State is in the shared database (bot/shared_state.py: `VHTTDL_GUARD_DB`, a path or URL, else
`VHTTDL_SHARED_DB_URL`, else `.var/dossier_guard.db`), not process memory, so it survives
restarts and holds for every worker and replica. Keys are stored hashed (SHA-256): the database
never holds a code, a CCCD or a sender id in clear.
"""
from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa

from bot import paths, shared_state

DAY_S = 24 * 3600
WEEK_S = 7 * DAY_S
MAX_LOCK_S = DAY_S

metadata = sa.MetaData()
failures = sa.Table(
    "lookup_failures", metadata,
    sa.Column("key", sa.String(64), nullable=False),  # sha256 of "<kind>:<value>"
    sa.Column("at", sa.Float, nullable=False),
    sa.Index("idx_lookup_failures_key_at", "key", "at"),
)
locks = sa.Table(
    "lookup_locks", metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("until", sa.Float, nullable=False),
    sa.Column("strikes", sa.Integer, nullable=False),  # locks in a row (each one longer)
    sa.Column("since", sa.Float, nullable=False),  # when the last lock began
)


@dataclass(frozen=True)
class Rule:
    """When the failures counted under one kind of key lock it."""

    kind: str
    burst: int | None  # failures within the guard's window that lock (None: no such rule)
    daily: int  # failures within 24 h that lock
    max_lock_s: float = MAX_LOCK_S  # the longest lock
    memory_s: float = DAY_S  # a new lock within this time after the last one lasts twice as long


SENDER = Rule("sender", burst=5, daily=10)
CLIENT = Rule("client", burst=10, daily=20)
CODE = Rule("code", burst=None, daily=30, max_lock_s=WEEK_S, memory_s=WEEK_S)
# Profiles (bot/forms/profiles.py): tries of a phone or birth date against one CCCD.
CCCD = Rule("cccd", burst=5, daily=10)


def default_guard_path() -> str:
    """The guard's database: VHTTDL_GUARD_DB, else VHTTDL_SHARED_DB_URL, else .var/dossier_guard.db."""
    return shared_state.location(paths.ROOT / ".var" / "dossier_guard.db", "VHTTDL_GUARD_DB")


def _key(kind: str, value: str) -> str:
    return hashlib.sha256(f"{kind}:{value}".encode("utf-8")).hexdigest()


class LookupGuard:
    """`LookupGuard(path or URL)`; `locked_for` / `locked` before a check, `record_failure` after a
    failed one. `rules` maps the parties of a check to their rules (see the module docstring)."""

    def __init__(self, path: Path | str, max_failures: int = 5, window_s: float = 15 * 60,
                 lock_s: float = 15 * 60, clock=time.time):
        self.url = shared_state.as_url(path)
        self.window_s = window_s
        self.lock_s = lock_s
        self.clock = clock
        self.rules = {"sender": Rule("sender", max_failures, SENDER.daily), "client": CLIENT, "code": CODE,
                      "cccd": CCCD}

    @property
    def engine(self) -> sa.engine.Engine:
        return shared_state.engine(self.url, metadata)

    def _parties(self, code: str | None, sender: str | None, client: str | None) -> list[tuple[Rule, str]]:
        parties = [("code", code), ("sender", sender), ("client", client)]
        return [(self.rules[kind], _key(kind, value)) for kind, value in parties if value]

    # -- the dossier lookup ------------------------------------------------------------------

    def locked_for(self, code: str | None, sender: str, client: str | None = None) -> float:
        """Seconds until lookups of this code by this sender and client are allowed again (0: now)."""
        return self._locked_for([k for _, k in self._parties(code, sender, client)])

    def locked(self, code: str | None, sender: str, client: str | None = None) -> bool:
        return self.locked_for(code, sender, client) > 0

    def record_failure(self, code: str | None, sender: str, client: str | None = None) -> bool:
        """Count one failed check; True if this locks the code, the sender or the client."""
        return self._fail(self._parties(code, sender, client))

    # -- any other target (a profile's CCCD) ------------------------------------------------

    def target_locked(self, kind: str, value: str) -> bool:
        return self._locked_for([_key(kind, value)]) > 0

    def record_target_failure(self, kind: str, value: str) -> bool:
        return self._fail([(self.rules[kind], _key(kind, value))])

    # -- storage ------------------------------------------------------------------------------

    def _locked_for(self, keys: list[str]) -> float:
        with self.engine.connect() as conn:
            until = conn.execute(sa.select(sa.func.max(locks.c.until)).where(locks.c.key.in_(keys))).scalar()
        return max(0.0, (until or 0) - self.clock())

    def _fail(self, parties: list[tuple[Rule, str]]) -> bool:
        now = self.clock()
        locked = False
        with shared_state.transaction(self.engine, *(key for _, key in parties)) as conn:
            conn.execute(failures.delete().where(failures.c.at < now - DAY_S))
            conn.execute(failures.insert(), [{"key": key, "at": now} for _, key in parties])
            for rule, key in parties:
                last = conn.execute(sa.select(locks.c.since, locks.c.strikes, locks.c.until)
                                    .where(locks.c.key == key)).first()
                after = max(now - self.window_s, last.since if last else 0.0)
                recent, today = conn.execute(  # failures since the window (or the last lock), and today
                    sa.select(sa.func.coalesce(sa.func.sum(sa.case((failures.c.at > after, 1), else_=0)), 0),
                              sa.func.count()).where(failures.c.key == key)).one()
                if today >= rule.daily:
                    length = DAY_S
                elif rule.burst is not None and recent >= rule.burst:
                    length = self.lock_s
                else:
                    continue
                strikes = last.strikes + 1 if last and last.until > now - rule.memory_s else 1
                until = now + min(length * 2 ** (strikes - 1), rule.max_lock_s)
                values = {"until": until, "strikes": strikes, "since": now}
                conn.execute(shared_state.insert(conn, locks).values(key=key, **values)
                             .on_conflict_do_update(index_elements=[locks.c.key], set_=values))
                locked = True
        return locked
