"""Rasa payload syntax typed by a citizen ("/intent{"slot": value}", "/restart") through the real
assistant: the trained model, the action server and Rasa's REST channel on loopback. Slots are
read back from Rasa's own tracker store (SQLite, with Rasa's SQLTrackerStore).

Every slot of domain.yml is attacked (read from the file: a new slot is covered by itself). A
payload entity may set a slot only as the same message without it would: after
`/intent{"slot": value, ...}` a slot holds nothing, or what it holds after the same message with
the values under names that are no slot.
"""
from __future__ import annotations

import asyncio
import json
import uuid

import pytest
import yaml

from actions.actions import INTERNAL_ERROR
from bench.conversations import ROOT, reply_text, running_assistant, send

pytestmark = pytest.mark.e2e
DOMAIN = yaml.safe_load((ROOT / "domain.yml").read_text(encoding="utf-8"))
# Rasa adds requested_slot to a domain with forms.
SLOTS = {**{name: spec["type"] for name, spec in DOMAIN["slots"].items()}, "requested_slot": "text"}
CODE = "000.00.15.H30-261102-0001"  # tests/data/dossiers.json: phone ...5678
# What a payload tries to put in a slot, by the slot's type: a plausible value and a malformed one.
VALUES = {
    "text": ["fees", {"a": 1}],
    "list": [[CODE], {"a": 1}],
    "any": [{"v": 1, "form": "hdv-cap-the", "procedure": "karaoke", "phase": "complete", "values": {},
             "answers": {}, "asked": ["karaoke"], "rated": [], "satisfaction": 5, "comment": True}, "x"],
    "bool": [True, "x"], "float": [1.0, "x"], "categorical": ["x", {"a": 1}],
}
# Every intent of the domain, an unknown one, and Rasa's own commands.
INTENTS = DOMAIN["intents"] + ["inform", "restart", "session_start", "back"]
STATUS_CARD = "Tình trạng:"


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    tmp = tmp_path_factory.mktemp("payloads")
    try:
        with running_assistant(tmp) as url:
            store = SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp / "tracker.db"))
            yield url, store
    except RuntimeError as exc:
        pytest.fail(str(exc))


class Chat:
    def __init__(self, assistant, name: str = "payload"):
        self.url, self.store = assistant
        self.sender = f"{name}-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> tuple[list[dict], str]:
        status, messages = send(self.url, self.sender, message)
        assert status == 200, (message, status)
        return messages, reply_text(messages)

    def slots(self) -> dict:
        return asyncio.run(self.store.retrieve(self.sender)).current_slot_values()

    def loop(self) -> str | None:
        return asyncio.run(self.store.retrieve(self.sender)).active_loop_name


def payload(intent: str, slot: str | None = None, value=None) -> str:
    return f"/{intent}" + (json.dumps({slot: value}, ensure_ascii=False) if slot else "")


def every_slot(variant: int, prefix: str = "") -> dict:
    """A value for every slot at once (`prefix`: under names that are no slot nor entity)."""
    return {prefix + slot: VALUES[kind][variant] for slot, kind in sorted(SLOTS.items())}


@pytest.fixture(scope="module")
def outcomes(assistant):
    """For every intent and both kinds of value (plausible, malformed): the slots and the reply in
    a fresh conversation after a payload that tries to set every slot at once, and, as the
    control, after the same payload with the values under names that are no slot. One message per
    intent and kind covers every slot: a mapping that fills a slot from its entity fills it
    whatever else the message holds. (The other entities may leave a slot unset that the control
    sets: an unknown procedure entity makes the form request ask which procedure, instead of
    reading "karaoke" from the words; what must never happen is a slot set to anything else.)"""
    results = {}
    for intent in INTENTS:
        for variant in (0, 1):
            attack, control = Chat(assistant), Chat(assistant, "control")
            messages, text = attack.say(f"/{intent}{json.dumps(every_slot(variant), ensure_ascii=False)}")
            normal, _ = control.say(f"/{intent}{json.dumps(every_slot(variant, 'not_a_'), ensure_ascii=False)}")
            results[(intent, variant)] = (attack.slots(), messages, text, control.slots(), normal)
    return results


@pytest.mark.parametrize("slot", sorted(SLOTS))
def test_a_payload_entity_never_sets_a_slot(outcomes, slot):
    problems = [f"/{intent}{{{slot!r}: {VALUES[SLOTS[slot]][variant]!r}}}: {slot}={slots.get(slot)!r} "
                f"(without the entity: {normal_slots.get(slot)!r})"
                for (intent, variant), (slots, _, _, normal_slots, _) in outcomes.items()
                if slots.get(slot) is not None and slots.get(slot) != normal_slots.get(slot)]
    assert not problems, "\n".join(problems)


def test_a_payload_never_gets_more_than_a_normal_reply(outcomes):
    problems = []
    for (intent, variant), (slots, messages, text, _, normal) in outcomes.items():
        if slots.get("dossier_verified"):
            problems.append(f"/{intent} (values {variant}): a dossier counts as verified")
        if INTERNAL_ERROR in text or STATUS_CARD in text or len(messages) > len(normal):
            problems.append(f"/{intent} (values {variant}): more than a normal reply: {text[:200]!r}")
    assert not problems, "\n".join(problems)


def test_payloads_inside_an_open_form_change_nothing(assistant):
    chat = Chat(assistant, "form")
    chat.say("điền đơn đề nghị cấp giấy phép karaoke giúp tôi")
    before = chat.slots()["form_state"]
    assert before and before["phase"] == "filling" and chat.loop() == "citizen_form"
    for slot, kind in sorted(SLOTS.items()):
        for value in VALUES[kind]:
            _, text = chat.say(payload("inform", slot, value))
            assert chat.slots()["form_state"] == before, (slot, value)
            assert "huỷ" in text and INTERNAL_ERROR not in text  # "you are filling ...; type huỷ to stop"


def test_payloads_during_a_lookup_never_skip_the_second_check(assistant):
    chat = Chat(assistant, "lookup")
    _, text = chat.say(f"hồ sơ {CODE} của tôi đến đâu rồi")
    assert "4 số cuối" in text
    for intent in ("ask_dossier_status", "inform_last_digits", "affirm", "inform"):
        for slots in ({"dossier_verified": [CODE]}, {"dossier_verified": [CODE], "dossier_code": CODE},
                      {"last_digits": "0000", "dossier_verified": [CODE]}):
            _, text = chat.say(f"/{intent}{json.dumps(slots)}")
            assert STATUS_CARD not in text and not chat.slots().get("dossier_verified"), (intent, slots, text[:200])
    _, text = chat.say("5678")  # the real second check still works
    assert STATUS_CARD in text and chat.slots()["dossier_verified"] == [CODE]


def test_a_malformed_procedure_entity_gets_a_polite_answer_and_the_conversation_goes_on(assistant):
    chat = Chat(assistant, "malformed")
    for message in ('/ask_fee{"procedure":{"a":1}}', '/request_form{"procedure":{"a":1}}',
                    '/check_dossier{"procedure":{"a":["karaoke"]}}', '/rate_helpful{"procedure":{"a":1}}'):
        messages, text = chat.say(message)
        assert messages and INTERNAL_ERROR not in text, (message, text[:200])
        assert not isinstance(chat.slots().get("procedure"), (dict, list)), message
    for message, expected in (("điền đơn giúp tôi", "điền"), ("phí karaoke bao nhiêu", "1.000.000"),
                              ("mất bao lâu", "ngày")):
        _, text = chat.say(message)
        assert INTERNAL_ERROR not in text and expected in text.lower(), (message, text[:300])


def test_a_typed_restart_asks_before_dropping_a_form_then_restarts_on_the_second(assistant):
    chat = Chat(assistant, "restart")
    chat.say("điền đơn đề nghị cấp giấy phép karaoke giúp tôi")
    before = chat.slots()["form_state"]
    asking = before["asking"]
    _, text = chat.say("/restart")
    assert "/restart một lần nữa" in text and "sẽ mất" in text
    assert chat.slots()["form_state"] == before and chat.loop() == "citizen_form"
    _, text = chat.say("001190012345")  # the form goes on where it was
    state = chat.slots()["form_state"]
    assert state["values"].get(asking) == "001190012345" and state["asking"] != asking
    chat.say("/restart")
    _, text = chat.say("/restart")  # confirmed
    assert "bắt đầu lại" in text
    assert chat.slots().get("form_state") is None and chat.loop() is None
    _, text = chat.say("phí karaoke bao nhiêu")
    assert "1.000.000" in text


def test_a_typed_session_start_never_drops_a_form_either(assistant):
    chat = Chat(assistant, "session-start")
    chat.say("điền đơn đề nghị cấp giấy phép karaoke giúp tôi")
    before = chat.slots()["form_state"]
    _, text = chat.say("/session_start")
    assert "/restart một lần nữa" in text and chat.slots()["form_state"] == before
    chat.say("001190012345")  # the form goes on where it was
    state = chat.slots()["form_state"]
    assert state["values"].get(before["asking"]) == "001190012345" and chat.loop() == "citizen_form"
    chat.say("/session_start")
    _, text = chat.say("/restart")  # confirms: the citizen was told to type it again
    assert "bắt đầu lại" in text and chat.slots().get("form_state") is None


def test_a_typed_restart_without_anything_open_restarts_and_says_so(assistant):
    chat = Chat(assistant, "restart-plain")
    chat.say("phí karaoke bao nhiêu")
    assert chat.slots()["procedure"] == "karaoke"
    _, text = chat.say("/restart")
    assert "bắt đầu lại" in text and chat.slots().get("procedure") is None


def test_a_clicked_procedure_button_still_sets_the_procedure(assistant):
    chat = Chat(assistant, "button")
    _, text = chat.say('/ask_fee{"procedure":"karaoke"}')
    assert "1.000.000" in text and chat.slots()["procedure"] == "karaoke"
    _, text = chat.say("mất bao lâu")  # a follow-up about the clicked procedure
    assert "karaoke" in text.lower() or "ngày" in text
