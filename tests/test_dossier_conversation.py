"""The lookup conversation: the second check, identical replies for unknown codes and wrong
digits, the lockout, status texts for every status, and no personal data in replies or logs."""
from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

from bot.dossiers.conversation import SLOT_CODE, SLOT_VERIFIED, DossierDesk, DossierTurn
from bot.dossiers.guard import LookupGuard
from bot.dossiers.importer import parse_records, read_records
from bot.dossiers.model import STATUSES
from bot.dossiers.replies import DossierReplies, load_texts
from bot.dossiers.source import SourceUnavailable
from bot.dossiers.sqlite_source import SqliteSource
from tests.conftest import TODAY

FIXTURE = Path(__file__).parent / "data" / "dossiers.json"
CODE = "000.00.15.H30-261102-0001"  # Nguyễn Văn An, phone ...5678, CCCD ...1234, đang xử lý
SUPPLEMENT = "000.00.15.H30-261105-0002"  # yêu cầu bổ sung, karaoke


@pytest.fixture()
def store(tmp_path):
    s = SqliteSource(tmp_path / "dossiers.db")
    s.add_all(parse_records(read_records(FIXTURE)))
    return s


@pytest.fixture()
def desk(store, tmp_path, answerer):
    replies = DossierReplies(load_texts(), answerer.department, answerer.catalog)
    return DossierDesk(store, LookupGuard(tmp_path / "guard.db"), replies, today=lambda: TODAY)


def say(desk, text, sender="citizen-1", **slots):
    return desk.respond(DossierTurn(text=text, sender=sender, pending_code=slots.get("code"),
                                    verified=tuple(slots.get("verified", ()))))


def text(outcome) -> str:
    return "\n".join(r.text for r in outcome.replies)


def test_happy_path_code_then_digits(desk):
    first = say(desk, f"hồ sơ {CODE.lower()} của tôi đến đâu rồi")
    assert "4 số cuối" in text(first) and "Đang xử lý" not in text(first)
    assert first.slots == {SLOT_CODE: CODE}
    second = say(desk, "4 số cuối là 5678", code=CODE)
    reply = text(second)
    for expected in ("Cấp thẻ hướng dẫn viên nội địa", "Nguyễn V. A.", "02/11/2026", "Đang xử lý",
                     "Thẩm định hồ sơ (Phòng Quản lý Du lịch)", "15/01/2027 (còn 49 ngày)", "bưu chính"):
        assert expected in reply, expected
    assert "0912345678" not in reply and "030095001234" not in reply and "Nguyễn Văn An" not in reply
    assert second.slots[SLOT_VERIFIED] == [CODE]


def test_cccd_digits_work_too_and_code_with_digits_in_one_message(desk):
    assert "Đang xử lý" in text(say(desk, f"{CODE} cccd đuôi 1234"))


def test_fullwidth_digits_are_digits(desk):
    """A phone keyboard in a CJK input mode types "５６７８": the same digits, not a failed check."""
    wide = str.maketrans("0123456789.-H", "０１２３４５６７８９．－Ｈ")
    second = say(desk, "4 số cuối là ５６７８", code=CODE)
    assert "Đang xử lý" in text(second) and second.slots[SLOT_VERIFIED] == [CODE]
    first = say(desk, f"hồ sơ {CODE.translate(wide)} của tôi", sender="citizen-2")
    assert first.slots == {SLOT_CODE: CODE}
    assert "Đang xử lý" in text(say(desk, f"{CODE.translate(wide)} số cuối ５６７８", sender="citizen-3"))
    assert desk.last_digits("４ số cuối là ５６７８ ạ") == "5678"
    assert desk.last_digits("٥٦٧٨") is None  # other scripts' digits are not read as a check


def test_verified_citizen_asks_again_without_proving_again(desk):
    again = say(desk, "hồ sơ của tôi sao rồi", code=CODE, verified=[CODE])
    assert "Đang xử lý" in text(again)


def test_unknown_code_and_wrong_digits_get_the_same_reply(desk):
    wrong = say(desk, "1111", code=CODE)
    unknown = say(desk, "5678", code="000.00.15.H30-261102-0099", sender="citizen-2")
    assert text(wrong) == text(unknown)
    assert "chưa khớp" in text(wrong) and SLOT_VERIFIED not in wrong.slots


def test_digits_before_any_code_ask_for_the_code(desk):
    assert "mã hồ sơ" in text(say(desk, "5678"))


def test_status_question_without_code_asks_for_it(desk):
    assert "Giấy tiếp nhận" in text(say(desk, "tra cứu hồ sơ"))


def test_a_strangers_failures_do_not_lock_the_owner_out(desk):
    # Regression: 5 wrong tries by anyone locked the code, so the owner with the right digits too.
    for i in range(4):
        assert "chưa khớp" in text(say(desk, "0000", sender="stranger", code=CODE))
    assert "tạm khóa" in text(say(desk, "0000", sender="stranger", code=CODE))
    locked = say(desk, "5678", sender="stranger", code=CODE)  # the guessing party is stopped...
    assert "tạm khóa" in text(locked) and "Đang xử lý" not in text(locked)
    assert "0200 123 4567" in text(locked)  # the hotline
    assert "Đang xử lý" in text(say(desk, "5678", sender="owner", code=CODE))  # ...the owner is not


def test_a_browser_inventing_senders_is_stopped_but_not_the_owner(desk):
    def web(text_, sender, client, code=CODE):
        return text(desk.respond(DossierTurn(text=text_, sender=sender, pending_code=code, client=client)))

    for i in range(9):
        assert "chưa khớp" in web("0000", f"web-{i}", "ip-hash-stranger")
    assert "tạm khóa" in web("0000", "web-9", "ip-hash-stranger")
    assert "tạm khóa" in web("5678", "web-new", "ip-hash-stranger")
    assert "Đang xử lý" in web("5678", "web-owner", "ip-hash-owner")


def test_many_strangers_lock_the_code_for_everyone_at_the_daily_cap(store, tmp_path, answerer):
    desk, now = _clocked_desk(store, tmp_path, answerer)
    for i in range(29):  # 29 parties, one wrong try each: no party is locked, neither is the code
        assert "chưa khớp" in text(say(desk, f"{i:04d}", sender=f"s{i}", code=CODE))
    assert "tạm khóa" in text(say(desk, "0029", sender="s29", code=CODE))  # the 30th of the day
    locked = text(say(desk, "5678", sender="owner", code=CODE))
    assert "khoảng 1440 phút" in locked and "0200 123 4567" in locked
    assert "Yêu cầu bổ sung" in text(say(desk, f"{SUPPLEMENT} 4321", sender="owner-2"))  # other codes are not
    now[0] += 24 * 3600 + 1
    assert "Đang xử lý" in text(say(desk, "5678", sender="owner", code=CODE))
    for i in range(30):  # the next lock within a week lasts twice as long
        say(desk, f"{i:04d}", sender=f"t{i}", code=CODE)
    assert "khoảng 2880 phút" in text(say(desk, "5678", sender="owner", code=CODE))


def test_five_failures_lock_the_sender_across_codes(desk):
    for i in range(5):
        say(desk, "0000", sender="prober", code=f"000.00.15.H30-261102-00{10 + i}")
    assert "tạm khóa" in text(say(desk, f"{SUPPLEMENT} 4321", sender="prober"))


def test_the_lock_ends(store, tmp_path, answerer):
    now = [1000.0]
    guard = LookupGuard(tmp_path / "g.db", clock=lambda: now[0])
    desk = DossierDesk(store, guard, DossierReplies(load_texts(), answerer.department, answerer.catalog),
                       today=lambda: TODAY)
    for _ in range(5):
        say(desk, "0000", code=CODE)
    assert "tạm khóa" in text(say(desk, "5678", code=CODE))
    now[0] += 16 * 60
    assert "Đang xử lý" in text(say(desk, "5678", code=CODE))


def _clocked_desk(store, tmp_path, answerer):
    now = [1000.0]
    guard = LookupGuard(tmp_path / "g.db", clock=lambda: now[0])
    desk = DossierDesk(store, guard, DossierReplies(load_texts(), answerer.department, answerer.catalog),
                       today=lambda: TODAY)
    return desk, now


def test_ten_failures_in_a_day_lock_for_a_day(store, tmp_path, answerer):
    desk, now = _clocked_desk(store, tmp_path, answerer)
    for _ in range(5):
        say(desk, "0000", code=CODE)
    assert "khoảng 15 phút" in text(say(desk, "5678", code=CODE))
    now[0] += 15 * 60 + 1
    for _ in range(5):
        say(desk, "0000", code=CODE)
    assert "khoảng 1440 phút" in text(say(desk, "5678", code=CODE))  # 24 hours
    now[0] += 24 * 3600 + 1
    assert "Đang xử lý" in text(say(desk, "5678", code=CODE))


def test_slow_guessing_is_capped_too(store, tmp_path, answerer):
    desk, now = _clocked_desk(store, tmp_path, answerer)
    for i in range(9):  # one guess every 20 minutes never trips the 15-minute rule...
        assert "chưa khớp" in text(say(desk, f"000{i}", sender="patient", code=CODE))
        now[0] += 20 * 60
    assert "tạm khóa" in text(say(desk, "0009", sender="patient", code=CODE))  # ...but the 10th of the day does


def test_clients_are_limited_across_senders(store, tmp_path, answerer):
    desk, _ = _clocked_desk(store, tmp_path, answerer)
    for i in range(10):  # one browser inventing a new sender id for every guess
        desk.respond(DossierTurn(text="0000", sender=f"web-{i}", pending_code=f"000.00.15.H30-261102-00{20 + i}",
                                 client="ip-hash-1"))
    locked = desk.respond(DossierTurn(text=f"{SUPPLEMENT} 4321", sender="web-new", client="ip-hash-1"))
    assert "tạm khóa" in text(locked)


def test_a_client_shared_by_a_few_citizens_takes_more_than_one_senders_typos(store, tmp_path, answerer):
    desk, _ = _clocked_desk(store, tmp_path, answerer)  # e.g. a mobile network's address
    for i in range(5):
        desk.respond(DossierTurn(text="0000", sender="web-typos", pending_code=CODE, client="ip-shared"))
    ok = desk.respond(DossierTurn(text=f"{SUPPLEMENT} 4321", sender="web-neighbour", client="ip-shared"))
    assert "Yêu cầu bổ sung" in text(ok)


def test_supplement_request_lists_items_and_how_to_send_them(desk):
    reply = text(say(desk, "4321", code=SUPPLEMENT))
    assert "Bản vẽ mặt bằng phòng hát có ghi rõ diện tích" in reply
    assert "Cách gửi bổ sung" in reply and "Trung tâm Phục vụ hành chính công" in reply


def test_source_down_gives_a_polite_answer_and_counts_no_failure(desk):
    class Down:
        def get(self, code):
            raise SourceUnavailable("down")

    broken = DossierDesk(Down(), desk.guard, desk.replies, today=desk.today)
    for _ in range(6):
        assert "gián đoạn" in text(say(broken, "5678", code=CODE))
    assert "Đang xử lý" in text(say(desk, "5678", code=CODE))  # not locked by the outage


@pytest.mark.parametrize("status", STATUSES)
def test_every_status_has_a_plain_explanation_and_next_step(desk, store, status):
    base = store.get(CODE)
    changes = {"status": status}
    if status == "yeu_cau_bo_sung":
        changes["supplement_items"] = ("Giấy khám sức khỏe",)
    reply = desk.replies.status(dataclasses.replace(base, **changes), TODAY).text
    texts = load_texts()["statuses"][status]
    assert texts["label"] in reply and texts["meaning"] in reply and "Việc bạn cần làm:" in reply
    assert "0912345678" not in reply and "030095001234" not in reply
    assert "{" not in reply


def test_overdue_and_due_today(desk, store):
    base = store.get(CODE)
    assert "đã quá hạn 2 ngày" in desk.replies.status(dataclasses.replace(base, due_at=TODAY - dt.timedelta(days=2)), TODAY).text
    assert "đến hạn hôm nay" in desk.replies.status(dataclasses.replace(base, due_at=TODAY), TODAY).text


@pytest.mark.parametrize("message,digits", [("5678", "5678"), ("4 số cuối là 5678 ạ", "5678"), ("Sđt đuôi 5678 nhé", "5678"),
                                            ("bon so cuoi 5678", "5678"), ("khách sạn 3 sao 2024", None),
                                            ("12345", None), ("phí 5678 đồng", None)])
def test_last_digits_are_read_only_from_messages_that_say_nothing_else(desk, message, digits):
    assert desk.last_digits(message) == digits


def test_last_digits_reader_is_linear_on_long_filler(desk):
    # A regular expression over the filler words backtracked exponentially on such messages.
    # within the length cap: every word is read, and only the last one fails
    assert desk.last_digits("số cuối " * 19 + "5678 x") is None
    assert desk.last_digits("số " * 30 + "5678 ạ") == "5678"
    assert desk.last_digits("số cuối " * 2000 + "x") is None
    assert desk.last_digits("số " * 300 + "5678") is None  # far longer than a reply to "4 số cuối?"


def test_no_personal_data_in_logs(desk, caplog):
    with caplog.at_level("DEBUG"):
        for i in range(6):
            say(desk, f"{CODE} 000{i}", sender="prober-x")
        say(desk, "5678", code=SUPPLEMENT, sender="other")
        say(desk, "4321", code=SUPPLEMENT, sender="other")
    for secret in ("Nguyễn", "Trần", "0912345678", "030095001234", "0987654321", "001190004321"):
        assert secret not in caplog.text
