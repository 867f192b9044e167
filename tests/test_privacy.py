"""Conversation retention on Rasa's own SQL tracker store (a real SQLite file written by Rasa)."""
from __future__ import annotations

import asyncio

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot import cli
from bot.privacy import purge_conversations, tracker_store_url


def _save(store: SQLTrackerStore, sender: str, *times: float) -> None:
    tracker = DialogueStateTracker(sender, slots=[])
    for at in times:
        tracker.update(UserUttered("0011 9001 2345", timestamp=at))
        tracker.update(SlotSet("form_state", {"values": {"cccd": "001190012345"}}, timestamp=at))
    asyncio.run(store.save(tracker))


def test_idle_conversations_are_deleted_whole_active_ones_kept(tmp_path):
    db = tmp_path / "tracker.db"
    store = SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db))
    now = 1_800_000_000.0
    _save(store, "old-citizen", now - 30 * 3600)
    _save(store, "active-citizen", now - 30 * 3600, now - 60)  # still talking: nothing of it goes
    url = tracker_store_url_for(tmp_path, db)
    assert purge_conversations(url, hours=24, now=now) == 1
    remaining = {row[0] for row in store.engine.connect().execute("select distinct sender_id from events")}
    assert remaining == {"active-citizen"}


def tracker_store_url_for(tmp_path, db) -> str:
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{db}"\n', encoding="utf-8")
    return tracker_store_url(endpoints)


def test_cli_purge_and_non_sql_store(tmp_path, capsys):
    db = tmp_path / "tracker.db"
    _save(SQLTrackerStore(Domain.empty(), dialect="sqlite", db=str(db)), "old", 1000.0)
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f'tracker_store:\n  type: SQL\n  dialect: "sqlite"\n  db: "{db}"\n', encoding="utf-8")
    assert cli.main(["privacy", "purge", "--endpoints", str(endpoints)]) == 0
    assert "Deleted 1 conversation" in capsys.readouterr().out
    memory = tmp_path / "memory.yml"
    memory.write_text("action_endpoint:\n  url: http://127.0.0.1:5055/webhook\n", encoding="utf-8")
    assert cli.main(["privacy", "purge", "--endpoints", str(memory)]) == 1
