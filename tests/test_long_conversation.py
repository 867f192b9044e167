"""A very long conversation is continued in a new Rasa session (actions/session.py), so that a
turn's cost stays bounded: through the real assistant with a small limit, the citizen notices
nothing (each message one normal reply, the context kept) and Rasa's tracker store loads only
the recent part."""
from __future__ import annotations

import asyncio
import uuid

import pytest

from bench.conversations import ROOT, reply_text, running_assistant, send

pytestmark = pytest.mark.e2e
LIMIT = 6
CODE = "000.00.15.H30-261102-0001"  # tests/data/dossiers.json: phone ...5678


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    from rasa.core.tracker_store import SQLTrackerStore
    from rasa.shared.core.domain import Domain

    tmp = tmp_path_factory.mktemp("long")
    try:
        with running_assistant(tmp, extra_env={"VHTTDL_SESSION_MAX_MESSAGES": str(LIMIT)}) as url:
            yield url, SQLTrackerStore(Domain.load(str(ROOT / "domain.yml")), dialect="sqlite", db=str(tmp / "tracker.db"))
    except RuntimeError as exc:
        pytest.fail(str(exc))


def test_a_long_conversation_goes_on_in_fresh_sessions_with_its_context(assistant):
    url, store = assistant
    sender = f"long-{uuid.uuid4().hex[:8]}"

    def say(message: str) -> tuple[list[dict], str]:
        status, messages = send(url, sender, message)
        assert status == 200 and messages, message
        return messages, reply_text(messages)

    _, text = say(f"hồ sơ {CODE} của tôi đến đâu rồi")
    assert "4 số cuối" in text
    _, text = say("5678")
    assert "Tình trạng:" in text
    sizes = []
    for i in range(4 * LIMIT):
        question = ("phí cấp giấy phép karaoke bao nhiêu", "cần những giấy tờ gì", "hồ sơ của tôi đến đâu rồi")[i % 3]
        messages, text = say(question)
        if question == "cần những giấy tờ gì":  # a follow-up: the procedure under discussion was kept
            assert "karaoke" in text.lower(), text[:300]
        if question.startswith("hồ sơ của tôi"):  # the verified dossier was kept: no new check
            assert "Tình trạng:" in text and "4 số cuối" not in text, text[:300]
        assert len(messages) <= 3, text[:300]  # one reply (and at most a rating question), never twice
        tracker = asyncio.run(store.retrieve(sender))
        sizes.append(sum(1 for e in tracker.events if e.type_name == "user"))
    assert max(sizes) <= LIMIT + 1  # what Rasa loads for a message stays bounded
    assert tracker.get_slot("dossier_verified") == [CODE] and tracker.get_slot("procedure")


def test_a_form_in_progress_is_never_cut(assistant):
    url, store = assistant
    sender = f"long-form-{uuid.uuid4().hex[:8]}"
    for _ in range(LIMIT - 1):  # the form opens at the limit, its answers go past it
        send(url, sender, "phí cấp giấy phép karaoke bao nhiêu")
    status, messages = send(url, sender, "điền đơn đề nghị cấp giấy phép karaoke giúp tôi")
    assert status == 200 and "điền sẵn" in reply_text(messages)
    for answer in ("001190012345", "15/03/1990", "0912345678"):
        status, messages = send(url, sender, answer)
        assert status == 200 and "Xin lỗi" not in reply_text(messages)
    state = asyncio.run(store.retrieve(sender)).get_slot("form_state")
    assert state and state["phase"] == "filling"
    assert {"001190012345", "0912345678"} <= set(state["values"].values())
