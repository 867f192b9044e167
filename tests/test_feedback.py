"""Ratings: when the assistant asks (bot/feedback.py), and what the actions record
(actions/feedback.py, actions/rating.py) — through real Trackers and a real SQLite file."""
from __future__ import annotations

import asyncio
import time

import pytest
import sqlalchemy as sa
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions, dossiers, rating
from bot.analytics import db
from bot.answers import load_replies
from bot.feedback import SLOT, Feedback, State


@pytest.fixture()
def engine(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'console.db'}"
    monkeypatch.setenv("CONSOLE_DB_URL", url)
    monkeypatch.setenv("CONSOLE_RECORDING", "on")
    yield db.engine(url)
    db.dispose(url)


@pytest.fixture()
def fb() -> Feedback:
    return Feedback(load_replies()["feedback"], "0200 123 4567")


def tracker(text, intent, slots=None, entities=None, history=(), n=1, channel="telegram"):
    now = time.time()
    events = [{"event": "user", "text": t, "timestamp": now - 10 + i} for i, t in enumerate(history)]
    events.append({"event": "user", "text": text, "timestamp": now - 0.05})
    return Tracker(
        sender_id="tg-42",
        slots={"procedure": None, "last_facet": None, "pending_facet": None, "candidates": None, **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or [],
                        "message_id": f"m{n}", "metadata": {"channel": channel}},
        events=events, paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))  # as the action server calls it
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def rows(engine, table):
    with engine.connect() as conn:
        return conn.execute(sa.select(table).order_by(table.c.id)).all()


def test_helpful_question_once_per_procedure(fb):
    message, state = fb.helpful_prompt(State(), "karaoke")
    assert message["text"] == "Câu trả lời có giúp ích cho bạn không?"
    assert [b["payload"] for b in message["buttons"]] == ['/rate_helpful{"procedure":"karaoke"}',
                                                          '/rate_unhelpful{"procedure":"karaoke"}']
    assert fb.helpful_prompt(state, "karaoke") == (None, state)
    assert fb.helpful_prompt(state, "tuong-dai")[0] is not None
    assert fb.helpful_prompt(state, None) == (None, state)


def test_satisfaction_question_once_per_conversation_and_state_survives_the_slot(fb):
    message, state = fb.satisfaction_prompt(State(), "thanks")
    assert [b["title"] for b in message["buttons"]][0] == "5 – Rất hài lòng" and len(message["buttons"]) == 5
    assert fb.satisfaction_prompt(state, "lookup") == (None, state)
    assert State.from_slot(state.to_slot()) == state
    assert State.from_slot({"asked": "x", "satisfaction": "weird", "comment": "yes"}) == State()


@pytest.mark.parametrize("text, score", [("5 sao", 5), ("chấm 4 điểm", 4), ("rất hài lòng", 5), ("hài lòng", 4),
                                         ("chưa hài lòng lắm", 2), ("không hài lòng", 1), ("bình thường", 3),
                                         ("rat hai long", 5), ("khá ổn", None), ("3 hay 4", None),
                                         ("4/5", 4), ("5/5 sao", 5), ("cho 3 trên 5", 3)])
def test_typed_scores_are_read_against_the_buttons_words(fb, text, score):
    assert fb.read_score(text) == score


def test_a_first_answer_gets_the_helpful_question_and_the_turn_is_recorded(engine):
    messages, slots = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv", "ask_fee"))
    assert "650.000" in messages[0]["text"]
    assert messages[-1]["text"] == "Câu trả lời có giúp ích cho bạn không?"
    assert slots[SLOT]["asked"] == ["hdv-cap-doi"]
    turn = rows(engine, db.turns)[0]
    assert (turn.intent, turn.procedure, turn.outcome, turn.channel, turn.text) == (
        "ask_fee", "hdv-cap-doi", "answered", "telegram", None)
    assert turn.latency_ms is not None and turn.latency_ms >= 50

    # the same procedure again: no second question
    again, _ = run(actions.ActionAnswer(), tracker("thế mất bao lâu", "ask_time", {"procedure": "hdv-cap-doi", SLOT: slots[SLOT]}, n=2))
    assert all(m.get("text") != "Câu trả lời có giúp ích cho bạn không?" for m in again)


def test_thumbs_down_keeps_the_masked_question_for_review(engine):
    _, slots = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv, sđt tôi 0912345678", "ask_fee"))
    click = tracker('/rate_unhelpful{"procedure":"hdv-cap-doi"}', "rate_unhelpful", {SLOT: slots[SLOT]},
                    [{"entity": "procedure", "value": "hdv-cap-doi"}],
                    history=["phí cấp đổi thẻ hdv, sđt tôi 0912345678"], n=2)
    messages, slots = run(rating.ActionRate(), click)
    assert "đường dây nóng" in messages[0]["text"] and slots[SLOT]["rated"] == ["hdv-cap-doi"]
    answered = rows(engine, db.turns)[0]
    assert answered.helpful is False and answered.text == "phí cấp đổi thẻ hdv, sđt tôi [SĐT]"
    assert [(f.kind, f.value, f.procedure) for f in rows(engine, db.feedback)] == [("helpful", 0, "hdv-cap-doi")]
    # a second click on the same buttons is not counted twice
    messages, _ = run(rating.ActionRate(), tracker('/rate_helpful{"procedure":"hdv-cap-doi"}', "rate_helpful",
                                                   {SLOT: slots[SLOT]}, [{"entity": "procedure", "value": "hdv-cap-doi"}], n=3))
    assert "đã đánh giá" in messages[0]["text"] and len(rows(engine, db.feedback)) == 1


def test_thanks_asks_satisfaction_then_score_then_comment(engine):
    messages, slots = run(actions.ActionSmallTalk(), tracker("cảm ơn nhé", "thank"))
    assert messages[-1]["buttons"][0]["payload"] == '/rate_satisfaction{"score":"5"}'
    assert slots[SLOT]["satisfaction"] == "asked" and slots[SLOT]["trigger"] == "thanks"

    click = tracker('/rate_satisfaction{"score":"2"}', "rate_satisfaction", {SLOT: slots[SLOT]},
                    [{"entity": "score", "value": "2"}], n=2)
    messages, slots = run(rating.ActionRate(), click)
    assert "chưa hỗ trợ được tốt" in messages[0]["text"] and slots[SLOT]["comment"] is True

    comment = tracker("bot trả lời chậm, gọi tôi 0912345678", "nlu_fallback", {SLOT: slots[SLOT]}, n=3)
    messages, slots = run(actions.ActionFallback(), comment)
    assert len(messages) == 1 and messages[0]["text"] == "Cảm ơn góp ý của bạn! Cán bộ của Sở sẽ đọc để phục vụ tốt hơn."
    assert slots[SLOT]["comment"] is False
    (rated,) = rows(engine, db.feedback)
    assert (rated.kind, rated.value, rated.trigger, rated.channel) == ("satisfaction", 2, "thanks", "telegram")
    assert rated.comment == "bot trả lời chậm, gọi tôi [SĐT]"

    # goodbye later: not asked again
    messages, slots = run(actions.ActionSmallTalk(), tracker("tạm biệt", "goodbye", {SLOT: {**slots[SLOT]}}, n=4))
    assert len(messages) == 1 and not messages[0].get("buttons")


def test_a_question_after_the_rating_is_answered_not_taken_as_a_comment(engine):
    state = State(satisfaction="rated", comment=True).to_slot()
    messages, slots = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv", "ask_fee", {SLOT: state}))
    assert "650.000" in messages[0]["text"] and slots[SLOT]["comment"] is False
    assert rows(engine, db.feedback) == []


def test_a_typed_rating_when_nothing_was_asked_is_read_as_a_question(engine):
    messages, _ = run(rating.ActionRate(), tracker("thẻ hdv quốc tế", "rate_helpful"))
    assert "Cảm ơn bạn!" not in messages[0]["text"]
    assert rows(engine, db.feedback) == []
    assert rows(engine, db.turns)[0].outcome in ("answered", "ambiguous", "fallback")


def test_a_question_misread_as_a_rating_is_answered_even_after_the_helpful_question(engine):
    asked = State(asked=("trien-lam-nhiep-anh",)).to_slot()
    messages, _ = run(rating.ActionRate(), tracker("sở ko trả lời thì sao", "rate_unhelpful",
                                                   {SLOT: asked, "procedure": "trien-lam-nhiep-anh"}))
    assert messages and all("Cảm ơn bạn đã cho biết" not in (m.get("text") or "") for m in messages)
    assert rows(engine, db.feedback) == []


def test_a_typed_thumbs_down_about_the_answer_counts(engine):
    asked = State(asked=("karaoke",)).to_slot()
    messages, slots = run(rating.ActionRate(), tracker("câu trả lời chưa đúng ý tôi", "rate_unhelpful", {SLOT: asked},
                                                       history=["phí karaoke"]))
    assert "Cảm ơn bạn đã cho biết" in messages[0]["text"] and slots[SLOT]["rated"] == ["karaoke"]
    assert [(f.kind, f.value) for f in rows(engine, db.feedback)] == [("helpful", 0)]


def test_a_dossier_status_counts_as_a_lookup_and_asks_satisfaction(engine, monkeypatch):
    from bot.dialogue import Outcome
    from bot.dossiers.conversation import DossierDesk

    monkeypatch.setattr(DossierDesk, "respond",
                        lambda self, turn: Outcome([], {"procedure": "karaoke"}, event="lookup_ok"))
    messages, slots = run(dossiers.ActionDossierStatus(), tracker("1234", "inform_last_digits",
                                                                  {"dossier_code": "000.00.15.H30-210524-0001"},
                                                                  [{"entity": "last_digits", "value": "1234"}]))
    assert messages[-1]["buttons"][0]["title"] == "5 – Rất hài lòng" and slots[SLOT]["trigger"] == "lookup"
    turn = rows(engine, db.turns)[0]
    assert (turn.event, turn.procedure) == ("lookup_ok", "karaoke")


def test_recording_off_still_answers(engine, monkeypatch):
    monkeypatch.setenv("CONSOLE_RECORDING", "off")
    messages, _ = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv", "ask_fee"))
    assert "650.000" in messages[0]["text"] and rows(engine, db.turns) == []


def test_a_comment_the_model_reads_as_a_question_is_still_the_comment(engine):
    """'nhanh' makes the model read a time question; no plain question words, no procedure named."""
    state = State(satisfaction="rated", comment=True).to_slot()
    messages, slots = run(actions.ActionAnswer(), tracker("mong trả lời nhanh hơn nữa", "ask_time",
                                                          {SLOT: state, "procedure": "hdv-quoc-te"}))
    assert [m["text"] for m in messages] == ["Cảm ơn góp ý của bạn! Cán bộ của Sở sẽ đọc để phục vụ tốt hơn."]
    assert slots[SLOT]["comment"] is False


def test_a_thumbs_payload_without_its_procedure_is_not_counted_again_and_again(engine):
    asked = State(asked=("karaoke",)).to_slot()
    _, slots = run(rating.ActionRate(), tracker("/rate_helpful", "rate_helpful", {SLOT: asked}))
    assert slots[SLOT]["rated"] == ["karaoke"]
    messages, _ = run(rating.ActionRate(), tracker("/rate_helpful", "rate_helpful", {SLOT: slots[SLOT]}, n=2))
    assert "đã đánh giá" in messages[0]["text"]
    messages, _ = run(rating.ActionRate(), tracker("/rate_unhelpful", "rate_unhelpful", n=3))  # nothing was asked
    assert all("Cảm ơn bạn đã cho biết" not in (m.get("text") or "") for m in messages)
    assert [(f.kind, f.value, f.procedure) for f in rows(engine, db.feedback)] == [("helpful", 1, "karaoke")]


def test_a_turn_without_a_message_id_never_stores_the_sender_id(engine):
    t = tracker("phí cấp đổi thẻ hdv", "ask_fee")
    t.latest_message.pop("message_id")
    run(actions.ActionAnswer(), t)
    (turn,) = rows(engine, db.turns)
    assert "tg-42" not in turn.message_id and turn.message_id.startswith(db.conversation_id("tg-42") + ":")


def test_a_recording_failure_never_costs_the_answer(engine, monkeypatch):
    from bot.analytics import recorder

    def broken(*args, **kwargs):
        raise OSError("console key unreadable")

    monkeypatch.setattr(db, "conversation_id", broken)
    t = tracker("phí cấp đổi thẻ hdv", "ask_fee")
    t.latest_message.pop("message_id")
    messages, _ = run(actions.ActionAnswer(), t)
    assert "650.000" in messages[0]["text"]
    monkeypatch.setattr(recorder, "record_turn", broken)
    messages, _ = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv", "ask_fee", n=2))
    assert "650.000" in messages[0]["text"]
