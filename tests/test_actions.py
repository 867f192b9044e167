"""The Rasa SDK actions, run with a real Tracker and CollectingDispatcher."""
import asyncio
import logging

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions
from bot import service


def tracker(text, intent, slots=None, entities=None):
    return Tracker(
        sender_id="test-user",
        slots={"procedure": None, "last_facet": None, "pending_facet": None, "candidates": None, **(slots or {})},
        latest_message={"text": text, "intent": {"name": intent, "confidence": 0.99}, "entities": entities or []},
        events=[], paused=False, followup_action=None, active_loop={}, latest_action_name="action_listen",
    )


def run(action, t):
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, t, {}))  # as the action server calls it
    return dispatcher.messages, {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_answer_action_sends_the_reply_and_sets_slots():
    messages, slots = run(actions.ActionAnswer(), tracker("phí cấp đổi thẻ hdv", "ask_fee"))
    assert "650.000" in messages[0]["text"]
    assert slots["procedure"] == "hdv-cap-doi" and slots["last_facet"] == "fees"


def test_answer_action_reads_the_button_entity():
    entities = [{"entity": "procedure", "value": "tuong-dai", "start": 0, "end": 0}]
    messages, slots = run(actions.ActionAnswer(), tracker('/ask_time{"procedure":"tuong-dai"}', "ask_time", entities=entities))
    assert "07 ngày làm việc" in messages[0]["text"] and slots["procedure"] == "tuong-dai"


def test_answer_action_uses_slots_for_follow_ups():
    messages, _ = run(actions.ActionAnswer(), tracker("mất bao lâu", "ask_time", {"procedure": "hang-luu-tru"}))
    assert "30 ngày" in messages[0]["text"]


def test_buttons_are_sent_in_rasa_format():
    messages, slots = run(actions.ActionAnswer(), tracker("hồ sơ làm thẻ hdv", "ask_documents"))
    buttons = messages[0]["buttons"]
    assert buttons and all(set(b) == {"title", "payload"} for b in buttons)
    assert slots["candidates"] == [b["payload"].split('"')[3] for b in buttons]


def test_department_and_fallback_actions():
    messages, _ = run(actions.ActionDepartmentInfo(), tracker("hotline của sở", "ask_contact"))
    assert service.dialogue().answerer.department.hotline in messages[0]["text"]
    messages, _ = run(actions.ActionFallback(), tracker("xyz abc", "nlu_fallback"))
    assert messages[0]["buttons"]
    messages, _ = run(actions.ActionOutOfScope(), tracker("thời tiết mai thế nào", "out_of_scope"))
    assert "ngoài phạm vi" in messages[0]["text"]


def test_a_failure_becomes_a_polite_message_and_the_text_is_not_logged(monkeypatch, caplog):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "dialogue", broken)
    secret = "CCCD 001234567890 số điện thoại 0912345678"
    with caplog.at_level(logging.DEBUG):
        messages, slots = run(actions.ActionAnswer(), tracker(secret, "ask_fee"))
    assert [m["text"] for m in messages] == [actions.INTERNAL_ERROR]
    assert slots == {}
    assert "001234567890" not in caplog.text and "0912345678" not in caplog.text
    assert "action_answer failed" in caplog.text


def test_small_talk_keeps_its_canned_reply_when_the_dialogue_cannot_be_built(monkeypatch):
    def broken():
        raise RuntimeError("boom")

    monkeypatch.setattr(service, "dialogue", broken)
    messages, _ = run(actions.ActionSmallTalk(), tracker("cảm ơn nhé", "thank"))
    assert [m["text"] for m in messages] == [" ".join(actions.load_replies()["small_talk"]["thank"].split())]


def test_a_catalog_version_that_cannot_be_built_leaves_the_previous_one_serving(monkeypatch, caplog):
    current = service.dialogue()

    class NewVersion:  # what CatalogStore.get() returns after an officer's edit
        pass

    edited = NewVersion()
    monkeypatch.setattr(service._store, "get", lambda: edited)
    calls = []

    def failing_build(catalog, department):
        calls.append(catalog)
        raise ValueError("an index rejects the new data")

    monkeypatch.setattr(service, "build_dialogue", failing_build)
    monkeypatch.setattr(service, "_failed", None)
    with caplog.at_level(logging.ERROR):
        assert service.dialogue() is current
        assert service.dialogue() is current
    assert len(calls) == 1  # reported once, not rebuilt on every turn
    assert "still serving the previous version" in caplog.text


def test_a_dossier_code_typed_during_a_check_ends_it_and_starts_the_lookup():
    from actions.precheck import ValidateDossierCheck
    from bot import precheck

    state = precheck.start(service.dialogue().catalog.get("karaoke"), service.dialogue().answerer).state
    code = "000.00.15.H30-261110-0004"
    t = tracker(code, "ask_dossier_status", {"check_state": state, "procedure": "karaoke"})
    dispatcher = CollectingDispatcher()
    slots = asyncio.run(ValidateDossierCheck().validate_check_answer(code, dispatcher, t, {}))
    texts = " ".join(m["text"] for m in dispatcher.messages)
    assert slots["check_state"] is None and "dừng lượt kiểm tra" in texts
    assert "4 số cuối" in texts or "mã hồ sơ" in texts  # the lookup's own next question


def _check_state(procedure_id="karaoke"):
    from bot import precheck

    return precheck.start(service.dialogue().catalog.get(procedure_id), service.dialogue().answerer).state


def test_a_check_of_another_agencys_papers_points_to_that_agency_not_to_the_procedure_discussed():
    from actions.precheck import ActionStartCheck

    messages, slots = run(ActionStartCheck(), tracker("kiểm tra giúp hồ sơ làm hộ chiếu của em đủ chưa", "check_dossier",
                                                      {"procedure": "karaoke"}))
    text = " ".join(m["text"] for m in messages)
    assert "không thuộc thẩm quyền" in text and "Tờ khai" not in text
    assert slots.get("check_state") is None


def test_a_failure_while_reading_a_question_inside_a_check_or_a_form_keeps_what_was_typed(monkeypatch, caplog):
    from actions.forms import ValidateCitizenForm
    from actions.precheck import ValidateDossierCheck
    from bot.dialogue import Dialogue

    def broken(self, turn, plain_words=True):
        raise RuntimeError("boom")

    monkeypatch.setattr(Dialogue, "asks_aside", broken)
    state = _check_state()
    dispatcher = CollectingDispatcher()
    slots = asyncio.run(ValidateDossierCheck().validate_check_answer("phí bao nhiêu", dispatcher, tracker("phí bao nhiêu", "ask_fee",
                                                         {"check_state": state}), {}))
    assert slots["check_state"]["procedure"] == "karaoke" and dispatcher.messages  # asked again, not wiped
    form = service.form_desk().start("điền đơn karaoke giúp tôi", None, None).state
    assert form is not None
    dispatcher = CollectingDispatcher()
    slots = asyncio.run(ValidateCitizenForm().validate_form_answer("phí bao nhiêu", dispatcher, tracker("phí bao nhiêu", "ask_fee",
                                                      {"form_state": form}), {}))
    assert slots["form_state"] is not None and dispatcher.messages
    assert "boom" in caplog.text


def test_advice_after_a_finished_lookup_is_advice_not_the_status_card():
    from actions.dossiers import ActionDossierStatus

    code = "000.00.15.H30-261110-0004"
    messages, _ = run(ActionDossierStatus(), tracker("hồ sơ karaoke hay bị yêu cầu bổ sung vì sao", "ask_dossier_status",
                                                     {"dossier_code": code, "dossier_verified": [code]}))
    text = " ".join(m["text"] for m in messages)
    assert code not in text and "bổ sung" in text


def test_forget_deletes_the_files_made_in_this_conversation():
    from actions.forms import ActionForgetProfile

    files = service.form_desk().files
    mine, = files.put([("don.pdf", b"%PDF mine")], owner="test-user")
    theirs, = files.put([("don.pdf", b"%PDF theirs")], owner="someone-else")
    messages, _ = run(ActionForgetProfile(), tracker("xoá thông tin của tôi", "forget_profile"))
    assert messages  # asks for the CCCD and phone of a stored profile
    assert files.find(mine.token, mine.filename) is None
    assert files.find(theirs.token, theirs.filename) is not None
    files.forget("someone-else")


def test_actions_read_no_more_of_a_message_than_the_gateway_passes_on():
    """Rasa's REST channel on loopback takes a message of any length; the actions read the first
    5,000 characters, like the gateway, so no matching code sees more."""
    import ast
    from pathlib import Path

    from actions.dossiers import lookup_turn
    from actions.message import MAX_CHARS
    from bot.gateway.rasa import MAX_MESSAGE

    assert MAX_CHARS == MAX_MESSAGE
    long = "phí cấp đổi thẻ hdv " + "a " * 20000
    t = tracker(long, "ask_fee")
    assert actions.turn_from_tracker(t).text == long[:MAX_CHARS]
    assert lookup_turn(t).text == long[:MAX_CHARS]
    messages, _ = run(actions.ActionAnswer(), t)
    assert "650.000" in messages[0]["text"]
    # every action reads the text through actions.message
    for path in Path("actions").glob("*.py"):
        if path.name != "message.py":
            reads = [n for n in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                     if isinstance(n, ast.Call) and getattr(n.func, "attr", None) == "get"
                     and n.args and getattr(n.args[0], "value", None) == "text"]
            assert reads == [], path


def test_a_cccd_beyond_the_message_length_is_not_read_as_a_deletion_request():
    from actions.forms import ActionForgetProfile
    from bot.forms.templates import load_texts

    text = "thời tiết ngày mai thế nào " + ". " * 2600 + "001090012345 0912345678"
    messages, _ = run(ActionForgetProfile(), tracker(text, "forget_profile"))
    assert messages and messages[0]["text"] != load_texts()["profile"]["ask_cccd"]
